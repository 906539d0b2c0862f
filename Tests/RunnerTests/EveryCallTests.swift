import Testing
import Runner
import ScenarioFormat

/// Every call of the one definition table (`CallDefinition.all`) is checked and run: a call added to
/// the table without its case in Sources/Runner/Calls.swift fails here.
@Suite("every defined call runs")
struct EveryCallTests {
    static let preamble = """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    conn_client = socket(AF_INET, SOCK_STREAM)
    conn_client.connect(server.address)
    conn, addr = server.accept()
    s = socket(AF_INET, SOCK_STREAM)
    u = socket(AF_INET, SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    other = socket(AF_INET, SOCK_DGRAM)
    other.bind(("127.0.0.1", 0))
    """

    @Test("its usage example checks cleanly and runs on real sockets", arguments: Vocabulary.calls.map(\.name))
    func runs(_ name: String) throws {
        let call = try #require(Vocabulary.call(name))
        let text = "```steps\n\(Self.preamble)\n\(call.usage)\n```\n"
        let parsed = DocumentParser.parse(text: text, path: "\(name).md")
        let doc = try #require(parsed.document)
        let problems = (parsed.diagnostics + Checker.check(doc)).filter { $0.severity == .error }.map(\.message)
        #expect(problems.isEmpty, "\(call.usage): \(problems)")
        let result = Runner.run(doc)
        let last = try #require(result.events.last)
        #expect(last.call == name)
        if case .pythonError(let exception, let message) = last.outcome {
            #expect(exception != "AttributeError" && exception != "NameError", "\(call.usage): the runner does not know it: \(message)")
        }
        #expect(result.events.dropLast().allSatisfy { $0.verdict == .passed }, "the preamble itself failed")
    }
}

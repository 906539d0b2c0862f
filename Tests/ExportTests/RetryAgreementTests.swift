import Export
import Foundation
import Runner
import ScenarioFormat
import Testing

/// Retrying on the same socket is where the runner's own non-blocking descriptors could change a
/// result: the kernel remembers how the last attempt ended (a blocking connect ends it itself;
/// reading SO_ERROR does not). Each pattern runs step by step in sockstep's runner and in real
/// CPython (the lesson exported to Python: the same calls in the same order, each outcome printed),
/// and every step must have the same outcome and the same value.
///
/// The expectations are what CPython 3 on Linux does; they keep both runs going after an error.
let retryPatterns: [(name: String, steps: String)] = [
    ("refused, then the same socket connects to a listening server", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    c.connect(("127.0.0.1", 1)) -> ConnectionRefusedError
    c.connect(server.address)
    c.sendall(b"after a refusal")
    conn, _ = server.accept()
    conn.recv(100) -> b"after a refusal"
    """),
    ("refused twice, then connected", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    c.connect(("127.0.0.1", 1)) -> ECONNREFUSED
    c.connect(("127.0.0.1", 1)) -> ECONNREFUSED
    c.connect(server.address)
    """),
    ("getsockname() and getpeername() as the address of connect, sendto and bind", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    c.connect(server.getsockname())
    c.connect_ex(server.getsockname()) -> 106
    u = socket(AF_INET, SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    v = socket(AF_INET, SOCK_DGRAM)
    v.sendto(b"to u", u.getsockname()) -> 4
    u.recv(10) -> b"to u"
    v.connect(u.getsockname())
    w = socket(AF_INET, SOCK_DGRAM)
    w.bind(v.getpeername()) -> EADDRINUSE
    """),
    ("connect twice: the second is EISCONN", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    c.connect(server.address)
    c.connect(server.address) -> EISCONN
    c.connect(("127.0.0.1", 1)) -> EISCONN
    """),
    ("connect after close: EBADF", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    c.connect(("127.0.0.1", 1)) -> ECONNREFUSED
    c.close()
    c.connect(server.address) -> EBADF
    c.connect_ex(server.address) -> 9
    """),
    ("connect_ex: refused, then 0, then already connected", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    c.connect_ex(("127.0.0.1", 1)) -> 111
    c.connect_ex(server.address) -> 0
    c.connect_ex(server.address) -> 106
    """),
    ("with settimeout: refused, then ECONNABORTED, then connected (Python reads SO_ERROR itself)", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    c.settimeout(2)
    c.connect(("127.0.0.1", 1)) -> ConnectionRefusedError
    c.connect(server.address) -> ConnectionAbortedError
    c.connect(server.address)
    c.connect(server.address)
    c.connect(server.address) -> EISCONN
    c.settimeout(None)
    c.sendall(b"ok")
    conn, _ = server.accept()
    conn.recv(10) -> b"ok"
    """),
    ("with settimeout: connect_ex refused, then 103", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    c.settimeout(2)
    c.connect_ex(("127.0.0.1", 1)) -> 111
    c.connect_ex(server.address) -> 103
    c.connect_ex(server.address) -> 0
    """),
    ("refused with a timeout, then the socket made blocking connects at once", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    c.settimeout(2)
    c.connect(("127.0.0.1", 1)) -> ECONNREFUSED
    c.setblocking(True)
    c.connect(server.address) -> ECONNABORTED
    c.connect(server.address)
    c.connect(server.address) -> EISCONN
    """),
    ("a non-blocking socket the learner made: EINPROGRESS, the refusal, EINPROGRESS, connected", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    c = socket(AF_INET, SOCK_STREAM)
    c.setblocking(False)
    c.connect(("127.0.0.1", 1)) -> EINPROGRESS
    c.connect(server.address) -> ECONNREFUSED
    c.connect(server.address) -> EINPROGRESS
    c.connect(server.address)
    c.connect(server.address) -> EISCONN
    """),
    ("connect after a settimeout expiry: EALREADY, then a blocking connect finishes the handshake", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    first = socket(AF_INET, SOCK_STREAM)
    first.connect(server.address)
    late = socket(AF_INET, SOCK_STREAM)
    late.settimeout(0.05)
    late.connect(server.address) -> timeout
    late.connect(server.address) -> EALREADY
    conn, _ = server.accept()
    late.settimeout(None)
    late.connect(server.address)
    late.connect(server.address) -> EISCONN
    late.sendall(b"hi")
    other, _ = server.accept()
    other.recv(10) -> b"hi"
    """),
    ("UDP: connect again and again changes where send goes; after close, EBADF", """
    a = socket(AF_INET, SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b = socket(AF_INET, SOCK_DGRAM)
    b.bind(("127.0.0.1", 0))
    u = socket(AF_INET, SOCK_DGRAM)
    u.connect(a.address)
    u.connect(b.address)
    u.send(b"to b") -> 4
    b.recv(100) -> b"to b"
    u.connect(("127.0.0.1", 1))
    u.send(b"x") -> 1
    u.send(b"x") -> ECONNREFUSED
    u.connect(a.address)
    u.send(b"to a") -> 4
    a.recv(100) -> b"to a"
    u.close()
    u.connect(a.address) -> EBADF
    """),
    ("accept, recv and send after a retry: a timeout mode, then blocking again", """
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.02)
    server.accept() -> timeout
    c = socket(AF_INET, SOCK_STREAM)
    c.connect(server.address)
    conn, _ = server.accept()
    conn.settimeout(0.02)
    conn.recv(10) -> timeout
    c.sendall(b"abc")
    conn.recv(10, MSG_WAITALL) -> b"abc"
    conn.setblocking(True)
    c.sendall(b"defg")
    conn.recv(4, MSG_WAITALL) -> b"defg"
    c.send(b"hij") -> 3
    conn.recv(2) -> b"hi"
    conn.recv(2) -> b"j"
    """),
]

/// `step N: ok 111` → "ok 111", in step order (without the program's own verdict).
func outcomesWithValues(_ output: String) -> [String] {
    output.split(separator: "\n").compactMap { line -> String? in
        guard line.hasPrefix("step "), let colon = line.firstIndex(of: ":") else { return nil }
        var rest = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        if let verdict = rest.range(of: " -- ") { rest = String(rest[..<verdict.lowerBound]) }
        return rest
    }
}

/// What the runner saw, as the exported Python program prints it.
func runnerOutcomeWithValue(_ o: Outcome) -> String {
    if case .value(let v) = o {
        if case .none = v { return "ok" }
        if case .socket = v { return "ok" }
        if case .tuple(let items) = v, items.contains(where: { if case .socket = $0 { return true }; return false }) { return "ok" }
        return "ok " + v.description
    }
    return outcomeWord(o)
}

@Suite("retrying on the same socket: sockstep's runner and real CPython agree at every step")
struct RetryAgreementTests {
    static let python = which("python3")

    @Test("each retry pattern has the same outcome and value at every step in the runner and in CPython",
          .enabled(if: python != nil, "python3 is not installed: the runner cannot be compared with CPython here"),
          arguments: retryPatterns.map(\.name))
    func pattern(_ name: String) throws {
        let steps = try #require(retryPatterns.first { $0.name == name }).steps
        let parsed = DocumentParser.parse(text: "# \(name)\n\n```steps\n\(steps)\n```\n", path: "retry.md")
        let doc = try #require(parsed.document)
        #expect(!parsed.hasErrors && Checker.check(doc).filter { $0.severity == .error }.isEmpty,
                "\(parsed.diagnostics.map(\.message)) \(Checker.check(doc).map(\.message))")

        let runner = Runner.run(doc)
        let ours = runner.events.map { runnerOutcomeWithValue($0.outcome) }

        let program: String
        switch Exporter.export(doc, language: .python) {
        case .success(let p): program = p
        case .failure(let e): Issue.record("export: \(e.message)"); return
        }
        let file = try tempFile("retry.py", program)
        let cpython = try runProgram(try #require(Self.python), [file], seconds: 60)
        let theirs = outcomesWithValues(cpython.out)

        let differences = zip(theirs, ours).enumerated().compactMap { i, pair -> String? in
            pair.0 == pair.1 ? nil : "step \(i + 1) `\(doc.steps[i].source)`: CPython \(pair.0), sockstep \(pair.1)"
        }
        #expect(theirs.count == ours.count, "CPython printed \(theirs.count) steps, sockstep ran \(ours.count)\n\(cpython.out)\n\(cpython.err)")
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        // The expectations are CPython's answers: both runs pass them all.
        #expect(runner.passed, "\(runner.failures.map { "\($0.index): \($0.step.source) → \($0.outcome)" })")
        #expect(cpython.status == 0, "\(cpython.out)\n\(cpython.err)")
    }
}

@Suite("retrying on the same socket: the C export agrees with the runner")
struct RetryAgreementInCTests {
    @Test("each retry pattern, exported to C, compiled and run, has the runner's outcome at every step",
          .enabled(if: which("cc") != nil, "cc is not installed: the C export cannot be compiled here"),
          arguments: retryPatterns.map(\.name))
    func pattern(_ name: String) throws {
        let steps = try #require(retryPatterns.first { $0.name == name }).steps
        let doc = try #require(DocumentParser.parse(text: "# \(name)\n\n```steps\n\(steps)\n```\n", path: "retry.md").document)
        try agree(doc, .c)
    }
}

import ScenarioFormat
import Testing

/// `dup()`, the call added through its one definition: parsed, checked, and known to every part.
@Suite("one definition per call")
struct CallDefinitionTests {
    func diagnostics(_ steps: String) -> [Diagnostic] {
        let text = "```steps\n" + steps + "\n```\n"
        let parsed = DocumentParser.parse(text: text, path: "t.md")
        guard let doc = parsed.document else { return parsed.diagnostics }
        return parsed.diagnostics + Checker.check(doc)
    }

    @Test("dup makes a socket the next steps may use; its arguments are checked like any call's")
    func dupIsASocketCall() {
        #expect(diagnostics("c = socket(AF_INET, SOCK_STREAM)\nc2 = c.dup()\nc2.close()\nc.close()").isEmpty)
        let extra = diagnostics("c = socket(AF_INET, SOCK_STREAM)\nc2 = c.dup(1)")
        #expect(extra.contains { $0.message == "`dup` takes no arguments, but 1 was given" && $0.location.line == 3 })
        let typo = diagnostics("c = socket(AF_INET, SOCK_STREAM)\nc.dpu()")
        #expect(typo.contains { $0.message == "unknown call `dpu`" && $0.help == "did you mean `dup`?" })
    }

    @Test("every call has its explanation, its system call and a usage that checks cleanly")
    func everyCallIsComplete() {
        for call in Vocabulary.calls {
            #expect(!call.summary.isEmpty && !call.manPage.isEmpty && !call.cLine.isEmpty && !call.syscall.isEmpty, "\(call.name)")
            #expect(call.usage.contains(call.name), "\(call.name): \(call.usage)")
        }
        #expect(Vocabulary.call("send")?.syscall == "sendto")
        #expect(Vocabulary.call("dup")?.returns == .socket)
        #expect(Vocabulary.call("sendto")?.addressArgument(count: 2) == 1)
        #expect(Vocabulary.call("sendto")?.addressArgument(count: 3) == 2)
        #expect(Vocabulary.call("bind")?.addressArgument(count: 1) == 0)
    }
}

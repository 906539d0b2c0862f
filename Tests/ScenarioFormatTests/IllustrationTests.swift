import ScenarioFormat
import Testing

/// ```steps illustration blocks: shown as prose, never run or checked, with a note.
@Suite("Illustration blocks")
struct IllustrationTests {
    let text = """
    # Illustrated

    ```steps illustration
    c = socket(AF_INET, SOCK_STREAM)
    c.connect(program.address)
    ```

    ```steps
    s = socket(AF_INET, SOCK_STREAM)
    ```
    """

    @Test("an illustration is prose, not steps, and gets a note at its fence")
    func shownNotRun() throws {
        let r = DocumentParser.parse(text: text, path: "i.md")
        let doc = try #require(r.document)
        #expect(doc.steps.map(\.source) == ["s = socket(AF_INET, SOCK_STREAM)"])
        #expect(doc.illustrations == [3])
        #expect(!r.hasErrors)
        let note = try #require(r.diagnostics.first)
        #expect(r.diagnostics.count == 1)
        #expect(note.severity == .note)
        #expect(note.location == SourceLocation(line: 3, column: 4))
        #expect(note.message.contains("illustration") && note.message.contains("not run"))
        // Its text stays in the prose the learner reads.
        #expect(doc.blocks.contains { if case .prose(let t, _) = $0 { return t.contains("c.connect(program.address)") }; return false })
        // The checker never sees it: `program` is not defined here, and no error says so.
        #expect(Checker.check(doc).filter { $0.severity == .error }.isEmpty)
    }

    @Test("a file whose only steps are illustrations is usable")
    func onlyIllustrations() throws {
        let r = DocumentParser.parse(text: "# Doc\n\n```steps illustration\nc.connect(program.address)\n```\n", path: "d.md")
        #expect(!r.hasErrors, "\(r.diagnostics)")
        #expect(r.document?.steps.isEmpty == true)
        #expect(r.document?.illustrations == [3])
    }

    @Test("an illustration must still be written as steps: its syntax errors are errors")
    func syntaxStillChecked() throws {
        let r = DocumentParser.parse(text: "# Doc\n\n```steps illustration\nc.connect(\"unterminated)\n```\n", path: "d.md")
        let error = try #require(r.diagnostics.first { $0.severity == .error })
        #expect(error.message.contains("unterminated string"))
        #expect(error.location.line == 4)
    }

    @Test("only the exact tag makes an illustration", arguments: ["steps illustration", "steps  illustration"])
    func tag(_ info: String) {
        #expect(Document.isIllustration(info))
    }

    @Test("other tags are not illustrations", arguments: ["steps", "illustration", "steps illustrations", "steps illustration extra"])
    func notTag(_ info: String) {
        #expect(!Document.isIllustration(info))
    }
}

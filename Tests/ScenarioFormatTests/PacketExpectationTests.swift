import Testing
@testable import ScenarioFormat

/// `=> [FLAGS]` after a step: what it parses to, and every bad form with its line and column.
@Suite("Packet expectations")
struct PacketExpectationTests {
    static let prefix = "s = socket(AF_INET, SOCK_STREAM)\n"

    func step(_ line: String) throws -> Step {
        let r = DocumentParser.parse(text: lesson(PacketExpectationTests.prefix + line), path: "t.md")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.message))")
        return try #require(r.document?.steps.last)
    }

    @Test("forms that parse", arguments: [
        ("s.connect((\"127.0.0.1\", 1))  => [SYN] [SYN, ACK] [ACK]", "[SYN] [SYN, ACK] [ACK]"),
        ("s.close() => RST", "[RST]"),
        ("s.close() => [FIN, ACK]   # a comment", "[FIN, ACK]"),
        ("s.listen(5) => none", "none"),
        ("s.close() => RST, ACK", "[RST, ACK]"),
    ])
    func parses(_ line: String, _ text: String) throws {
        let s = try step(line)
        #expect(s.packets?.text == text)
        #expect(s.expectation == nil)
    }

    @Test("a value expectation and a packet expectation on one step")
    func both() throws {
        let s = try step("s.connect_ex((\"127.0.0.1\", 1)) -> 111 => [SYN]")
        #expect(s.packets?.text == "[SYN]")
        guard case .value(let n)? = s.expectation, case .int(111) = n.expr else { Issue.record("expected -> 111, got \(String(describing: s.expectation))"); return }
        let ok = try step("s.close() -> ok => [FIN]")
        #expect(ok.expectation == .ok)
        #expect(ok.packets?.items.map(\.flags) == [["FIN"]])
    }

    @Test("the column of each flag is kept, for diagnostics")
    func locations() throws {
        let s = try step("s.close() => [RST, ACK]")
        #expect(s.packets?.items.first?.locations.map(\.column) == [15, 20])
        #expect(s.packets?.location.line == 4)
    }

    static let bad: [DiagnosticCase] = [
        .init(name: "misspelt flag", text: lesson(prefix + "s.close() => [RTS]"),
              message: "unknown TCP flag `RTS`", line: 4, column: 15, help: "did you mean `RST`?"),
        .init(name: "lowercase flag", text: lesson(prefix + "s.close() => fin"),
              message: "unknown TCP flag `fin`", line: 4, column: 14, help: "did you mean `FIN`?"),
        .init(name: "a word that is no flag", text: lesson(prefix + "s.close() => [GOODBYE]"),
              message: "unknown TCP flag `GOODBYE`", line: 4, column: 15, help: "the flags are FIN, SYN, RST, PSH, ACK, URG, ECE, CWR (as Wireshark writes them), or `none` alone"),
        .init(name: "nothing after =>", text: lesson(prefix + "s.close() =>"),
              message: "`=>` must be followed by the packets the step causes", line: 4, column: 13,
              help: "write the TCP flags of the packets the step causes, e.g. `=> [SYN] [SYN, ACK] [ACK]`, `=> RST`, or `=> none`"),
        .init(name: "empty brackets", text: lesson(prefix + "s.close() => []"),
              message: "`[]` names no TCP flag", line: 4, column: 14),
        .init(name: "unclosed bracket", text: lesson(prefix + "s.close() => [FIN, ACK"),
              message: "expected a TCP flag or `]` in the packets of `=>`, found the end of the step", line: 4, column: 23),
        .init(name: "a number", text: lesson(prefix + "s.close() => 5"),
              message: "expected TCP flags after `=>`, found `5`", line: 4, column: 14),
        .init(name: "bare flags, then brackets", text: lesson(prefix + "s.connect((\"127.0.0.1\", 1)) => SYN [SYN, ACK]"),
              message: "expected the end of the step after the packet's flags, found `[`", line: 4, column: 36,
              help: "for several packets, put each one's flags in brackets: `=> [SYN] [SYN, ACK] [ACK]`"),
        .init(name: "=> before ->", text: lesson(prefix + "s.recv(1) => [ACK] -> b\"x\""),
              message: "expected TCP flags after `=>`, found `->`", line: 4, column: 20),
    ]

    @Test("bad forms are diagnosed with their place and a hint", arguments: bad)
    func diagnosed(_ c: DiagnosticCase) throws {
        let d = try #require(diagnose(c.text).first, "no diagnostic for \(c.name)")
        #expect(d.message == c.message)
        #expect(d.location.line == c.line)
        #expect(d.location.column == c.column)
        if let h = c.help { #expect(d.help == h) }
    }
}

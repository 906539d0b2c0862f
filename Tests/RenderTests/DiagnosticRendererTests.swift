import Testing
@testable import Render
import ScenarioFormat

@Suite("Rendering diagnostics")
struct DiagnosticRendererTests {
    @Test("rustc's shape: location, source line, marker, help")
    func shape() {
        let d = Diagnostic(at: SourceLocation(line: 2, column: 8), length: 6, "unknown call `conect`", help: "did you mean `connect`?")
        let text = DiagnosticRenderer.render(d, path: "l.md", lines: ["# x", "client.conect(server.address)"], style: .plain)
        #expect(text == """
        l.md:2:8: error: unknown call `conect`
        2 | client.conect(server.address)
          |        ^^^^^^
          = help: did you mean `connect`?

        """)
    }

    @Test("a very long line is shown around the marker")
    func longLine() {
        let line = String(repeating: "x", count: 5000) + "oops" + String(repeating: "y", count: 5000)
        let d = Diagnostic(at: SourceLocation(line: 1, column: 5001), length: 4, "bad")
        let text = DiagnosticRenderer.render(d, path: "l.md", lines: [line], style: .plain)
        #expect(text.count < 400)
        let lines = text.split(separator: "\n")
        let source = String(lines[1]), marker = String(lines[2])
        let at = source.range(of: "oops")!.lowerBound
        #expect(marker.firstIndex(of: "^").map { marker.distance(from: marker.startIndex, to: $0) } == source.distance(from: source.startIndex, to: at))
    }

    @Test("JSON strings are escaped")
    func json() {
        #expect(JSON.object([("a", .string("x\"y\n\u{1}"))]).text == "{\"a\":\"x\\\"y\\n\\u0001\"}")
    }

    @Test("JSON escapes inside one character and keeps every other byte", arguments: [
        ("a\r\nb", #""a\r\nb""#),                  // CR LF is one Character: both halves escaped
        ("e\u{301}\"\u{301}", "\"e\u{301}\\\"\u{301}\""),  // a quote with a combining accent is still escaped
        ("☕️ \\ 🇫🇷\t", #""☕️ \\ 🇫🇷\t""#),
        ("\u{7}\u{1f}\u{7f}", #""\u0007\u001f"# + "\u{7f}\""),
        ("", #""""#),
        ("\"\"", #""\"\"""#),
    ])
    func jsonBytes(input: String, quoted: String) {
        #expect(JSON.quote(input) == quoted)
        #expect(JSON.array([.string(input), .int(-3), .null, .object([(input, .bool(true))])]).text == "[\(quoted),-3,null,{\(quoted):true}]")
    }

    @Test("the socket table aligns its columns")
    func table() {
        let rows = [
            Runner_row(name: "server", state: "LISTEN", local: "127.0.0.1:5000"),
            Runner_row(name: "conn", state: "ESTABLISHED", local: "127.0.0.1:5000"),
        ]
        let text = SocketTableRenderer.render(rows, indent: "", style: .plain)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("name"))
        #expect(lines[1].range(of: "TCP/IPv4")?.lowerBound.utf16Offset(in: lines[1]) == lines[2].range(of: "TCP/IPv4")?.lowerBound.utf16Offset(in: lines[2]))
    }
}

@testable import Runner
func Runner_row(name: String, state: String, local: String) -> SocketSnapshot {
    SocketSnapshot(name: name, fd: 3, family: "AF_INET", type: "SOCK_STREAM", local: local, peer: nil, state: state,
                   readable: 0, unacked: 0, pending: nil, backlog: nil, parent: nil, mode: "blocking", closed: false)
}

@Suite("Wrapping text")
struct WrapTests {
    @Test("wraps at word boundaries, counting characters, not bytes")
    func wraps() {
        #expect(wrap("short", width: 10, indent: "  ") == "short")
        #expect(wrap("aaa bbb ccc ddd", width: 7, indent: "> ") == "aaa bbb\n> ccc ddd")
        #expect(wrap("état été àà", width: 9, indent: "") == "état été\nàà")
        #expect(wrap("averyveryverylongword x", width: 5, indent: "") == "averyveryverylongword\nx")
        #expect(wrap("a  b", width: 10, indent: "") == "a  b")
    }
}

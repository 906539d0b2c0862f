import Foundation
@testable import Render
import Runner
import ScenarioFormat
import Testing

/// The terminal output fits the terminal: prose wraps at the width (at most 100 columns), strace
/// and C wrap between arguments, the socket table drops columns; a wide terminal keeps strace whole.
@Suite("Terminal width")
struct TerminalWidthTests {
    static func lines(_ text: String) -> [Substring] { text.split(separator: "\n", omittingEmptySubsequences: false) }

    static func render(_ path: String, width: Int, table: Bool, details: Bool = true) throws -> (String, RunResult) {
        let doc = try GoldenFiles.load(path)
        var options = TerminalRenderer.Options()
        options.width = width
        options.table = table
        options.details = details
        let renderer = TerminalRenderer(style: .plain, options: options)
        var out = ""
        let result = Runner.run(doc) { out += renderer.render($0) }
        return (out, result)
    }

    @Test("every lesson at 80 columns: no line passes 80, with and without the table", arguments: GoldenFiles.lessonFiles)
    func eighty(_ path: String) throws {
        for table in [false, true] {
            let (out, _) = try Self.render(path, width: 80, table: table)
            for line in Self.lines(out) { #expect(line.count <= 80, "\(path): \(line.count) columns: \(line)") }
        }
    }

    @Test("every lesson at 160 columns: strace lines whole, prose at most 100 columns", arguments: GoldenFiles.lessonFiles)
    func wide(_ path: String) throws {
        let (out, result) = try Self.render(path, width: 160, table: true)
        for e in result.events {
            for s in e.syscalls where s.count + 15 <= 160 { #expect(out.contains("strace  " + s), "\(path) step \(e.index): \(s)") }
        }
        // Prose lines (the explanation under a step) never pass the measure: only code-like lines may.
        for line in Self.lines(out) {
            let text = line.drop { $0 == " " }
            let code = ["strace", "C ", "after", "name "].contains { text.hasPrefix($0) } || line.hasPrefix(String(repeating: " ", count: 17))
            if code || Self.isTableRow(text, result) { continue }
            if line.hasPrefix(" ✓") || line.hasPrefix(" ✗") || line.hasPrefix(" ·") { continue }   // the step as written
            #expect(line.count <= 100, "\(path): \(line.count) columns: \(line)")
        }
    }

    /// A row of the socket table starts with a socket's name.
    static func isTableRow(_ text: Substring, _ result: RunResult) -> Bool {
        result.events.contains { e in e.sockets.contains { text.hasPrefix($0.name + " ") } } || text.hasPrefix("(fit to")
    }

    @Test("strace wraps between arguments with a hanging indent, never inside a string")
    func straceWraps() {
        let s = #"sendto(4, "Hello, server! How are you today?", 33, 0, {sa_family=AF_INET, sin_port=htons(40000), sin_addr=inet_addr("127.0.0.1")}, 16) = 33"#
        let wrapped = Columns.wrapCode(s, first: 50, rest: 60, indent: "  ")
        let parts = wrapped.split(separator: "\n")
        #expect(parts.count > 1)
        #expect(parts[0].count <= 50)
        for p in parts.dropFirst() { #expect(p.hasPrefix("  ")); #expect(p.count <= 62) }
        #expect(wrapped.contains(#""Hello, server! How are you today?""#))
        // Nothing is lost: without the breaks it is the line again.
        #expect(parts.map { $0.hasPrefix("  ") ? String($0.dropFirst(2)) : String($0) }.joined(separator: " ") == s)
    }

    @Test("a piece longer than the line is cut, not lost")
    func longPiece() {
        let s = "f(" + String(repeating: "x", count: 50) + ")"
        let wrapped = Columns.wrapCode(s, first: 20, rest: 20, indent: "")
        #expect(wrapped.split(separator: "\n").allSatisfy { $0.count <= 20 })
        #expect(wrapped.replacingOccurrences(of: "\n", with: "") == s)
    }

    @Test("colour takes no columns when wrapping")
    func colour() {
        let red = Style(color: true, unicode: true).red("word")
        #expect(Columns.width(of: red) == 4)
        let text = Array(repeating: red, count: 10).joined(separator: " ")
        for line in Columns.wrap(text, width: 20, indent: "").split(separator: "\n") { #expect(Columns.width(of: String(line)) <= 20) }
    }

    @Test("Markdown prose is reflowed: paragraphs and list items wrap, code and tables stay")
    func reflow() {
        let md = """
        A paragraph written at seventy columns in the file, which a narrow
        terminal must wrap again.

        - a list item that is long enough to need a second line at forty columns
          and goes on here
        - short

        ```python
        code_stays_as_it_is_even_when_it_is_longer_than_forty_columns()
        ```

        | a | table |
        """
        let out = Columns.reflow(md, width: 40)
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        for l in lines where !l.hasPrefix("code_") { #expect(l.count <= 40, "\(l)") }
        #expect(out.contains("code_stays_as_it_is_even_when_it_is_longer_than_forty_columns()"))
        #expect(out.contains("| a | table |"))
        #expect(lines.contains { $0.hasPrefix("- a list item") })
        #expect(lines.contains { $0.hasPrefix("  ") && !$0.hasPrefix("   ") })   // the hanging indent
        #expect(out.contains("- short"))
    }

    @Test("the socket table drops columns to fit, and says which; a wide one shows them all")
    func table() throws {
        let (_, result) = try Self.render("lessons/08-many-clients.md", width: 200, table: false)
        let rows = try #require(result.events.map(\.sockets).max { $0.count < $1.count })
        let narrow = SocketTableRenderer.render(rows, indent: "       ", style: .plain, width: 80)
        for l in narrow.split(separator: "\n") { #expect(l.count <= 80, "\(l)") }
        #expect(narrow.contains("(fit to 80 columns without fd"))
        #expect(!narrow.split(separator: "\n")[0].contains("unacked"))
        let wide = SocketTableRenderer.render(rows, indent: "       ", style: .plain, width: 200)
        #expect(wide.contains("unacked"))
        #expect(wide.contains("fd"))
        #expect(!wide.contains("fit to"))
    }

    @Test("the beginner view: the result and the plain explanation, no strace, C or table")
    func beginnerView() throws {
        let (full, _) = try Self.render("lessons/02-first-tcp-conversation.md", width: 80, table: true)
        let (plain, _) = try Self.render("lessons/02-first-tcp-conversation.md", width: 80, table: true, details: false)
        #expect(full.contains("strace  "))
        #expect(full.contains("C       "))
        #expect(full.contains("name    fd"))
        #expect(!plain.contains("strace"))
        #expect(!plain.contains("C       "))
        #expect(!plain.contains("name    fd"))
        #expect(plain.contains("Created `server`"))
        #expect(plain.contains(" ✓ 1   server = socket(AF_INET, SOCK_STREAM)"))
    }
}

extension TerminalWidthTests {
    @Test("an strace line's result stays in one piece")
    func resultWhole() {
        let s = #"connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)"#
        let wrapped = Columns.wrapCode(s, first: 65, rest: 63, indent: "  ")
        #expect(wrapped.contains("= -1 ECONNREFUSED (Connection refused)"), "\(wrapped)")
        // C is no strace: `int v = 1;` wraps between its words, never cut inside one.
        let c = Columns.wrapCode("int v = 1; setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v);", first: 45, rest: 43, indent: "  ")
        #expect(c.contains("SO_REUSEADDR,"), "\(c)")
        #expect(c.hasPrefix("int v = 1; setsockopt(server, SOL_SOCKET,"), "\(c)")
    }
}

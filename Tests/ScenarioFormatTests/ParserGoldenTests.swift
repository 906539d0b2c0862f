import Foundation
import Testing
import ScenarioFormat

/// The parser and the checker against what they gave before they were rewritten for speed (issue 10):
/// every input below is parsed and checked, the whole result (every line, prose block, heading,
/// step with its expression tree, location and length of every node, and every diagnostic with
/// its line:column, length, message and help) is written out as text, and its 64-bit FNV-1a digest
/// compared with Tests/ParserGolden/expected-digests.txt, which the Character-by-Character parser wrote.
///
/// The inputs: a copy of every Markdown file of the project (Tests/ParserGolden/inputs/, a snapshot,
/// so that editing a lesson does not change this test), each also mangled in ways that move columns
/// (multi-byte UTF-8, emoji, a combining accent, tabs), break tokens (every step line cut short) and
/// change line endings (CRLF); and hand-written bad inputs (NUL, invalid UTF-8, BOM, unterminated
/// strings and fences, odd numbers and escapes).
///
/// Regenerate, only when a change of behaviour is meant, with
/// `SOCKSTEP_UPDATE_GOLDEN=1 swift test --filter ParserGoldenTests`, and review the diff.
@Suite("Parser golden: the whole result of parsing and checking, unchanged")
struct ParserGoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = root.appendingPathComponent("Tests/ParserGolden")
    static var updating: Bool { ProcessInfo.processInfo.environment["SOCKSTEP_UPDATE_GOLDEN"] == "1" }

    /// (name, bytes, verbose): verbose renderings quote every line and prose block; the others give
    /// their count and a hash, and their steps as a hash (the mangled copies would make the file large
    /// otherwise); diagnostics are always written out in full.
    static func inputs() throws -> [(String, Data, Bool)] {
        var out: [(String, Data, Bool)] = []
        let dir = directory.appendingPathComponent("inputs")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".md") }.sorted()
        for name in names {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            out.append((name, data, true))
            guard let text = String(data: data, encoding: .utf8) else { continue }
            for (variant, mangled) in variants(of: text) { out.append(("\(name) [\(variant)]", Data(mangled.utf8), false)) }
        }
        for (name, data) in handWritten { out.append(("hand: \(name)", data, true)) }
        return out
    }

    /// Ways to mangle a file; all but CRLF change only the lines inside steps fences.
    static func variants(of text: String) -> [(String, String)] {
        var out: [(String, String)] = [("crlf", text.replacingOccurrences(of: "\n", with: "\r\n"))]
        func stepLines(_ transform: (String) -> String) -> String {
            var inSteps = false
            var lines: [String] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                let t = line.trimmingCharacters(in: .whitespaces)
                if !inSteps, t.hasPrefix("```steps") || t.hasPrefix("~~~steps") { inSteps = true; lines.append(line); continue }
                if inSteps, t.hasPrefix("```") || t.hasPrefix("~~~") { inSteps = false; lines.append(line); continue }
                lines.append(inSteps ? transform(line) : line)
            }
            return lines.joined(separator: "\n")
        }
        func insert(_ s: String, at k: Int) -> (String) -> String {
            { line in line.count < k ? line + s : String(line.prefix(k)) + s + String(line.dropFirst(k)) }
        }
        for k in [3, 8, 13, 21, 30] { out.append(("cut at \(k)", stepLines { String($0.prefix(k)) })) }
        for k in [0, 4, 11, 19] { out.append(("é😀 at \(k)", stepLines(insert("é😀", at: k)))) }
        for k in [1, 6, 9] { out.append(("combining accent at \(k)", stepLines(insert("\u{301}", at: k)))) }
        out.append(("ñ before every quote", stepLines { $0.replacingOccurrences(of: "\"", with: "ñ\"") }))
        out.append(("tabs", stepLines { $0.replacingOccurrences(of: " ", with: "\t") }))
        out.append(("emoji comment", stepLines { $0 + "  # café ☕ \"quoted\" # twice" }))
        out.append(("CR inside", stepLines(insert("\r", at: 5))))
        return out
    }

    static let lessonHead = "---\ntitle: Ünïcödé\n---\n\n# Tëst 😀\n\n```steps\n"
    static func steps(_ body: String) -> Data { Data((lessonHead + body + "\n```\n").utf8) }

    static let handWritten: [(String, Data)] = [
        ("empty", Data()),
        ("blank", Data("  \n\t\n\r\n".utf8)),
        ("BOM", Data([0xEF, 0xBB, 0xBF]) + steps("s = socket(AF_INET, SOCK_STREAM)")),
        ("BOM before front matter", Data([0xEF, 0xBB, 0xBF]) + Data("---\ntitle: x\n---\n```steps\ns = socket()\n```\n".utf8)),
        ("NUL", Data("# x\n```steps\ns = socket()\u{0}\n```\n".utf8)),
        ("invalid UTF-8 after multi-byte", Data("# é😀\nprose ñ\n".utf8) + Data([0x61, 0xFF, 0x62, 0x0A])),
        ("truncated multi-byte at the end", Data("# x\n```steps\ns = socket()\n```\né".utf8.dropLast())),
        ("overlong encoding", Data("# x\n\n".utf8) + Data([0xC0, 0x80, 0x0A])),
        ("encoded surrogate", Data("# x\n\n".utf8) + Data([0xED, 0xA0, 0x80, 0x0A])),
        ("continuation byte alone", Data("ab\ncd".utf8) + Data([0x80])),
        ("multi-byte before a bad character", steps("s = socket(AF_INET, SOCK_STREAM)\ns.send(\"héllo 😀\") ; s.close() @ $")),
        ("emoji then unexpected", steps("\"😀\" ? x = 1")),
        ("combining accent after a quote", steps("s.send(b\"\u{301}abc\")\nx = \"\u{301}\"")),
        ("unterminated string after emoji", steps("s = socket()\ns.send(\"😀😀 never closed")),
        ("unterminated bytes", steps("s.send(b'abc")),
        ("string ends in a backslash", steps("s.send(b\"abc\\")),
        ("non-ASCII in bytes", steps("s = socket()\ns.send(b\"caf\u{e9}\")")),
        ("escapes", steps("x = b\"\\x41\\x4\\xZZ\\n\\r\\t\\0\\a\\b\\f\\v\\\\\\'\\\"\\q\\101\\7\\18\"\ny = \"\\u00e9\\u12\\uZZZZ\\N{DASH}\\x\"\nz = r\"\\n\\x\"\nw = rb'\\t'")),
        ("numbers", steps("a = 0x1F\nb = 0xZZ\nc = 1e5\nd = 1e\ne = 1_000\nf = 99999999999999999999999\ng = 1.2.3\nh = .5\ni = 0X_f\nj = 1e+3\nk = 2**10\nl = -3\nm = -.5")),
        ("non-ASCII digits and letters", steps("x = ٣\nσ = socket(AF_INET, SOCK_STREAM)\nｓ = 1\nx = 1٣\nnaïve = 2")),
        ("prefixes", steps("a = f\"x\"\nb = u\"x\"\nc = Rb'x'\nd = BR\"x\"\ne = bx\"x\"")),
        ("tabs and CR inside", steps("s\t=\tsocket(AF_INET,\tSOCK_STREAM)\ns.listen(5)\r\r\ns.close()\r# c\r")),
        ("lone CR line", steps("\r\ns = socket()\n\r")),
        ("CRLF file", Data("---\r\ntitle: x\r\nlevel: bëginner\r\n---\r\n# T\r\n\r\nprose\r\n```steps\r\ns = socket()  # ñ\r\n```\r\n".utf8)),
        ("comments and hashes in strings", steps("s.send(b\"#not\") # yes # twice\ns.send('a#b') -> b'#'\n# whole line\n   # indented")),
        ("arrow in a string", steps("s = socket()\ns.send(b\"->\") -> 2\ns.send(b\"a\\\"->\") -> ok")),
        ("multi-line call", steps("s = socket(AF_INET,\n   SOCK_STREAM)   # c1\ns.bind((\"127.0.0.1\",\n  0)) -> ok\ns.connect(\n")),
        ("unbalanced", steps("s = socket()\ns.bind((\"127.0.0.1\", 0)))\n)\n]\ns.listen(5")),
        ("with and import", steps("import socket\nfrom socket import *\nimport os\nimport socket as s\nwith socket(AF_INET, SOCK_STREAM) as s:\n    s.bind((\"127.0.0.1\", 0))\nwith s:\n    pass\nwith 5:\nwith s: s.close()\nwith socket() as:\n")),
        ("packets", steps("s = socket()\ns.close() => [RST]\ns.close() => RST, ACK\ns.close() => none\ns.close() => []\ns.close() =>\ns.close() => [SYN] -> ok\ns.close() -> ok => [FIN, ACK] [ACK]\ns.close() => FIN ->\ns.close() => [SYN\ns.close() => 5")),
        ("expectations", steps("s = socket()\ns.recv(1) -> blocks\ns.recv(1) -> EFOO\ns.recv(1) -> ESTABLISHED\ns.recv(1) -> ConnectionRefusedError\ns.recv(1) -> OverflowError\ns.recv(1) -> ('a', _)\ns.recv(1) -> == 3\ns.recv(1) == 3\nx = 1 = 2")),
        ("unterminated fence", Data("# T\n```steps\ns = socket()\n".utf8)),
        ("unterminated illustration", Data("# T\n```steps illustration\ns = socket(\n".utf8)),
        ("fences", Data("# T\n~~~steps\ns = socket()\n~~~\n````steps\nx = 1\n```\n````\n```step\ns\n```\n```steps  illustrate\nx\n```\n``` steps \ny = 2\n```\n```python\nprint('hi')\n```\n".utf8)),
        ("headings", Data("# T\n#NoSpace\n## Check one ##\n####### seven\n###### six\n#\n  ## indented\n## é😀 ünï\n```steps\ns = socket()\n```\n".utf8)),
        ("front matter problems", Data("---\ntitle: \"Quoted\"\nsummary: 'single'\n  nested: x\n- item\nbad line\n: nokey\ntwo words: x\ntitel: x\ntitle: again\nlevel:\nlevel: expert\nñame: ü\n# comment\n\n---\n```steps\ns = socket()\n```\n".utf8)),
        ("front matter never closed", Data("---\ntitle: x\n".utf8)),
        ("front matter with spaces around the fence", Data(" --- \t\ntitle: x\n---\t\n```steps\ns = socket()\n```\n".utf8)),
        ("no steps", Data("# Only prose\n\nñ\n".utf8)),
        ("prose with blank lines and spaces", Data("\n\n  \n# T\n\n\n  text  \n\t\n\nmore\n\n```steps\ns = socket()\n```\n\n  \n".utf8)),
        ("sections", Data("# T\n## First\n```steps\ns = socket()\n```\n## Second\n```steps\ns.listen(5)\nt = s\n```\n".utf8)),
        ("named values", steps("HOST = \"127.0.0.1\"\nPORT = 0\nHOST, PORT = \"127.0.0.1\", 0\ns = socket()\ns.bind((HOST, PORT))\nM = \"hé\".encode()\ns.send(M)\nPORT\nx = b\"x\" * 3")),
        ("assignment shapes", steps("(a, b) = socketpair()\na, = socketpair()\na b = 1\n= 1\na = \na.b = 1\nf(x) = 1")),
        ("attributes and module names", steps("s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\nr = select.select([s], [], [], 0)\ns.\ns.5\nsocket.foo\nx = s.getsockname()\nc = socket()\nc.connect(s.getsockname())")),
        ("long line", steps("s.send(b\"" + String(repeating: "é", count: 300) + "\" + )")),
        ("keyword argument", steps("s = socket(family=AF_INET)\ns.recv(1024) ; s.close()")),
        ("semicolon", steps("s = socket(); s.close()")),
        ("backtick and unicode punctuation", steps("s = socket()\ns.close()`\ns.close() — x\ns.close() “x”")),
    ]

    /// The full renderings, written next to the build (not committed: 4.5 MB) when the digests are
    /// updated, to diff against after a change; and this run's, when they differ.
    static let fullDirectory = root.appendingPathComponent(".build/parser-golden")

    static func joinedRenderings(_ items: [(String, String)]) -> String { items.map { "\u{1E}\($0.0)\n\($0.1)" }.joined() }

    static func sections(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for section in text.components(separatedBy: "\u{1E}").dropFirst() {
            guard let newline = section.firstIndex(of: "\n") else { continue }
            out[String(section[..<newline])] = String(section[section.index(after: newline)...])
        }
        return out
    }

    @Test("every input parses and checks exactly as before")
    func golden() throws {
        let url = Self.directory.appendingPathComponent("expected-digests.txt")
        var actual: [(String, String)] = []
        for (name, data, verbose) in try Self.inputs() {
            actual.append((name, ParserRendering.render(DocumentParser.parse(data: data, path: "t.md"), verbose: verbose)))
        }
        try FileManager.default.createDirectory(at: Self.fullDirectory, withIntermediateDirectories: true)
        if Self.updating {
            try Data(actual.map { "\(ParserRendering.hash($0.1))\t\($0.0)\n" }.joined().utf8).write(to: url)
            try Data(Self.joinedRenderings(actual).utf8).write(to: Self.fullDirectory.appendingPathComponent("expected.txt"))
            return
        }
        let digestText = try #require(String(data: try Data(contentsOf: url), encoding: .utf8))
        var expected: [String: String] = [:]
        for line in digestText.split(separator: "\n") {
            guard let tab = line.firstIndex(of: "\t") else { continue }
            expected[String(line[line.index(after: tab)...])] = String(line[..<tab])
        }
        #expect(expected.count == actual.count, "the digests cover \(expected.count) inputs, the test has \(actual.count)")
        // The earlier parser's full renderings, when this machine wrote them (SOCKSTEP_UPDATE_GOLDEN=1).
        let earlier = (try? String(contentsOf: Self.fullDirectory.appendingPathComponent("expected.txt"), encoding: .utf8)).map(Self.sections) ?? [:]
        var failures: [String] = []
        for (name, text) in actual {
            guard let want = expected[name] else { Issue.record("no expected digest for \(name)"); continue }
            if want == ParserRendering.hash(text) { continue }
            failures.append(name)
            if failures.count > 5 { continue }
            var report = "\(name): its rendering changed (digest \(ParserRendering.hash(text)), expected \(want))"
            if let old = earlier[name], old == text {
                report += "\nthe earlier full rendering in \(Self.fullDirectory.path) is the same: the digest file is stale or edited"
            } else if let old = earlier[name] {
                let a = text.components(separatedBy: "\n"), w = old.components(separatedBy: "\n")
                let first = (0..<min(a.count, w.count)).first { a[$0] != w[$0] } ?? min(a.count, w.count)
                report += "\nfirst difference, line \(first + 1):\nexpected: \(first < w.count ? w[first] : "(end)")\nactual:   \(first < a.count ? a[first] : "(end)")"
            }
            Issue.record(Comment(rawValue: report))
        }
        if !failures.isEmpty {
            let out = Self.fullDirectory.appendingPathComponent("actual.txt")
            try Data(Self.joinedRenderings(actual).utf8).write(to: out)
            Issue.record(Comment(rawValue: """
                \(failures.count) inputs differ; this run's renderings are in \(out.path). To see what changed, run \
                `SOCKSTEP_UPDATE_GOLDEN=1 swift test --filter ParserGoldenTests` on the code before the change (it \
                writes the earlier renderings to \(Self.fullDirectory.path)/expected.txt), restore \
                Tests/ParserGolden/expected-digests.txt, and run this test again: it then shows the first differing line.
                """))
        }
    }
}

/// The whole result of parsing and checking a file as text, for the golden comparison.
enum ParserRendering {
    static func render(_ result: DocumentParser.Result, verbose: Bool) -> String {
        var out = ""
        out += "parse diagnostics:\n"
        for d in result.diagnostics { out += "  " + diagnostic(d) + "\n" }
        guard let doc = result.document else { return out + "no document\n" }
        out += "title: \(doc.title.debugDescription)\n"
        out += "lines: \(doc.lines.count)"
        out += verbose ? "\n" + doc.lines.enumerated().map { "  \($0.offset + 1)| \($0.element.debugDescription)\n" }.joined() : " hash \(hash(doc.lines.joined(separator: "\u{1}")))\n"
        out += "front matter:\n"
        for f in doc.frontMatter { out += "  \(f.line): \(f.key.debugDescription) = \(f.value.debugDescription)\n" }
        out += "illustrations: \(doc.illustrations)\n"
        for block in doc.blocks {
            switch block {
            case .prose(let text, let line):
                out += "prose @\(line): " + (verbose ? text.debugDescription : "\(text.utf8.count) bytes hash \(hash(text))") + "\n"
            case .heading(let text, let level, let line):
                out += "heading @\(line) level \(level): \(text.debugDescription)\n"
            case .steps(let steps, let line):
                out += "steps @\(line): \(steps.count)\n"
                let rendered = steps.map { "  " + step($0) + "\n" }.joined()
                out += verbose ? rendered : "  hash \(hash(rendered))\n"
            }
        }
        out += "check diagnostics:\n"
        // The checker suggests a name among the file's sockets by walking a dictionary, so when two
        // names are equally close its "did you mean" differs from one process to the next (hash
        // seeding): those suggestions are left out here.
        for d in Checker.check(doc) { out += "  " + diagnostic(d, suggestion: false) + "\n" }
        out += "check diagnostics with program:\n"
        for d in Checker.check(doc, predefined: ["program"]) { out += "  " + diagnostic(d, suggestion: false) + "\n" }
        return out
    }

    static func hash(_ s: String) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return String(h, radix: 16)
    }

    static func diagnostic(_ d: Diagnostic, suggestion: Bool = true) -> String {
        var help = d.help
        if !suggestion, let h = help, h.hasPrefix("did you mean `"), d.message.hasSuffix("is used before it exists") || d.message.hasSuffix("is not defined") {
            help = "did you mean …"
        }
        return "\(d.severity.rawValue) \(d.location)+\(d.length) \(d.message.debugDescription) help: \(help?.debugDescription ?? "none")"
    }

    static func step(_ s: Step) -> String {
        var out = "@\(s.location) targets \(zip(s.targets, s.targetLocations).map { "\($0)@\($1)" }) call \(node(s.call))"
        if let e = s.expectation { out += " expect \(expectation(e))@\(s.expectationLocation.map(\.description) ?? "nil")" }
        if let p = s.packets { out += " packets \(p.items.map { "\($0.flags)@\($0.locations)" })@\(p.location)" }
        out += " source \(s.source.debugDescription) comment \(s.comment?.debugDescription ?? "nil") section \(s.section?.debugDescription ?? "nil")"
        return out
    }

    static func expectation(_ e: ScenarioFormat.Expectation) -> String {
        switch e {
        case .value(let n): return "value(\(node(n)))"
        case .error(let name, let errnos, let loc): return "error(\(name), \(errnos), \(loc))"
        case .pythonError(let name, let loc): return "pythonError(\(name), \(loc))"
        default: return "\(e)"
        }
    }

    static func node(_ n: Node) -> String {
        let e: String
        switch n.expr {
        case .int(let v): e = "\(v)"
        case .float(let v): e = "float(\(v))"
        case .string(let s): e = s.debugDescription
        case .bytes(let b): e = "b\(b)"
        case .bool(let v): e = "\(v)"
        case .none: e = "None"
        case .name(let s): e = "name(\(s))"
        case .attribute(let base, let a): e = "attr(\(node(base)), \(a))"
        case .call(let callee, let args): e = "call(\(node(callee)), [\(args.map(node).joined(separator: ", "))])"
        case .tuple(let items): e = "tuple(\(items.map(node).joined(separator: ", ")))"
        case .list(let items): e = "list(\(items.map(node).joined(separator: ", ")))"
        case .binary(let op, let a, let b): e = "bin(\(op.rawValue), \(node(a)), \(node(b)))"
        case .negate(let a): e = "neg(\(node(a)))"
        }
        return "\(e)@\(n.location)+\(n.length)"
    }
}

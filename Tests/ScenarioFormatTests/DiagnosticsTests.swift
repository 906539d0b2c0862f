import Foundation
import Testing
@testable import ScenarioFormat

/// Wraps step lines in a minimal lesson; the steps start on line 2 of the file.
func lesson(_ steps: String) -> String { "# Test\n```steps\n\(steps)\n```\n" }

func diagnose(_ text: String) -> [Diagnostic] {
    let r = DocumentParser.parse(text: text, path: "t.md")
    guard let doc = r.document else { return r.diagnostics }
    return r.diagnostics + Checker.check(doc)
}

struct DiagnosticCase: CustomTestStringConvertible, Sendable {
    var name: String
    var text: String
    var message: String
    var line: Int
    var column: Int
    var help: String?
    var testDescription: String { name }
}

@Suite("Diagnostics: every problem with its line and column")
struct DiagnosticsTests {
    static let server = "s = socket(AF_INET, SOCK_STREAM)\n"

    static let cases: [DiagnosticCase] = [
        .init(name: "unknown call", text: lesson(server + "s.conect((\"127.0.0.1\", 1))"),
              message: "unknown call `conect`", line: 4, column: 3, help: "did you mean `connect`?"),
        .init(name: "common mistake read", text: lesson(server + "s.read(10)"),
              message: "unknown call `read`", line: 4, column: 3, help: "did you mean `recv`?"),
        .init(name: "unknown function", text: lesson("s = sockett(AF_INET, SOCK_STREAM)"),
              message: "unknown call `sockett`", line: 3, column: 5, help: "did you mean `socket`?"),
        .init(name: "too many arguments", text: lesson(server + "s.listen(5, 6)"),
              message: "`listen` takes at most 1 argument (backlog), but 2 were given", line: 4, column: 1),
        .init(name: "bind with two arguments", text: lesson(server + "s.bind(\"127.0.0.1\", 0)"),
              message: "`bind` takes 1 argument (address), but 2 were given", line: 4, column: 1,
              help: "the address is one tuple: `bind((\"127.0.0.1\", 0))`, with two pairs of parentheses"),
        .init(name: "str instead of bytes", text: lesson(server + "s.send(\"hi\")"),
              message: "`send` needs bytes, not a str", line: 4, column: 8),
        .init(name: "used before it exists", text: lesson("client.connect((\"127.0.0.1\", 1))"),
              message: "`client` is used before it exists", line: 3, column: 1),
        .init(name: "used after close", text: lesson(server + "s.close()\ns.listen(5)"),
              message: "`s` was closed on line 4", line: 5, column: 1),
        .init(name: "port 123456789", text: lesson(server + "s.bind((\"127.0.0.1\", 123456789))"),
              message: "port 123456789 is out of range: a port is a 16-bit number, from 0 to 65535", line: 4, column: 22),
        .init(name: "port 65536", text: lesson(server + "s.bind((\"127.0.0.1\", 65536))"),
              message: "port 65536 is out of range: a port is a 16-bit number, from 0 to 65535", line: 4, column: 22),
        .init(name: "non-loopback address", text: lesson(server + "s.connect((\"8.8.8.8\", 53))"),
              message: "8.8.8.8 is not a loopback address", line: 4, column: 12),
        .init(name: "wildcard address", text: lesson(server + "s.bind((\"0.0.0.0\", 0))"),
              message: "`0.0.0.0` means every network interface, not only loopback", line: 4, column: 9),
        .init(name: "multicast outside range", text: lesson("u = socket(AF_INET, SOCK_DGRAM)\nu.sendto(b\"x\", (\"224.0.0.1\", 5000))"),
              message: "the multicast group 224.0.0.1 is outside the range sockstep allows", line: 4, column: 17),
        .init(name: "host name", text: lesson(server + "s.connect((\"example.com\", 80))"),
              message: "`example.com` is a host name; sockstep looks up only `localhost`", line: 4, column: 12),
        .init(name: "unix path outside", text: lesson("u = socket(AF_UNIX, SOCK_STREAM)\nu.bind(\"/tmp/x.sock\")"),
              message: "the Unix socket path /tmp/x.sock is outside the run's directory", line: 4, column: 8),
        .init(name: "unterminated string", text: lesson(server + "s.send(b\"hello)"),
              message: "unterminated string", line: 4, column: 8),
        .init(name: "unterminated block", text: "# T\n```steps\ns = socket()\n",
              message: "this steps block is never closed", line: 2, column: 1),
        .init(name: "negative recv", text: lesson(server + "s.recv(-1)"),
              message: "a buffer size cannot be negative", line: 4, column: 8),
        .init(name: "huge recv", text: lesson(server + "s.recv(10**12)"),
              message: "`recv(1000000000000)` would ask for a 1000000000000-byte buffer; sockstep allows at most 16 MiB", line: 4, column: 8),
        .init(name: "sending 100 MB", text: lesson(server + "s.sendall(b\"x\" * 100_000_000)"),
              message: "this sends 100000000 bytes; sockstep sends at most 16 MiB in one step", line: 4, column: 11),
        .init(name: "unknown expectation", text: lesson(server + "s.listen(5) -> blokcs"),
              message: "unknown expectation `blokcs`", line: 4, column: 16, help: "did you mean `blocks`?"),
        .init(name: "unknown errno", text: lesson(server + "s.connect((\"127.0.0.1\", 1)) -> ECONREFUSED"),
              message: "unknown error `ECONREFUSED`", line: 4, column: 32, help: "did you mean `ECONNREFUSED`?"),
        .init(name: "unknown constant", text: lesson("s = socket(AF_INTE, SOCK_STREAM)"),
              message: "`AF_INTE` is not defined", line: 3, column: 12, help: "did you mean `AF_INET`?"),
        .init(name: "option at the wrong level", text: lesson(server + "s.setsockopt(SOL_SOCKET, TCP_NODELAY, 1)"),
              message: "`TCP_NODELAY` belongs to the level `IPPROTO_TCP`, not `SOL_SOCKET`", line: 4, column: 14),
        .init(name: "wrong count of names", text: lesson(server + "a, b, c = s.accept()"),
              message: "`accept` returns 2 values, but 3 names are given", line: 4, column: 1),
        .init(name: "not a call", text: lesson(server + "s + 1"),
              message: "a step must be a call, like `s.listen(5)`", line: 4, column: 1),
        .init(name: "equals instead of arrow", text: lesson(server + "s.recv(10) == b\"x\""),
              message: "expected the end of the step, found `==`", line: 4, column: 12),
        .init(name: "empty file", text: "", message: "the file is empty", line: 1, column: 1),
        .init(name: "no steps", text: "# Just prose\n\nHello.\n", message: "no steps block in this file", line: 1, column: 1),
        .init(name: "nested front matter", text: "---\ntitle: x\nauthor:\n  name: y\n---\n" + lesson(server),
              message: "nested front matter is not supported", line: 4, column: 1),
        .init(name: "unclosed front matter", text: "---\ntitle: x\n", message: "the front matter is never closed", line: 1, column: 1),
        .init(name: "connect with two arguments: the real port of the server, not 0",
              text: lesson("server = socket(AF_INET, SOCK_STREAM)\nserver.bind((\"127.0.0.1\", 0))\nc = socket(AF_INET, SOCK_STREAM)\nc.connect(\"127.0.0.1\", 8080)"),
              message: "`connect` takes 1 argument (address), but 2 were given", line: 6, column: 1,
              help: "the address is one tuple, with two pairs of parentheses: `connect((\"127.0.0.1\", 8080))`; to reach a server of this file, use the address it really got: `c.connect(server.address)` (or `server.getsockname()`)"),
        .init(name: "connect to a port out of range: the server's real port, not 0",
              text: lesson("server = socket(AF_INET, SOCK_STREAM)\nc = socket(AF_INET, SOCK_STREAM)\nc.connect((\"127.0.0.1\", 70000))"),
              message: "port 70000 is out of range: a port is a 16-bit number, from 0 to 65535", line: 5, column: 25,
              help: "a connect needs the port the server really got: `c.connect(server.address)` (or `server.getsockname()`); Python raises OverflowError for 70000 before any system call (expect it with `-> OverflowError`)"),
        .init(name: "connect to port 0", text: lesson("srv = socket(AF_INET, SOCK_STREAM)\nc = socket(AF_INET, SOCK_STREAM)\nc.connect((\"127.0.0.1\", 0))"),
              message: "nothing can listen on port 0: it only asks bind for a free port, so this connect is refused", line: 5, column: 25,
              help: "connect to the port the server really got: `c.connect(srv.address)` (or `srv.getsockname()`)"),
        .init(name: "method on a plain value", text: lesson(server + "x = s.getsockname()\nx.close()"),
              message: "`x` is not a socket", line: 5, column: 1),
    ]

    @Test("a diagnostic with its exact place", arguments: cases)
    func diagnostic(_ c: DiagnosticCase) throws {
        let ds = diagnose(c.text)
        let match = try #require(ds.first { $0.message == c.message }, "got: \(ds.map { "\($0.location): \($0.message)" })")
        #expect(match.location == SourceLocation(line: c.line, column: c.column))
        if let help = c.help { #expect(match.help == help) }
    }

    @Test("getsockname() and getpeername() are addresses wherever an address is taken")
    func addressCalls() throws {
        let text = lesson("""
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(s.getsockname())
        c.connect_ex(s.getsockname()) -> 106
        u = socket(AF_INET, SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        v = socket(AF_INET, SOCK_DGRAM)
        v.sendto(b"x", u.getsockname())
        v.connect(u.getsockname())
        w = socket(AF_INET, SOCK_DGRAM)
        w.bind(v.getpeername()) -> EADDRINUSE
        """)
        #expect(diagnose(text).isEmpty, "\(diagnose(text).map(\.message))")
        let doc = try #require(DocumentParser.parse(text: text, path: "t.md").document)
        // Read as the attribute it returns; the step itself stays a call of connect.
        #expect(doc.steps[4].call.methodCall?.args.first?.expr == .attribute(Node(.name("s"), at: SourceLocation(line: 7, column: 11), length: 1), "address"))
        #expect(doc.steps[4].source == "c.connect(s.getsockname())")
        // A getsockname step of its own is still the call.
        let own = try #require(DocumentParser.parse(text: lesson("s = socket(AF_INET, SOCK_STREAM)\ns.getsockname()"), path: "t.md").document)
        #expect(own.steps[1].call.methodCall?.method == "getsockname")
    }

    @Test("a good lesson has no diagnostics")
    func goodLesson() {
        let text = """
        ---
        title: Your first TCP conversation
        summary: A server and a client exchange one message.
        ---
        # Your first TCP conversation

        ```steps
        server = socket(AF_INET, SOCK_STREAM)
        server.bind(("127.0.0.1", 0))          # port 0: the kernel picks a free port
        server.listen(5)
        client = socket(AF_INET, SOCK_STREAM)
        client.connect(server.address)
        conn, addr = server.accept()
        client.sendall(b"Hello, server!")
        conn.recv(1024)            -> b"Hello, server!"
        conn.recv(1024)            -> blocks
        client.close()
        conn.recv(1024)            -> b""
        conn.state -> CLOSE_WAIT
        other = socket(AF_INET, SOCK_STREAM)
        other.connect(("127.0.0.1", 1))  -> ConnectionRefusedError
        ```
        """
        #expect(diagnose(text).isEmpty)
    }

    @Test("every problem in a file is reported, not only the first")
    func allAtOnce() {
        let ds = diagnose(lesson("s = socket(AF_INET, SOCK_STREAM)\ns.conect(1)\ns.bind((\"8.8.8.8\", 0))\nclient.close()"))
        #expect(ds.count >= 3)
        #expect(Set(ds.map(\.location.line)) == [4, 5, 6])
    }

    @Test("an expected error allows the mistake it demonstrates")
    func expectedMistakes() {
        #expect(diagnose(lesson("s = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", 123456789)) -> OverflowError")).isEmpty)
        #expect(diagnose(lesson("s = socket(AF_INET, SOCK_STREAM)\ns.close()\ns.listen(5) -> EBADF")).isEmpty)
        #expect(diagnose(lesson("s = socket(AF_INET, SOCK_STREAM)\ns.send(\"hi\") -> TypeError")).isEmpty)
    }

    @Test("binary and non-UTF-8 files are refused with a message")
    func binaryFiles() {
        let binary = DocumentParser.parse(data: Data([0x7F, 0x45, 0x4C, 0x46, 0, 1, 2]), path: "a.out")
        #expect(binary.document == nil)
        #expect(binary.diagnostics.first?.message == "this looks like a binary file, not a Markdown lesson")
        let latin1 = DocumentParser.parse(data: Data("# Caf".utf8) + Data([0xE9, 0x0A]), path: "l.md")
        #expect(latin1.diagnostics.first?.message == "the file is not valid UTF-8")
        #expect(latin1.diagnostics.first?.location.line == 1)
    }

    @Test("a huge file is refused, not parsed")
    func hugeFile() {
        let big = Data(repeating: UInt8(ascii: "a"), count: DocumentParser.maximumBytes + 1)
        let r = DocumentParser.parse(data: big, path: "big.md")
        #expect(r.document == nil)
        #expect(r.diagnostics.first?.message.contains("larger than") == true)
    }

    @Test("a 100,000-character line is diagnosed without hanging")
    func longLine() {
        let line = "s.send(b\"" + String(repeating: "x", count: 100_000) + "\")"
        let ds = diagnose(lesson("s = socket(AF_INET, SOCK_STREAM)\n" + line + "\ns.conect(1)"))
        #expect(ds.contains { $0.message == "unknown call `conect`" && $0.location.line == 5 })
    }
}

@Suite("Parsing steps")
struct ParsingTests {
    func steps(_ text: String) throws -> [Step] {
        let r = DocumentParser.parse(text: lesson(text), path: "t.md")
        #expect(!r.hasErrors, "\(r.diagnostics)")
        return try #require(r.document).steps
    }

    @Test("escapes in byte and text literals")
    func escapes() throws {
        let s = try steps("c.send(b\"GET / HTTP/1.0\\r\\n\\x00\\t\\\\\")")
        guard case .call(_, let args) = s[0].call.expr, case .bytes(let b) = args[0].expr else { Issue.record("not bytes"); return }
        #expect(b == Array("GET / HTTP/1.0\r\n".utf8) + [0, 9, 92])
    }

    @Test("assignment targets, expectation and comment")
    func parts() throws {
        let s = try steps("conn, addr = server.accept()   -> ok   # a new socket")
        #expect(s[0].targets == ["conn", "addr"])
        #expect(s[0].expectation == .ok)
        #expect(s[0].comment == "a new socket")
        #expect(s[0].source == "conn, addr = server.accept()   -> ok")
    }

    @Test("errno names and Python exceptions as expectations")
    func errors() throws {
        let s = try steps("c.connect((\"127.0.0.1\", 1)) -> ECONNREFUSED\nc.connect((\"127.0.0.1\", 1)) -> ConnectionRefusedError\nc.recv(1) -> BlockingIOError")
        guard case .error(_, let e0, _)? = s[0].expectation, case .error(_, let e1, _)? = s[1].expectation, case .error(_, let e2, _)? = s[2].expectation else {
            Issue.record("not errors"); return
        }
        #expect(e0 == ["ECONNREFUSED"])
        #expect(e1 == ["ECONNREFUSED"])
        #expect(e2.contains("EAGAIN"))
    }

    @Test("a call may span lines inside brackets")
    func multiline() throws {
        let s = try steps("c.sendall(\n  b\"abc\"\n)\nc.close()")
        #expect(s.count == 2)
        #expect(s[1].location.line == 6)
    }

    @Test("socket.-prefixed names as in Python tutorials")
    func prefixed() throws {
        let r = DocumentParser.parse(text: lesson("s = socket(socket.AF_INET, socket.SOCK_STREAM)"), path: "t.md")
        #expect(Checker.check(r.document!).isEmpty)
    }

    @Test("front matter and sections")
    func frontMatter() throws {
        let r = DocumentParser.parse(text: "---\ntitle: Hello\nsummary: \"x: y\"\n---\n## Part one\n```steps\ns = socket()\n```\n", path: "t.md")
        let doc = try #require(r.document)
        #expect(doc.title == "Hello")
        #expect(doc.meta("summary") == "x: y")
        #expect(doc.steps.first?.section == "Part one")
    }

    @Test("an unknown front matter key is a warning with a suggestion")
    func unknownKey() {
        let r = DocumentParser.parse(text: "---\ntitel: x\n---\n" + lesson("s = socket()"), path: "t.md")
        #expect(r.diagnostics.contains { $0.severity == .warning && $0.help == "did you mean `title`?" })
        #expect(!r.hasErrors)
    }

    @Test("edit distance for suggestions")
    func distance() {
        #expect(Suggest.distance("conect", "connect") == 1)
        #expect(Suggest.closest(to: "sendal", in: Vocabulary.methodNames) == "sendall")
        #expect(Suggest.closest(to: "xyzzy", in: Vocabulary.methodNames) == nil)
    }

    @Test("a tie goes to the alphabetically first name, whatever the candidates' order")
    func ties() {
        // "pear" is one edit from both; a dictionary's keys come in a different order each process.
        #expect(Suggest.closest(to: "pear", in: ["peer", "peak"]) == "peak")
        #expect(Suggest.closest(to: "pear", in: ["peak", "peer"]) == "peak")
        // A closer name still wins over an alphabetically earlier one.
        #expect(Suggest.closest(to: "peer", in: ["peak", "peer"]) == "peer")
        #expect(Suggest.closest(to: "sed", in: ["send", "set", "seed"]) == "seed")
        #expect(Suggest.closest(to: "sed", in: ["set", "seed", "send"]) == "seed")
    }
}

@Suite("Quoted text in messages")
struct QuotedTextTests {
    @Test("a long quoted step is cut to its start, a long path is kept whole to be copied")
    func pathsStayWhole() {
        let path = "/a/clone/in/a/deep/folder/of/the/ci/machine/scenarios/exercises/echo-server.md"
        let d = Diagnostic(at: SourceLocation(line: 1, column: 1), "there is no exercise file at `\(path)x`", help: "did you mean `\(path)`?")
        #expect(d.message == "there is no exercise file at `\(path)x`")
        #expect(d.help == "did you mean `\(path)`?")
        let code = "client.send(b\"" + String(repeating: "x", count: 100) + "\")"
        let cut = Diagnostic(at: SourceLocation(line: 1, column: 1), "unknown call in `\(code)` and more words to pass eighty")
        #expect(cut.message == "unknown call in `client.send(b\"xxxxxxxxxxxxxxxxxx…` and more words to pass eighty")
    }

    @Test("a help that shows a whole block (```steps fences, several lines) is kept whole")
    func fencesStayWhole() {
        let help = "each check is a `## ` heading followed by a ```steps block, like:\n## Echoes a message (2 points)\n```steps\nc = socket(AF_INET, SOCK_STREAM)\nc.connect(program.address)\n```"
        let d = Diagnostic(at: SourceLocation(line: 1, column: 1), "this exercise has no checks", help: help)
        #expect(d.help == help)
        let code = "client.send(b\"" + String(repeating: "x", count: 100) + "\")"
        let after = Diagnostic(at: SourceLocation(line: 1, column: 1), "a ```steps block with `\(code)` and more words to pass eighty")
        #expect(after.message == "a ```steps block with `client.send(b\"xxxxxxxxxxxxxxxxxx…` and more words to pass eighty")
    }
}

@Suite("Front matter: level")
struct LevelFrontMatterTests {
    @Test("an empty level says it has no value (was: unknown level ``), with the levels in the help")
    func emptyLevel() throws {
        let r = DocumentParser.parse(text: "---\ntitle: T\nlevel:\n---\n# T\n\n```steps\ns = socket(AF_INET, SOCK_STREAM)\n```\n", path: "l.md")
        let w = try #require(r.diagnostics.first { $0.severity == .warning }, "\(r.diagnostics)")
        #expect(w.message == "`level:` has no value")
        #expect(w.help == "`level: beginner` starts the lesson in learn's beginner view; the others are `intermediate` and `advanced`")
        #expect(w.location.line == 3)
    }
}

import Testing
@testable import ScenarioFormat

/// The first lines of every Python socket tutorial: accepted where they mean something in a step,
/// otherwise a message that says why not and what to write.
@Suite("Tutorial habits: import, socket.socket, HOST/PORT, encode/decode, with, bare names")
struct TutorialHabitsTests {
    func parse(_ steps: String) throws -> Document {
        let r = DocumentParser.parse(text: lesson(steps), path: "t.md")
        #expect(!r.hasErrors, "\(r.diagnostics.map { "\($0.location): \($0.message)" })")
        return try #require(r.document)
    }

    func problems(_ steps: String) -> [Diagnostic] { diagnose(lesson(steps)) }

    @Test("`import socket`, `import socket, select` and `from socket import *` make no step")
    func imports() throws {
        let doc = try parse("import socket\nimport socket, select\nfrom socket import *\nfrom select import select\ns = socket(AF_INET, SOCK_STREAM)")
        #expect(doc.steps.count == 1)
        #expect(doc.steps[0].targets == ["s"])
        #expect(Checker.check(doc).isEmpty)
    }

    @Test("another module, or `import … as`, is an error with its place and what to write")
    func otherImports() throws {
        let os = try #require(problems("import os").first)
        #expect(os.message == "there is no module `os` in steps: sockstep runs the socket module's calls only")
        #expect(os.location == SourceLocation(line: 3, column: 8))
        #expect(os.help?.contains("remove this line") == true)
        let alias = try #require(problems("import socket as sk").first)
        #expect(alias.message == "`import … as` is not supported in steps")
        #expect(alias.location == SourceLocation(line: 3, column: 15))
    }

    @Test("`socket.socket(socket.AF_INET, socket.SOCK_STREAM)` is `socket(AF_INET, SOCK_STREAM)`; so are create_connection and select.select")
    func modulePrefix() throws {
        let doc = try parse("""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c = socket.create_connection(s.address)
        select.select([s], [], [], 0)
        """)
        let plain = try parse("""
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        c = create_connection(s.address)
        select([s], [], [], 0)
        """)
        #expect(doc.steps[0].call.functionCall?.name == "socket")
        #expect(doc.steps[0].call.functionCall?.args.map(\.expr) == [.name("AF_INET"), .name("SOCK_STREAM")])
        #expect(doc.steps[3].call.functionCall?.name == "create_connection")
        #expect(doc.steps[4].call.functionCall?.name == "select")
        #expect(doc.steps[0].source == "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)", "the step shows what was written")
        #expect(Checker.check(doc).isEmpty && Checker.check(plain).isEmpty, "\(Checker.check(doc).map(\.message))")
    }

    @Test("`HOST = \"127.0.0.1\"` and `PORT = 0` are steps that name values; later uses are the values")
    func namedValues() throws {
        let doc = try parse("""
        HOST = "127.0.0.1"
        PORT = 0
        HOST, OTHER = "localhost", 1
        s = socket(AF_INET, SOCK_STREAM)
        s.bind((HOST, PORT))
        PORT
        c = socket(AF_INET, SOCK_STREAM)
        c.connect((HOST, OTHER)) -> ECONNREFUSED
        """)
        #expect(Checker.check(doc).isEmpty, "\(Checker.check(doc).map(\.message))")
        #expect(doc.steps[0].targets == ["HOST"] && doc.steps[0].call.expr == .string("127.0.0.1"))
        let bound = try #require(doc.steps[4].call.methodCall?.args.first)
        guard case .tuple(let items) = bound.expr else { Issue.record("\(bound.expr)"); return }
        #expect(items.map(\.expr) == [.string("localhost"), .int(0)], "HOST was given again by the third step")
        #expect(items[1].location == SourceLocation(line: 7, column: 15), "the value sits where its name was written")
        #expect(doc.steps[5].call.expr == .int(0), "a name alone shows its value")
        guard case .tuple(let c)? = doc.steps[7].call.methodCall?.args.first?.expr else { Issue.record("connect"); return }
        #expect(c.map(\.expr) == [.string("localhost"), .int(1)])
    }

    @Test("a name given a new value by a call is no longer that value")
    func reassigned() throws {
        let doc = try parse("""
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        ADDR = ("127.0.0.1", 1)
        ADDR = s.getsockname()
        c = socket(AF_INET, SOCK_STREAM)
        c.sendto(b"x", ADDR)
        """)
        guard case .name("ADDR")? = doc.steps[5].call.methodCall?.args.last?.expr else {
            Issue.record("\(String(describing: doc.steps[5].call.methodCall?.args.last?.expr))"); return
        }
    }

    @Test("a fixed port: why sockstep binds port 0, and what to write", arguments: [
        ("PORT = 65432\ns = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", PORT))", 5, 22),
        ("s = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", 65432))", 4, 22),
        ("srv = create_server((\"127.0.0.1\", 8080))", 3, 35),
    ])
    func fixedPort(_ text: String, _ line: Int, _ column: Int) throws {
        let d = try #require(problems(text).first { $0.message.hasPrefix("sockstep binds to port 0 only") }, "\(problems(text).map(\.message))")
        #expect(d.location == SourceLocation(line: line, column: column))
        #expect(d.help?.contains("another run at the same moment") == true)
        #expect(d.help?.contains("`PORT = 0`") == true)
        #expect(d.help?.contains(".address`") == true && d.help?.contains("getsockname()") == true)
    }

    @Test("a fixed port is fine where the step shows its error (a privileged port, EACCES)")
    func fixedPortExpectedError() {
        #expect(problems("s = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", 80)) -> PermissionError").isEmpty)
    }

    @Test("`\"text\".encode()` is bytes and `b\"..\".decode()` text, on literals and on names of literals")
    func encodeDecode() throws {
        let doc = try parse("""
        MESSAGE = "Hello, wörld"
        DATA = MESSAGE.encode()
        s = socket(AF_INET, SOCK_STREAM)
        s.sendall("hi".encode())
        s.sendall(MESSAGE.encode("utf-8"))
        s.sendall(DATA)
        b"caf\\xc3\\xa9".decode()
        s.recv(10) -> "ok".encode()
        """)
        #expect(doc.steps[1].call.expr == .bytes(Array("Hello, wörld".utf8)))
        #expect(doc.steps[3].call.methodCall?.args.first?.expr == .bytes(Array("hi".utf8)))
        #expect(doc.steps[4].call.methodCall?.args.first?.expr == .bytes(Array("Hello, wörld".utf8)))
        #expect(doc.steps[5].call.methodCall?.args.first?.expr == .bytes(Array("Hello, wörld".utf8)))
        #expect(doc.steps[6].call.expr == .string("café"))
        guard case .value(let want)? = doc.steps[7].expectation else { Issue.record("expectation"); return }
        #expect(want.expr == .bytes(Array("ok".utf8)))
        #expect(Checker.check(doc).isEmpty, "\(Checker.check(doc).map(\.message))")
    }

    @Test("decoding bytes the run received, or an unknown encoding: why not, and what to write")
    func decodeRuntime() throws {
        let base = "s = socket(AF_INET, SOCK_STREAM)\ndata = s.recv(10)\n"
        let d = try #require(problems(base + "data.decode()").first)
        #expect(d.message == "`data` holds bytes from the run; sockstep shows them as they are (b'…') rather than decoding them")
        #expect(d.location == SourceLocation(line: 5, column: 1))
        #expect(d.help?.contains("-> b\\\"hello\\\"") == true || d.help?.contains("-> b\"hello\"") == true)
        let inArg = try #require(problems(base + "s.sendall(data.decode())").first)
        #expect(inArg.location == SourceLocation(line: 5, column: 11))
        let enc = try #require(problems("s = socket(AF_INET, SOCK_STREAM)\ns.sendall(\"x\".encode(\"utf-16\"))").first)
        #expect(enc.message == "sockstep encodes and decodes UTF-8 (Python's default) and ASCII only, not `utf-16`")
    }

    @Test("`with socket(...) as s:` creates s, runs the indented steps, and closes s where the block ends")
    func withBlock() throws {
        let doc = try parse("""
        with socket(AF_INET, SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            c = socket(AF_INET, SOCK_STREAM)
            c.connect(s.address)
            conn, addr = s.accept()
            with conn:
                c.sendall(b"hi")
                conn.recv(10) -> b"hi"
            c.recv(10) -> eof
        c.close()
        """)
        #expect(doc.steps.map(\.source) == [
            "with socket(AF_INET, SOCK_STREAM) as s:", "s.bind((\"127.0.0.1\", 0))", "s.listen(1)", "c = socket(AF_INET, SOCK_STREAM)",
            "c.connect(s.address)", "conn, addr = s.accept()", "c.sendall(b\"hi\")", "conn.recv(10) -> b\"hi\"", "conn.close()",
            "c.recv(10) -> eof", "s.close()", "c.close()",
        ])
        #expect(doc.steps[0].targets == ["s"] && doc.steps[0].call.functionCall?.name == "socket")
        #expect(doc.steps[8].call.methodCall?.receiver == "conn" && doc.steps[8].call.methodCall?.method == "close")
        #expect(doc.steps[8].comment == "the end of the `with` block on line 9: Python closes `conn`")
        #expect(doc.steps[10].comment == "the end of the `with` block on line 3: Python closes `s`")
        #expect(Set(doc.steps.map(\.location)).count == doc.steps.count, "every step has its own place (the exporters find steps by it)")
        #expect(Checker.check(doc).isEmpty, "\(Checker.check(doc).map(\.message))")
    }

    @Test("a with block that ends the steps block is closed there; using its socket after is a closed socket")
    func withThenUse() throws {
        let doc = try parse("with socket(AF_INET, SOCK_STREAM) as s:\n    s.bind((\"127.0.0.1\", 0))\ns.listen(1)")
        #expect(doc.steps.map(\.source) == ["with socket(AF_INET, SOCK_STREAM) as s:", "s.bind((\"127.0.0.1\", 0))", "s.close()", "s.listen(1)"])
        let d = try #require(Checker.check(doc).first)
        #expect(d.message == "`s` was closed on line 3")
    }

    @Test("a with block's mistakes", arguments: [
        ("with socket(AF_INET, SOCK_STREAM) as s:\ns.listen(1)", "the `with` block on line 3 has no steps", 3, 38),
        ("with socket(AF_INET, SOCK_STREAM) as s: s.listen(1)", "the steps of a `with` block go on the next lines", 3, 41),
        ("with socket(AF_INET, SOCK_STREAM) as s\n    s.listen(1)", "expected `:` at the end of the `with` line", 3, 39),
        ("with socket(AF_INET, SOCK_STREAM):\n    pass", "a `with` block needs a name for its socket", 3, 6),
        ("with socket(AF_INET, SOCK_STREAM) as (a, b):\n    a.close()", "expected one name after `as`", 3, 38),
    ])
    func withMistakes(_ text: String, _ message: String, _ line: Int, _ column: Int) throws {
        let ds = problems(text)
        let d = try #require(ds.first { $0.message == message }, "\(ds.map { "\($0.location): \($0.message)" })")
        #expect(d.location == SourceLocation(line: line, column: column))
        #expect(d.help != nil)
    }

    @Test("`print(data)` and `conn.recv(1024).decode()`: why not, and what to write; `pass` makes no step")
    func printDecodePass() throws {
        let base = "s = socket(AF_INET, SOCK_STREAM)\n"
        let p = try #require(problems(base + "print(s)").first)
        #expect(p.message == "`print` is not needed in steps: sockstep shows what every step returned")
        #expect(p.location == SourceLocation(line: 4, column: 1) && p.length == 5)
        #expect(p.help?.contains("alone on a line") == true)
        let d = try #require(problems(base + "data = s.recv(1024).decode()").first)
        #expect(d.message == "`s.recv(…)` returns bytes; sockstep shows them as they are (b'…') rather than decoding them")
        #expect(d.help == "drop `.decode()`: write `data = s.recv(…)`, then check the bytes with `data -> b\"hello\"`")
        let doc = try parse(base + "with s:\n    pass\ns.closed -> True")
        #expect(doc.steps.map(\.source) == ["s = socket(AF_INET, SOCK_STREAM)", "s.close()", "s.closed -> True"])
    }

    @Test("a bare name shows its value: no error, no expectation needed")
    func bareName() throws {
        let doc = try parse("s = socket(AF_INET, SOCK_STREAM)\ns\naddr = s.getsockname()\naddr")
        #expect(Checker.check(doc).isEmpty, "\(Checker.check(doc).map(\.message))")
        let unknown = try #require(problems("conn").first)
        #expect(unknown.message == "`conn` is not defined")
    }
}

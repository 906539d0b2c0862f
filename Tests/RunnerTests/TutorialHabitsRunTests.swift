import Testing
@testable import Runner
import ScenarioFormat

/// A Python tutorial's echo server and client, as a learner copies it, run on real loopback sockets.
let tutorialSteps = """
import socket

HOST = "127.0.0.1"  # loopback
PORT = 0            # the kernel picks a free port
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind((HOST, PORT))
    s.listen()
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect(s.getsockname())
    conn, addr = s.accept()
    with conn:
        conn
        c.sendall("Hello, world".encode())
        data = conn.recv(1024)
        data
        data -> b"Hello, world"
        conn.sendall(data)
    c.recv(1024) -> "Hello, world".encode()
    c.recv(1024) -> b""
s.state -> CLOSED
c.close()
"""

@Suite("Tutorial habits on real sockets")
struct TutorialHabitsRunTests {
    @Test("a tutorial's echo server and client, with import, HOST/PORT, with blocks, encode and bare names, runs as Python would")
    func tutorial() throws {
        let parsed = DocumentParser.parse(text: "# Echo\n\n```steps\n\(tutorialSteps)\n```\n", path: "tutorial.md")
        let doc = try #require(parsed.document)
        #expect(!parsed.hasErrors && Checker.check(doc).isEmpty, "\(parsed.diagnostics.map(\.message)) \(Checker.check(doc).map(\.message))")
        let r = Runner.run(doc)
        #expect(r.passed, "\(r.failures.map { "\($0.index): \($0.step.source) → \($0.outcome)" })")
        func event(_ source: String) throws -> Event { try #require(r.events.first { $0.step.source == source }, "no step \(source)") }

        #expect(try event("HOST = \"127.0.0.1\"").outcome == .value(.string("127.0.0.1")))
        #expect(try event("PORT = 0").outcome == .value(.int(0)))
        // PORT was 0: the kernel chose the port, and the client reached it through getsockname().
        let bound = try event("s.bind((HOST, PORT))")
        #expect(bound.syscalls.first?.contains("htons(0)") == true, "\(bound.syscalls)")
        #expect(try event("conn").outcome == .value(.socket("conn")))
        #expect(try event("data").outcome == .value(.bytes(Array("Hello, world".utf8))))
        let sent = try event("c.sendall(\"Hello, world\".encode())")
        #expect(sent.syscalls.first?.contains("\"Hello, world\", 12") == true, "\(sent.syscalls)")
        // The with blocks closed conn (before the client read its end of stream) and s.
        let closes = r.events.filter { $0.call == "close" }
        #expect(closes.map(\.receiver) == ["conn", "s", "c"], "\(closes.map(\.step.source))")
        #expect(closes[0].syscalls.first?.hasPrefix("close(") == true)
    }

    @Test("a value-only step binds its names at run time too (the shell parses one line at a time)")
    func runtimeNames() throws {
        let session = Session()
        defer { session.finish() }
        func run(_ line: String, _ index: Int) throws -> Event {
            let doc = try #require(DocumentParser.parse(text: "```steps\n\(line)\n```\n", path: "shell").document)
            return session.execute(try #require(doc.steps.first), index: index)
        }
        #expect(try run("HOST, PORT = \"127.0.0.1\", 0", 1).verdict == .passed)
        #expect(try run("s = socket(AF_INET, SOCK_STREAM)", 2).verdict == .passed)
        let bind = try run("s.bind((HOST, PORT))", 3)
        #expect(bind.verdict == .passed, "\(bind.outcome)")
        #expect(try run("PORT", 4).outcome == .value(.int(0)))
    }
}

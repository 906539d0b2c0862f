import Testing
@testable import Runner
import ScenarioFormat
import Sockets

/// Parses steps (no checker: some tests run what the checker would refuse) and runs them.
func run(_ steps: String, options: RunOptions = RunOptions()) throws -> RunResult {
    let r = DocumentParser.parse(text: "# T\n```steps\n\(steps)\n```\n", path: "t.md")
    let doc = try #require(r.document)
    #expect(!r.hasErrors, "\(r.diagnostics)")
    return Runner.run(doc, options: options)
}

let server = """
server = socket(AF_INET, SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(5)
client = socket(AF_INET, SOCK_STREAM)
client.connect(server.address)
conn, addr = server.accept()

"""

@Suite("Runner on real loopback sockets")
struct SpineRunnerTests {
    @Test("the first TCP conversation: every expectation holds")
    func conversation() throws {
        let r = try run(server + """
        client.sendall(b"Hello, server!")
        conn.recv(1024) -> b"Hello, server!"
        conn.recv(1024) -> blocks
        client.close()
        conn.recv(1024) -> eof
        conn.state -> CLOSE_WAIT
        """)
        #expect(r.passed, "\(r.failures.map { "\($0.step.source) → \($0.outcome)" })")
        #expect(r.events.count == 12)
    }

    @Test("port 0 resolves to a real port, and server.address reads it")
    func portZero() throws {
        let r = try run(server)
        let bind = r.events[1]
        guard case .portChosen(let p)? = bind.notes.first else { Issue.record("no port note"); return }
        #expect(p > 0)
        #expect(bind.syscalls.first?.hasPrefix("bind(") == true)
        let connect = r.events[4]
        #expect(connect.syscalls.first?.contains("htons(\(p))") == true)
        #expect(r.events[5].sockets.first { $0.name == "conn" }?.parent == "server")
    }

    @Test("blocks is proven without waiting, and an unexpected block stops the run")
    func blocks() throws {
        let start = MonotonicInstant.now()
        let r = try run(server + "conn.recv(10)\nconn.close()")
        #expect(MonotonicInstant.now().seconds(since: start) < 1.0)
        guard case .blocked(let reason) = r.events[6].outcome else { Issue.record("not blocked: \(r.events[6].outcome)"); return }
        #expect(reason.contains("nothing has arrived"))
        #expect(r.events[6].verdict == .unexpected)
        #expect(r.events[7].verdict == .skipped)
    }

    @Test("accept with nobody connecting blocks; a non-blocking socket gets EAGAIN instead")
    func acceptBlocks() throws {
        let r = try run("""
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        s.accept() -> blocks
        s.setblocking(False)
        s.accept() -> EAGAIN
        s.settimeout(0.02)
        s.accept() -> timeout
        """)
        #expect(r.passed, "\(r.failures.map { "\($0.step.source) → \($0.outcome)" })")
    }

    struct ErrnoCase: Sendable, CustomTestStringConvertible {
        var errno: String
        var steps: String
        var testDescription: String { errno }
    }

    /// Every errno the spine's lessons use, provoked for real.
    static let errnoCases: [ErrnoCase] = [
        .init(errno: "ECONNREFUSED", steps: "c = socket(AF_INET, SOCK_STREAM)\nc.connect((\"127.0.0.1\", 1)) -> ECONNREFUSED"),
        .init(errno: "EADDRINUSE", steps: server + "other = socket(AF_INET, SOCK_STREAM)\nother.bind(server.address) -> EADDRINUSE"),
        .init(errno: "EPIPE", steps: server + "conn.close()\nclient.send(b\"a\") -> 1\nclient.recv(10) -> eof\nclient.send(b\"b\") -> EPIPE"),
        .init(errno: "ECONNRESET", steps: server + "client.sendall(b\"unread\")\nconn.close()\nclient.recv(10) -> ECONNRESET"),
        .init(errno: "ENOTCONN", steps: "c = socket(AF_INET, SOCK_STREAM)\nc.recv(10) -> ENOTCONN"),
        .init(errno: "EINVAL", steps: "s = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", 0))\ns.bind((\"127.0.0.1\", 0)) -> EINVAL"),
        .init(errno: "EBADF", steps: "s = socket(AF_INET, SOCK_STREAM)\ns.close()\ns.listen(1) -> EBADF"),
        .init(errno: "EISCONN", steps: server + "client.connect(server.address) -> EISCONN"),
        .init(errno: "EAGAIN", steps: server + "conn.setblocking(False)\nconn.recv(10) -> BlockingIOError"),
    ]

    @Test("errnos are provoked for real", arguments: errnoCases)
    func errnos(_ c: ErrnoCase) throws {
        let r = try run(c.steps)
        #expect(r.passed, "\(r.failures.map { "\($0.step.source) → \($0.outcome)" })")
        let last = try #require(r.events.last)
        guard case .error(let e) = last.outcome else { Issue.record("no error: \(last.outcome)"); return }
        #expect(e.name == c.errno)
        #expect(last.verdict == .expectedError)
    }

    @Test("port 123456789 raises OverflowError before any system call")
    func overflow() throws {
        let r = try run("s = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", 123456789)) -> OverflowError")
        #expect(r.passed)
        #expect(r.events[1].syscalls.isEmpty)
    }

    @Test("a failed value expectation marks the first differing byte")
    func mismatch() throws {
        let r = try run(server + "client.sendall(b\"Hello\")\nconn.recv(1024) -> b\"Help\"")
        guard case .failed(let m) = r.events.last?.verdict else { Issue.record("did not fail"); return }
        #expect(m.expected == "b'Help'")
        #expect(m.actual == "b'Hello'")
        #expect(m.markerColumn == 5)
    }

    @Test("a non-loopback address computed at run time is refused before any packet")
    func refusedAtRunTime() throws {
        let r = try run("s = socket(AF_INET, SOCK_STREAM)\nx = gethostname()\ns.connect((\"10.0.0.1\", 80))")
        guard case .refused(let m, _) = r.events[2].outcome else { Issue.record("not refused: \(r.events[2].outcome)"); return }
        #expect(m.contains("not a loopback address"))
        #expect(r.events[2].syscalls.isEmpty)
    }

    @Test("IPv6 loopback works like IPv4")
    func ipv6() throws {
        let r = try run("""
        s = socket(AF_INET6, SOCK_STREAM)
        s.bind(("::1", 0))
        s.listen(1)
        c = socket(AF_INET6, SOCK_STREAM)
        c.connect(s.address)
        conn, addr = s.accept()
        c.sendall(b"v6")
        conn.recv(10) -> b"v6"
        addr -> ("::1", _, 0, 0)
        """.replacingOccurrences(of: "addr -> (\"::1\", _, 0, 0)", with: "conn.getpeername() -> (\"::1\", _, 0, 0)"))
        #expect(r.passed, "\(r.failures.map { "\($0.step.source) → \($0.outcome)" })")
    }

    @Test("shutdown(SHUT_WR): the peer reads EOF and can still send back")
    func halfClose() throws {
        let r = try run(server + "client.shutdown(SHUT_WR)\nconn.recv(10) -> eof\nconn.sendall(b\"bye\")\nclient.recv(10) -> b\"bye\"")
        #expect(r.passed, "\(r.failures.map { "\($0.step.source) → \($0.outcome)" })")
    }

    @Test("recv returns what arrived: two sends can arrive as one read")
    func noBoundaries() throws {
        let r = try run(server + "client.send(b\"ab\")\nclient.send(b\"cd\")\nconn.recv(1024) -> b\"abcd\"\nclient.sendall(b\"xyz\")\nconn.recv(2) -> b\"xy\"\nconn.recv(2) -> b\"z\"")
        #expect(r.passed, "\(r.failures.map { "\($0.step.source) → \($0.outcome)" })")
        #expect(r.events[10].notes.contains { if case .shortRead(_, _, 1) = $0 { return true }; return false })
    }

    @Test("nothing is left open: every socket the run opened is closed, the run directory removed")
    func nothingLeftOpen() throws {
        let text = "# T\n```steps\n" + server + "u = socket(AF_UNIX, SOCK_STREAM)\nu.bind(\"x.sock\")\nconn.recv(1)\n```\n"
        let doc = try #require(DocumentParser.parse(text: text, path: "t.md").document)
        let session = Session()
        for (i, step) in doc.steps.enumerated() { _ = session.execute(step, index: i + 1) }
        let inodes = Set(session.entries.filter { !$0.closed }.compactMap { Posix.inode($0.fd) })
        #expect(inodes.count == 4)
        #expect(inodes.isSubset(of: Posix.openSocketInodes()))
        let dir = try #require(session.runDirectoryPath)
        #expect(TempDirectory.exists(dir + "/x.sock"))
        session.finish()
        #expect(inodes.isDisjoint(with: Posix.openSocketInodes()))
        #expect(!TempDirectory.exists(dir))
    }

    @Test("a closed socket's calls give EBADF without touching a reused descriptor")
    func closedDescriptorReuse() throws {
        let r = try run("a = socket(AF_INET, SOCK_STREAM)\na.close()\nb = socket(AF_INET, SOCK_STREAM)\nb.bind((\"127.0.0.1\", 0))\na.getsockname() -> EBADF\nb.getsockname() -> (\"127.0.0.1\", _)")
        #expect(r.passed, "\(r.failures.map { "\($0.step.source) → \($0.outcome)" })")
    }
}

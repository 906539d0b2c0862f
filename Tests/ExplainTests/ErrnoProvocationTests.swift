import Foundation
import Testing
@testable import Explain
import Runner
import ScenarioFormat
import Sockets

/// For each errno a supported call can return, steps that really provoke it on this machine's
/// loopback, without root. The last step must fail with exactly that errno, and the catalog must
/// explain it: so no explanation can drift from what the kernel does.
private let provocations: [(errno: String, steps: String)] = [
    // A broadcast the socket did not ask for (SO_BROADCAST). Binding a port below 1024 cannot show
    // EACCES here: the tests run as root, which may bind any port.
    ("EACCES", """
        u = socket(AF_INET, SOCK_DGRAM)
        u.sendto(b"x", ("127.255.255.255", 9))
        """),
    ("EADDRINUSE", """
        a = socket(AF_INET, SOCK_STREAM)
        a.bind(("127.0.0.1", 0))
        b = socket(AF_INET, SOCK_STREAM)
        b.bind(a.address)
        """),
    ("EADDRNOTAVAIL", """
        r = socket(AF_INET, SOCK_DGRAM)
        r.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, ("239.1.2.3", "127.0.0.1"))
        """),
    ("EAFNOSUPPORT", """
        s = socket(AF_UNSPEC, SOCK_STREAM)
        """),
    ("EAGAIN", """
        u = socket(AF_INET, SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        u.setblocking(False)
        u.recv(10)
        """),
    ("EALREADY", """
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(0)
        c1 = socket(AF_INET, SOCK_STREAM)
        c1.connect(s.address)
        c2 = socket(AF_INET, SOCK_STREAM)
        c2.setblocking(False)
        c2.connect(s.address) -> EINPROGRESS
        c2.connect(s.address)
        """),
    ("EBADF", """
        s = socket(AF_INET, SOCK_STREAM)
        s.close()
        s.getsockname()
        """),
    ("ECONNABORTED", """
        gone = socket(AF_INET, SOCK_STREAM)
        gone.bind(("127.0.0.1", 0))
        port = gone.address
        gone.close()
        c = socket(AF_INET, SOCK_STREAM)
        c.setblocking(False)
        c.connect(port) -> EINPROGRESS
        select([], [c], [], 1) -> ([], [c], [])
        c.getsockopt(SOL_SOCKET, SO_ERROR) -> 111
        c.connect(port)
        """),
    ("ECONNREFUSED", """
        gone = socket(AF_INET, SOCK_STREAM)
        gone.bind(("127.0.0.1", 0))
        port = gone.address
        gone.close()
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(port)
        """),
    ("ECONNRESET", """
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(s.address)
        conn, _ = s.accept()
        c.setsockopt(SOL_SOCKET, SO_LINGER, (1, 0))
        c.close()
        conn.recv(10)
        """),
    ("EDESTADDRREQ", """
        u = socket(AF_INET, SOCK_DGRAM)
        u.send(b"x")
        """),
    ("EINPROGRESS", """
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        c = socket(AF_INET, SOCK_STREAM)
        c.setblocking(False)
        c.connect(s.address)
        """),
    ("EINVAL", """
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.bind(("127.0.0.1", 0))
        """),
    ("EISCONN", """
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(s.address)
        c.connect(s.address)
        """),
    ("EMSGSIZE", """
        u = socket(AF_INET, SOCK_DGRAM)
        u.sendto(b"x" * 70000, ("127.0.0.1", 9))
        """),
    ("ENOENT", """
        u = socket(AF_UNIX, SOCK_STREAM)
        u.connect("nobody.sock")
        """),
    ("ENOTCONN", """
        s = socket(AF_INET, SOCK_STREAM)
        s.recv(10)
        """),
    ("EOPNOTSUPP", """
        u = socket(AF_INET, SOCK_DGRAM)
        u.listen(1)
        """),
    ("EPIPE", """
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(s.address)
        c.shutdown(SHUT_WR)
        c.send(b"x")
        """),
    ("EPROTONOSUPPORT", """
        s = socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)
        """),
    ("EPROTOTYPE", """
        s = socket(AF_UNIX, SOCK_STREAM)
        s.bind("stream.sock")
        s.listen(1)
        d = socket(AF_UNIX, SOCK_DGRAM)
        d.connect("stream.sock")
        """),
    ("ENETUNREACH", """
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        host, port = s.address
        v6 = socket(AF_INET6, SOCK_STREAM)
        v6.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1)
        v6.connect(("::ffff:127.0.0.1", port))
        """),
    // A SYN nobody answers: the listener's queue is full, so the kernel drops it; TCP_USER_TIMEOUT
    // makes the client give up at its first retransmission (about a second) instead of after minutes.
    ("ETIMEDOUT", """
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(0)
        c1 = socket(AF_INET, SOCK_STREAM)
        c1.connect(s.address)
        c2 = socket(AF_INET, SOCK_STREAM)
        c2.setsockopt(IPPROTO_TCP, TCP_USER_TIMEOUT, 10)
        c2.setblocking(False)
        c2.connect(s.address) -> EINPROGRESS
        select([], [c2], [], 4) -> ([], [c2], [])
        c2.connect(s.address)
        """),
]

/// Errnos a lesson cannot provoke on loopback as an unprivileged program, and why (the catalog says so too).
private let notProvokable: [(errno: String, because: String)] = [
    ("EINTR", "sockstep never blocks inside a system call"),
    ("EHOSTUNREACH", "loopback address has a route"),
]

@Suite("Every errno in the catalog, provoked for real")
struct ErrnoProvocationTests {
    @Test("the steps really fail with the errno, and the explanation is the catalog's", arguments: provocations.map(\.errno))
    func provoke(_ name: String) throws {
        let steps = try #require(provocations.first { $0.errno == name }?.steps)
        let parsed = DocumentParser.parse(text: "# E\n```steps\n\(steps)\n```\n", path: "\(name).md")
        let doc = try #require(parsed.document)
        #expect(!parsed.hasErrors, "\(parsed.diagnostics.map(\.message))")
        let result = Runner.run(doc)
        let last = try #require(result.events.last)
        for e in result.events.dropLast() { #expect(e.verdict.isSuccess, "\(e.step.source) → \(e.outcome)") }
        let errno = try #require(Errno(name: name))
        #expect(last.outcome == .error(errno), "\(last.step.source) → \(last.outcome)")
        // A real system call answered (no errno is made up without one).
        #expect(last.syscalls.last?.contains(name) == true, "\(last.syscalls)")

        let entry = try #require(ErrnoCatalog.entry(name))
        let x = Explainer.explain(last)
        #expect(x.summary.contains(name))
        #expect(x.summary.contains(entry.title))
        #expect(x.pythonException == entry.python)
        #expect(x.fix != nil)
    }

    @Test("ENOTSOCK: a socket call on a descriptor that is not a socket")
    func notASocket() throws {
        // Lessons only hold sockets, so this one is provoked on a plain file's descriptor.
        let handle = try #require(FileHandle(forReadingAtPath: "/dev/null"))
        defer { try? handle.close() }
        let r = Posix.localAddress(SocketFD(rawValue: handle.fileDescriptor))
        guard case .failure(let err) = r else { Issue.record("getsockname on /dev/null succeeded"); return }
        #expect(err == .ENOTSOCK)
        #expect(ErrnoCatalog.entry(err.name) != nil)
    }

    @Test("the errnos a lesson cannot provoke say why in the catalog", arguments: notProvokable.map(\.errno))
    func documented(_ name: String) throws {
        let entry = try #require(ErrnoCatalog.entry(name))
        let because = try #require(notProvokable.first { $0.errno == name }?.because)
        #expect(entry.cause.contains(because), "\(entry.cause)")
    }

    @Test("ECONNREFUSED on UDP is explained as the late ICMP error, not as a refused handshake")
    func udpRefusedExplanation() throws {
        let doc = try #require(DocumentParser.parse(text: """
        # U
        ```steps
        gone = socket(AF_INET, SOCK_DGRAM)
        gone.bind(("127.0.0.1", 0))
        port = gone.address
        gone.close()
        e = socket(AF_INET, SOCK_DGRAM)
        e.connect(port)
        e.send(b"x") -> 1
        e.send(b"x") -> ECONNREFUSED
        ```
        """, path: "u.md").document)
        let r = Runner.run(doc)
        #expect(r.passed)
        let x = Explainer.explain(r.events[7])
        #expect(x.summary.contains("ICMP"))
        #expect(!x.summary.contains("connection request"))
        #expect(x.fix?.contains("listen") == false)
    }

    @Test("every errno the issue names is either provoked here or documented as not provokable")
    func coverage() {
        let covered = Set(provocations.map(\.errno) + notProvokable.map(\.errno) + ["ENOTSOCK"])
        for name in CatalogTests.required { #expect(covered.contains(name), "\(name) is never provoked") }
    }
}

import Foundation
import Testing
@testable import Runner
import ScenarioFormat
import Sockets

/// Runs steps through the parser and the runner, on real loopback sockets.
private func steps(_ text: String, options: RunOptions = RunOptions()) throws -> RunResult {
    let r = DocumentParser.parse(text: "# T\n```steps\n\(text)\n```\n", path: "api.md")
    let doc = try #require(r.document)
    #expect(!r.hasErrors, "\(r.diagnostics.map(\.message))")
    return Runner.run(doc, options: options)
}

private func failures(_ r: RunResult) -> [String] {
    r.failures.map { "\($0.index): \($0.step.source) → \($0.outcome) \($0.verdict)" }
}

/// The event of the first step whose source starts with `prefix`.
private func event(_ r: RunResult, _ prefix: String) throws -> Event {
    try #require(r.events.first { $0.step.source.hasPrefix(prefix) }, "no step \(prefix)")
}

private let tcpPair = """
server = socket(AF_INET, SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(5)
client = socket(AF_INET, SOCK_STREAM)
client.connect(server.address)
conn, addr = server.accept()

"""

private let udpPair = """
a = socket(AF_INET, SOCK_DGRAM)
a.bind(("127.0.0.1", 0))
b = socket(AF_INET, SOCK_DGRAM)
b.bind(("127.0.0.1", 0))

"""

/// The package's root, from this file's path (Tests/RunnerTests/…).
private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func scenarioFiles() -> [String] {
    let dir = packageRoot.appendingPathComponent("scenarios")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted().map { dir.appendingPathComponent($0).path }
}

@Suite("The socket API on real loopback sockets")
struct SocketAPITests {
    // MARK: UDP

    @Test("two datagrams are two recvs, and recvfrom returns the sender")
    func datagramBoundaries() throws {
        let r = try steps(udpPair + """
        b.sendto(b"one", a.address) -> 3
        b.sendto(b"two", a.address) -> 3
        a.recvfrom(1024) -> (b"one", b.address)
        a.recv(1024) -> b"two"
        a.recv(1024) -> blocks
        """)
        #expect(r.passed, "\(failures(r))")
        let from = try event(r, "a.recvfrom")
        guard case .value(.tuple(let t)) = from.outcome else { Issue.record("\(from.outcome)"); return }
        #expect(t.count == 2 && t[0] == .bytes(Array("one".utf8)))
    }

    @Test("a datagram larger than the buffer is truncated, and the note says how much was lost")
    func truncation() throws {
        let r = try steps(udpPair + """
        b.sendto(b"0123456789", a.address) -> 10
        a.recv(4) -> b"0123"
        a.recv(1024) -> blocks
        """)
        #expect(r.passed, "\(failures(r))")
        let e = try event(r, "a.recv(4)")
        #expect(e.notes.contains(.truncated(kept: 4, full: 10)), "\(e.notes)")
    }

    @Test("a connected UDP socket hears of an unreachable port one call later (ICMP)")
    func icmpLater() throws {
        let r = try steps("""
        gone = socket(AF_INET, SOCK_DGRAM)
        gone.bind(("127.0.0.1", 0))
        port = gone.address
        gone.close()
        e = socket(AF_INET, SOCK_DGRAM)
        e.connect(port)
        e.send(b"x") -> 1
        e.send(b"x") -> ECONNREFUSED
        e.send(b"x") -> 1
        u = socket(AF_INET, SOCK_DGRAM)
        u.send(b"x") -> EDESTADDRREQ
        """)
        #expect(r.passed, "\(failures(r))")
        #expect(r.events[7].outcome == .error(.ECONNREFUSED))
        #expect(r.events[7].facts["kind"]?.contains("UDP") == true)
    }

    // MARK: Unix domain

    @Test("Unix paths live in the run's own directory, which the run removes")
    func unixDirectory() throws {
        let doc = try #require(DocumentParser.parse(text: """
        # U
        ```steps
        s = socket(AF_UNIX, SOCK_STREAM)
        s.bind("echo.sock")
        s.listen(1)
        c = socket(AF_UNIX, SOCK_STREAM)
        c.connect("echo.sock")
        lost = socket(AF_UNIX, SOCK_STREAM)
        lost.connect("none.sock") -> ENOENT
        twin = socket(AF_UNIX, SOCK_STREAM)
        twin.bind("echo.sock") -> EADDRINUSE
        d = socket(AF_UNIX, SOCK_DGRAM)
        d.connect("echo.sock") -> EPROTOTYPE
        ```
        """, path: "u.md").document)
        let session = Session()
        var events: [Event] = []
        for (i, step) in doc.steps.enumerated() { events.append(session.execute(step, index: i + 1)) }
        let dir = try #require(session.runDirectoryPath)
        #expect(TempDirectory.exists(dir + "/echo.sock"))
        #expect(events.allSatisfy { $0.verdict.isSuccess }, "\(events.map { "\($0.step.source) \($0.outcome)" })")
        #expect(events[1].syscalls.first?.contains(dir + "/echo.sock") == true)
        #expect(session.snapshot().first { $0.name == "s" }?.local == "echo.sock")
        session.finish()
        #expect(!TempDirectory.exists(dir))
    }

    @Test("socketpair gives two connected sockets")
    func socketpair() throws {
        let r = try steps("""
        left, right = socketpair()
        left.send(b"ping") -> 4
        right.recv(10) -> b"ping"
        left.close()
        right.recv(10) -> eof
        """)
        #expect(r.passed, "\(failures(r))")
    }

    // MARK: IPv6

    @Test("::1 works, and IPV6_V6ONLY forbids IPv4-mapped addresses")
    func ipv6() throws {
        let r = try steps("""
        s = socket(AF_INET6, SOCK_STREAM)
        s.bind(("::1", 0))
        s.listen(1)
        c = socket(AF_INET6, SOCK_STREAM)
        c.connect(s.address)
        c.state -> ESTABLISHED
        only = socket(AF_INET6, SOCK_STREAM)
        only.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY) -> 0
        only.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1)
        only.bind(("::ffff:127.0.0.1", 0)) -> EINVAL
        dual = socket(AF_INET6, SOCK_STREAM)
        dual.bind(("::ffff:127.0.0.1", 0))
        """)
        #expect(r.passed, "\(failures(r))")
        #expect(r.events.last?.sockets.first { $0.name == "dual" }?.local?.hasPrefix("[::ffff:127.0.0.1]:") == true)
    }

    // MARK: options

    @Test("SO_RCVBUF is doubled by the kernel, and the explanation says so")
    func bufferDoubling() throws {
        let r = try steps("""
        s = socket(AF_INET, SOCK_STREAM)
        s.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)
        s.getsockopt(SOL_SOCKET, SO_RCVBUF) -> 8192
        """)
        #expect(r.passed, "\(failures(r))")
        #expect(r.events[1].facts["real"] == "8192")
        #expect(r.events[1].notes.contains { if case .text(let t) = $0 { return t.contains("doubled") }; return false })
    }

    @Test("SO_LINGER 0: close sends a reset and the peer reads ECONNRESET")
    func lingerReset() throws {
        let r = try steps(tcpPair + """
        client.setsockopt(SOL_SOCKET, SO_LINGER, (1, 0))
        client.getsockopt(SOL_SOCKET, SO_LINGER) -> (1, 0)
        client.close()
        conn.recv(10) -> ECONNRESET
        """)
        #expect(r.passed, "\(failures(r))")
        #expect(r.events.last?.outcome == .error(.ECONNRESET))
    }

    @Test("TIME_WAIT blocks a rebind; SO_REUSEADDR on both sockets allows it")
    func reuseAddress() throws {
        let r = try steps("""
        s = socket(AF_INET, SOCK_STREAM)
        s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        addr = s.address
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(addr)
        conn, _ = s.accept()
        conn.close()
        c.close()
        conn.state -> TIME_WAIT
        s.close()
        plain = socket(AF_INET, SOCK_STREAM)
        plain.bind(addr) -> EADDRINUSE
        again = socket(AF_INET, SOCK_STREAM)
        again.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        again.bind(addr)
        """)
        #expect(r.passed, "\(failures(r))")
    }

    @Test("SO_BROADCAST: EACCES without it, delivery with it")
    func broadcast() throws {
        let r = try steps("""
        rx = socket(AF_INET, SOCK_DGRAM)
        rx.bind(("127.255.255.255", 0))
        host, port = rx.address
        tx = socket(AF_INET, SOCK_DGRAM)
        tx.sendto(b"all", ("127.255.255.255", port)) -> EACCES
        tx.setsockopt(SOL_SOCKET, SO_BROADCAST, 1)
        tx.sendto(b"all", ("127.255.255.255", port)) -> 3
        rx.recv(10) -> b"all"
        """)
        #expect(r.passed, "\(failures(r))")
    }

    // MARK: blocking and readiness

    @Test("non-blocking: EAGAIN at once; settimeout: a real, bounded wait")
    func nonBlockingAndTimeout() throws {
        let r = try steps(tcpPair + """
        conn.setblocking(False)
        conn.recv(10) -> EAGAIN
        conn.settimeout(0.02)
        conn.recv(10) -> timeout
        """)
        #expect(r.passed, "\(failures(r))")
        #expect(r.events[7].duration < 0.5)
        #expect(r.events[9].duration >= 0.015)
        #expect(r.events[9].outcome == .timedOut(seconds: 0.02))
    }

    @Test("select says which sockets are ready, and why")
    func select() throws {
        let r = try steps(tcpPair + """
        select([server, conn], [client], [], 0) -> ([], [client], [])
        client.send(b"hi") -> 2
        select([conn], [], [], 0) -> ([conn], [], [])
        """)
        #expect(r.passed, "\(failures(r))")
        let notes = r.events.last!.notes.compactMap { if case .text(let t) = $0 { return t }; return nil }
        #expect(notes.contains { $0.contains("2 bytes") }, "\(notes)")
    }

    @Test("non-blocking connect: EINPROGRESS, writable, SO_ERROR 0; refused then ECONNABORTED")
    func nonBlockingConnect() throws {
        let r = try steps("""
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        nb = socket(AF_INET, SOCK_STREAM)
        nb.setblocking(False)
        nb.connect(s.address) -> EINPROGRESS
        select([], [nb], [], 1) -> ([], [nb], [])
        nb.getsockopt(SOL_SOCKET, SO_ERROR) -> 0
        gone = socket(AF_INET, SOCK_STREAM)
        gone.bind(("127.0.0.1", 0))
        port = gone.address
        gone.close()
        f = socket(AF_INET, SOCK_STREAM)
        f.setblocking(False)
        f.connect(port) -> EINPROGRESS
        select([], [f], [], 1) -> ([], [f], [])
        f.getsockopt(SOL_SOCKET, SO_ERROR) -> 111
        f.connect(port) -> ECONNABORTED
        """)
        #expect(r.passed, "\(failures(r))")
    }

    @Test("a blocking connect refused, then retried: strace shows the one connect Python makes, and no ECONNABORTED")
    func refusedThenRetried() throws {
        let r = try steps("""
        server = socket(AF_INET, SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(("127.0.0.1", 1)) -> ECONNREFUSED
        c.connect(server.address)
        """)
        #expect(r.passed, "\(failures(r))")
        let refused = try event(r, "c.connect((")
        #expect(refused.syscalls.count == 1 && refused.syscalls[0].hasPrefix("connect(") && refused.syscalls[0].hasSuffix("= -1 ECONNREFUSED (Connection refused)"), "\(refused.syscalls)")
        let retried = try event(r, "c.connect(server")
        #expect(retried.syscalls.count == 1 && retried.syscalls[0].hasSuffix(") = 0"), "\(retried.syscalls)")
        #expect(!retried.syscalls.joined().contains("SO_ERROR"))
    }

    @Test("a connect with settimeout makes Python's calls: connect EINPROGRESS, poll, getsockopt SO_ERROR")
    func timeoutConnectCalls() throws {
        let r = try steps("""
        server = socket(AF_INET, SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        c = socket(AF_INET, SOCK_STREAM)
        c.settimeout(2)
        c.connect(("127.0.0.1", 1)) -> ECONNREFUSED
        c.connect(server.address) -> ECONNABORTED
        c.connect(server.address)
        """)
        #expect(r.passed, "\(failures(r))")
        let refused = try event(r, "c.connect((")
        #expect(refused.syscalls.count == 3, "\(refused.syscalls)")
        #expect(refused.syscalls.first?.hasSuffix("= -1 EINPROGRESS (Operation now in progress)") == true, "\(refused.syscalls)")
        #expect(refused.syscalls.dropFirst().first?.hasPrefix("poll(") == true, "\(refused.syscalls)")
        #expect(refused.syscalls.last?.contains("SO_ERROR, [111]") == true, "\(refused.syscalls)")
    }

    @Test("a blocking send that does not fit blocks (the kernel waits for every byte); non-blocking, it returns a short count")
    func blockingSendWaitsForEveryByte() throws {
        let r = try steps("""
        small = socket(AF_INET, SOCK_STREAM)
        small.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)
        small.bind(("127.0.0.1", 0))
        small.listen(5)
        sender = socket(AF_INET, SOCK_STREAM)
        sender.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
        sender.connect(small.address)
        receiver, _ = small.accept()
        sender.send(b"x" * 1048576) -> blocks
        """)
        #expect(r.passed, "\(failures(r))")
        let nb = try steps("""
        small = socket(AF_INET, SOCK_STREAM)
        small.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)
        small.bind(("127.0.0.1", 0))
        small.listen(5)
        sender = socket(AF_INET, SOCK_STREAM)
        sender.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
        sender.connect(small.address)
        receiver, _ = small.accept()
        sender.setblocking(False)
        sent = sender.send(b"x" * 1048576)
        """)
        #expect(nb.passed, "\(failures(nb))")
        guard case .value(.int(let n))? = nb.events.last?.outcome else { Issue.record("\(String(describing: nb.events.last?.outcome))"); return }
        #expect(n > 0 && n < 1048576)
    }

    @Test("recv(n, MSG_WAITALL): blocking, it waits for all n bytes (blocks with fewer, returns at EOF); with a timeout, what has arrived")
    func waitAll() throws {
        let r = try steps(tcpPair + """
        client.sendall(b"12345")
        conn.recv(10, MSG_WAITALL) -> blocks
        client.sendall(b"67890")
        conn.recv(5, MSG_WAITALL) -> b"67890"
        client.sendall(b"abc")
        conn.settimeout(1)
        conn.recv(10, MSG_WAITALL) -> b"abc"
        conn.setblocking(True)
        client.sendall(b"xy")
        client.close()
        conn.recv(10, MSG_WAITALL) -> b"xy"
        conn.recv(10, MSG_WAITALL) -> eof
        """)
        #expect(r.passed, "\(failures(r))")
        let blocked = try event(r, "conn.recv(10, MSG_WAITALL) -> blocks")
        #expect(blocked.syscalls.last?.contains("MSG_WAITALL") == true, "\(blocked.syscalls)")
    }

    // MARK: half-close, backlog, buffers

    @Test("shutdown(SHUT_WR): the peer reads EOF and can still send back")
    func halfClose() throws {
        let r = try steps(tcpPair + """
        client.shutdown(SHUT_WR)
        conn.recv(10) -> eof
        conn.state -> CLOSE_WAIT
        client.state -> FIN_WAIT2
        conn.send(b"back") -> 4
        client.recv(10) -> b"back"
        client.send(b"x") -> EPIPE
        """)
        #expect(r.passed, "\(failures(r))")
    }

    @Test("listen(1) and three clients: two complete, one waits in SYN_SENT; the table shows it")
    func backlogAndTable() throws {
        let doc = try #require(DocumentParser.parse(text: """
        # B
        ```steps
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        c1 = socket(AF_INET, SOCK_STREAM)
        c1.connect(s.address)
        c2 = socket(AF_INET, SOCK_STREAM)
        c2.connect(s.address)
        c3 = socket(AF_INET, SOCK_STREAM)
        c3.connect(s.address) -> blocks
        a, a_addr = s.accept() -> (_, c1.address)
        ```
        """, path: "b.md").document)
        let session = Session()
        defer { session.finish() }
        var events: [Event] = []
        for (i, step) in doc.steps.enumerated().prefix(9) { events.append(session.execute(step, index: i + 1)) }
        #expect(events.allSatisfy { $0.verdict.isSuccess }, "\(events.map { "\($0.step.source) \($0.outcome)" })")
        let table = session.snapshot()
        let listener = try #require(table.first { $0.name == "s" })
        #expect(listener.state == "LISTEN")
        #expect(listener.pending == 2)
        #expect(listener.backlog == 1)
        let third = try #require(table.first { $0.name == "c3" })
        #expect(third.state == "SYN_SENT")
        #expect(third.peer == listener.local)
        #expect(table.first { $0.name == "c1" }?.state == "ESTABLISHED")
        let accept = session.execute(doc.steps[9], index: 10)
        #expect(accept.verdict == .passed, "\(accept.outcome)")
        let conn = try #require(accept.sockets.first { $0.name == "a" })
        #expect(conn.parent == "s")
        #expect(conn.peer == table.first { $0.name == "c1" }?.local)
        #expect(accept.sockets.first { $0.name == "s" }?.pending == 1)
    }

    @Test("1 MiB: sendall, then recvall loops until every byte is back; counts end at zero")
    func fillingThePipes() throws {
        let r = try steps(tcpPair + """
        client.sendall(b"x" * 1048576)
        conn.recvall(1048576) -> b"x" * 1048576
        conn.readable -> 0
        client.unacked -> 0
        small = socket(AF_INET, SOCK_STREAM)
        small.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)
        small.bind(("127.0.0.1", 0))
        small.listen(1)
        tx = socket(AF_INET, SOCK_STREAM)
        tx.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096)
        tx.connect(small.address)
        rx, _ = small.accept()
        tx.setblocking(False)
        sent = tx.send(b"x" * 1048576)
        tx.setblocking(True)
        tx.sendall(b"y" * 1048576) -> blocks
        rx.recvall(sent) -> b"x" * sent
        rx.recvall(1048576) -> blocks
        rx.readable -> 0
        tx.unacked -> 0
        """)
        #expect(r.passed, "\(failures(r))")
        let partial = try event(r, "sent = tx.send")
        guard case .value(.int(let sent)) = partial.outcome else { Issue.record("\(partial.outcome)"); return }
        #expect(sent > 0 && sent < 1048576)
        #expect(try event(r, "conn.recvall").facts["calls"].flatMap(Int.init) ?? 0 >= 1)
    }

    // MARK: urgent data, multicast, names

    @Test("MSG_OOB: the urgent byte is read on its own, and select reports it")
    func urgent() throws {
        let r = try steps(tcpPair + """
        client.send(b"ab") -> 2
        client.send(b"!", MSG_OOB) -> 1
        select([], [], [conn], 0) -> ([], [], [conn])
        conn.recv(100) -> b"ab"
        conn.recv(1, MSG_OOB) -> b"!"
        conn.recv(1, MSG_OOB) -> EINVAL
        """)
        #expect(r.passed, "\(failures(r))")
    }

    @Test("multicast on loopback: two members, one datagram, two copies")
    func multicast() throws {
        let r = try steps("""
        r1 = socket(AF_INET, SOCK_DGRAM)
        r1.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        r1.bind(("239.1.2.3", 0))
        group = r1.address
        r2 = socket(AF_INET, SOCK_DGRAM)
        r2.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        r2.bind(group)
        r1.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, ("239.1.2.3", "127.0.0.1"))
        r2.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, ("239.1.2.3", "127.0.0.1"))
        tx = socket(AF_INET, SOCK_DGRAM)
        tx.bind(("127.0.0.1", 0))
        tx.sendto(b"hi", group) -> 2
        r1.recv(10) -> b"hi"
        r2.recv(10) -> b"hi"
        r1.recv(10) -> blocks
        """)
        #expect(r.passed, "\(failures(r))")
        let send = try event(r, "tx.sendto")
        #expect(send.syscalls.contains { $0.contains("IP_MULTICAST_TTL, [0]") })
    }

    @Test("names: localhost and this machine only; other names are refused before any lookup")
    func names() throws {
        let r = try steps("""
        getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM) -> [(AF_INET, SOCK_STREAM, 6, "", ("127.0.0.1", 80))]
        getservbyname("http") -> 80
        me = gethostname()
        getaddrinfo(me, 80) -> ok
        """)
        #expect(r.passed, "\(failures(r))")

        let doc = try #require(DocumentParser.parse(text: "# N\n```steps\ngetaddrinfo(\"example.com\", 80)\n```\n", path: "n.md").document)
        let diagnostics = Checker.check(doc)
        #expect(diagnostics.contains { $0.message.contains("localhost") })
        let refused = Runner.run(doc).events[0]
        guard case .refused(let message, _) = refused.outcome else { Issue.record("\(refused.outcome)"); return }
        #expect(message.contains("example.com"))
        #expect(refused.syscalls.isEmpty)
    }

    @Test("addresses outside loopback are refused before any system call", arguments: [
        "c.connect((\"10.0.0.1\", 80))", "c.connect((\"0.0.0.0\", 80))", "c.bind((\"\", 0))",
        "u.sendto(b\"x\", (\"8.8.8.8\", 53))", "u.sendto(b\"x\", (\"224.0.0.1\", 9))", "c6.connect((\"2001:db8::1\", 80))",
    ])
    func loopbackOnly(_ step: String) throws {
        let doc = try #require(DocumentParser.parse(text: """
        # S
        ```steps
        c = socket(AF_INET, SOCK_STREAM)
        u = socket(AF_INET, SOCK_DGRAM)
        c6 = socket(AF_INET6, SOCK_STREAM)
        \(step)
        ```
        """, path: "s.md").document)
        #expect(!Checker.check(doc).isEmpty, "the checker lets \(step) through")
        let e = Runner.run(doc).events[3]
        guard case .refused = e.outcome else { Issue.record("\(step): \(e.outcome)"); return }
        #expect(e.syscalls.isEmpty)
    }

    // MARK: every scenario, and nothing left open

    @Test("every scenario passes in-process, leaves no descriptor open and no directory behind")
    func scenariosLeaveNothingOpen() throws {
        let files = scenarioFiles()
        #expect(files.count >= 10, "\(files)")
        let before = Posix.openDescriptorCount()
        var ours: Set<String> = []   // "socket:[inode]" of every socket the sessions opened
        for path in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let parsed = DocumentParser.parse(data: data, path: path)
            let doc = try #require(parsed.document, "\(path)")
            #expect(Checker.check(doc).filter { $0.severity == .error }.isEmpty, "\(path): \(Checker.check(doc).map(\.message))")
            let session = Session()
            var ok = true
            for (i, step) in doc.steps.enumerated() {
                let e = session.execute(step, index: i + 1)
                if !e.verdict.isSuccess { ok = false; Issue.record("\(path):\(step.location.line): \(step.source) → \(e.outcome) \(e.verdict)") }
                for entry in session.entries where !entry.closed { if let l = descriptorLink(entry.fd.rawValue) { ours.insert(l) } }
            }
            let dir = session.runDirectoryPath
            session.finish()
            #expect(ok)
            if let dir { #expect(!TempDirectory.exists(dir), "\(dir) was not removed") }
        }
        #expect(!ours.isEmpty)
        // Suites run in parallel in this process, so a bare count could see their sockets: any growth
        // must be explained by descriptors that are not ours, and none of ours may still be open.
        let after = Posix.openDescriptorCount()
        let stillOpen = openDescriptorLinks().intersection(ours)
        #expect(stillOpen.isEmpty, "left open: \(stillOpen)")
        if after > before { #expect(stillOpen.isEmpty, "\(after - before) more descriptors than before") }
    }
}

/// What /proc/self/fd/N points to ("socket:[12345]"): unique while the socket exists.
private func descriptorLink(_ fd: Int32) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
}

private func openDescriptorLinks() -> Set<String> {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return Set(names.compactMap { Int32($0).flatMap(descriptorLink) })
}

import Testing
@testable import Sockets

@Suite("Sockets: the typed syscall layer")
struct SocketsTests {
    @Test("errno names round-trip", arguments: Errno.all)
    func errnoNames(_ e: Errno) {
        #expect(Errno(name: e.name) == e)
        #expect(!e.message.isEmpty)
        #expect(e.description.hasPrefix(e.name))
    }

    @Test("EWOULDBLOCK is EAGAIN")
    func wouldBlock() { #expect(Errno(name: "EWOULDBLOCK") == .EAGAIN) }

    @Test("loopback classification", arguments: [
        ("127.0.0.1", true), ("127.255.0.9", true), ("128.0.0.1", false), ("10.0.0.1", false),
        ("::1", true), ("::ffff:127.0.0.1", true), ("::", false), ("fe80::1", false), ("nonsense", false),
    ])
    func loopback(_ host: String, _ expected: Bool) {
        let v = SocketAddress.isValidIPv4(host) ? SocketAddress.isLoopbackIPv4(host) : SocketAddress.isLoopbackIPv6(host)
        #expect(v == expected)
    }

    @Test("bind to port 0, read the port back, connect, send and receive")
    func roundTrip() throws {
        let AF = AF_INET_VALUE, ST = SOCK_STREAM_VALUE
        let s = try Posix.socket(family: AF, type: ST, proto: 0).get()
        defer { _ = Posix.close(s) }
        try Posix.bind(s, .ipv4(host: "127.0.0.1", port: 0)).get()
        try Posix.listen(s, backlog: 1).get()
        let addr = try Posix.localAddress(s).get()
        #expect(addr.port != 0)
        let c = try Posix.socket(family: AF, type: ST, proto: 0).get()
        defer { _ = Posix.close(c) }
        try Posix.connect(c, addr).get()
        guard case .done(let (conn, peer)) = Posix.accept(s) else { Issue.record("accept failed"); return }
        defer { _ = Posix.close(conn) }
        #expect(peer == (try Posix.localAddress(c).get()))
        guard case .done(5) = Posix.send(c, Array("hello".utf8)) else { Issue.record("send"); return }
        guard case .done(let r) = Posix.receive(conn, max: 100) else { Issue.record("recv"); return }
        #expect(r.bytes == Array("hello".utf8))
        #expect(Posix.tcpInfo(conn)?.state == .established)
        _ = Posix.setNonBlocking(conn, true)
        guard case .wouldBlock = Posix.receive(conn, max: 100) else { Issue.record("should would-block"); return }
    }

    @Test("a refused connect is an errno value with its name")
    func refused() throws {
        let c = try Posix.socket(family: AF_INET_VALUE, type: SOCK_STREAM_VALUE, proto: 0).get()
        defer { _ = Posix.close(c) }
        guard case .failure(let e) = Posix.connect(c, .ipv4(host: "127.0.0.1", port: 1)) else { Issue.record("connected?"); return }
        #expect(e == .ECONNREFUSED)
        #expect(e.name == "ECONNREFUSED")
    }

    @Test("strace formatting of addresses")
    func strace() {
        #expect(SocketAddress.ipv4(host: "127.0.0.1", port: 41217).straceText == "{sa_family=AF_INET, sin_port=htons(41217), sin_addr=inet_addr(\"127.0.0.1\")}")
        #expect(SocketAddress.ipv4(host: "127.0.0.1", port: 1).straceLength == 16)
    }
}

let AF_INET_VALUE = SocketConstants.named("AF_INET")!.value
let SOCK_STREAM_VALUE = SocketConstants.named("SOCK_STREAM")!.value

@Suite("The kernel's view of closed connections")
struct KernelViewTests {
    @Test("netlink sock_diag and /proc/net/tcp agree, before and after close")
    func diagAgreesWithProc() throws {
        let s = try Posix.socket(family: AF_INET_VALUE, type: SOCK_STREAM_VALUE, proto: 0).get()
        defer { _ = Posix.close(s) }
        try Posix.bind(s, .ipv4(host: "127.0.0.1", port: 0)).get()
        try Posix.listen(s, backlog: 1).get()
        let c = try Posix.socket(family: AF_INET_VALUE, type: SOCK_STREAM_VALUE, proto: 0).get()
        try Posix.connect(c, try Posix.localAddress(s).get()).get()
        let local = try Posix.localAddress(c).get(), peer = try Posix.peerAddress(c).get()
        guard case .found(let live) = SockDiag.state(local: local, peer: peer) else { Issue.record("sock_diag unavailable"); return }
        #expect(live == .established)
        #expect(ProcNet.procState(local: local, peer: peer) == .established)
        _ = Posix.close(c)
        let after = ProcNet.tcpState(local: local, peer: peer)
        #expect(after == .finWait1 || after == .finWait2)
        #expect(ProcNet.procState(local: local, peer: peer) == after || ProcNet.procState(local: local, peer: peer) == .finWait2)
        guard case .absent = SockDiag.state(local: .ipv4(host: "127.0.0.1", port: 1), peer: .ipv4(host: "127.0.0.1", port: 2)) else {
            Issue.record("a connection that does not exist should be absent"); return
        }
    }
}

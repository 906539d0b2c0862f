#if canImport(Glibc)
import Glibc
#endif

/// Linux-only: the kernel's table of TCP connections (/proc/net/tcp and tcp6). It still lists a
/// connection after its descriptor is closed, which is how TIME_WAIT and FIN_WAIT2 can be shown.
public enum ProcNet {
    /// The TCP state of the connection between `local` and `peer`, or nil if the kernel has none.
    /// Asks netlink's sock_diag for that one connection (microseconds); falls back to reading
    /// /proc/net/tcp, which walks every hash bucket (about a millisecond).
    public static func tcpState(local: SocketAddress, peer: SocketAddress) -> TCPState? {
        switch SockDiag.state(local: local, peer: peer) {
        case .found(let s): return s
        case .absent: return nil
        case .unavailable: return procState(local: local, peer: peer)
        }
    }

    static func procState(local: SocketAddress, peer: SocketAddress) -> TCPState? {
        guard let text = tableText(inet6: local.family == .inet6) else { return nil }
        guard let l = key(local), let p = key(peer) else { return nil }
        for line in text.split(separator: "\n").dropFirst() {
            let cols = line.split(separator: " ", omittingEmptySubsequences: true)
            guard cols.count > 3 else { continue }
            if cols[1].uppercased() == l && cols[2].uppercased() == p, let st = UInt8(cols[3], radix: 16) {
                return TCPState(rawValue: st)
            }
        }
        return nil
    }

    /// The whole table as text: read it once, then look up many connections in it.
    public static func tableText(inet6: Bool) -> String? {
        readFile(inet6 ? "/proc/net/tcp6" : "/proc/net/tcp")
    }

    /// "0100007F:A0F1" for 127.0.0.1 port 41201, as the kernel prints it (address in host order bytes).
    static func key(_ a: SocketAddress) -> String? {
        switch a {
        case .ipv4(let h, let p):
            var addr = in_addr()
            guard inet_pton(AF_INET, h, &addr) == 1 else { return nil }
            return hex32(addr.s_addr) + ":" + hex16(p)
        case .ipv6(let h, let p):
            var addr = in6_addr()
            guard inet_pton(AF_INET6, h, &addr) == 1 else { return nil }
            let words: [UInt32] = withUnsafeBytes(of: addr) { raw in
                (0..<4).map { i in raw.load(fromByteOffset: i * 4, as: UInt32.self) }
            }
            return words.map(hex32).joined() + ":" + hex16(p)
        case .unix:
            return nil
        }
    }

    static func hex32(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - s.count) + s
    }
    static func hex16(_ v: UInt16) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - s.count) + s
    }

    static func readFile(_ path: String) -> String? {
        PrivateNetwork.settle()   // /proc/net is the network of the main thread
        return Files.contents(path).map { String(decoding: $0, as: UTF8.self) }
    }
}


/// One exact-match INET_DIAG request over netlink (linux/inet_diag.h), laid out by hand because
/// the headers are not imported into Swift.
enum SockDiag {
    enum Answer { case found(TCPState?), absent, unavailable }

    static func state(local: SocketAddress, peer: SocketAddress) -> Answer {
        PrivateNetwork.settle()
        let family: UInt8
        var src = [UInt8](repeating: 0, count: 16), dst = [UInt8](repeating: 0, count: 16)
        switch (local, peer) {
        case (.ipv4(let lh, _), .ipv4(let ph, _)):
            family = UInt8(AF_INET)
            var a = in_addr(), b = in_addr()
            guard inet_pton(AF_INET, lh, &a) == 1, inet_pton(AF_INET, ph, &b) == 1 else { return .unavailable }
            withUnsafeBytes(of: a) { for i in 0..<4 { src[i] = $0[i] } }
            withUnsafeBytes(of: b) { for i in 0..<4 { dst[i] = $0[i] } }
        case (.ipv6(let lh, _), .ipv6(let ph, _)):
            family = UInt8(AF_INET6)
            var a = in6_addr(), b = in6_addr()
            guard inet_pton(AF_INET6, lh, &a) == 1, inet_pton(AF_INET6, ph, &b) == 1 else { return .unavailable }
            withUnsafeBytes(of: a) { for i in 0..<16 { src[i] = $0[i] } }
            withUnsafeBytes(of: b) { for i in 0..<16 { dst[i] = $0[i] } }
        default:
            return .unavailable
        }
        let AF_NETLINK_: Int32 = 16, NETLINK_SOCK_DIAG_: Int32 = 4, SOCK_DIAG_BY_FAMILY: UInt16 = 20
        let fd = socket(AF_NETLINK_, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_SOCK_DIAG_)
        guard fd >= 0 else { return .unavailable }
        defer { close(fd) }

        var msg: [UInt8] = []
        func u16(_ v: UInt16) { msg += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func u32(_ v: UInt32) { msg += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func be16(_ v: UInt16) { msg += withUnsafeBytes(of: v.bigEndian, Array.init) }
        u32(72); u16(SOCK_DIAG_BY_FAMILY); u16(1 /* NLM_F_REQUEST */); u32(1); u32(0)
        msg += [family, UInt8(IPPROTO_TCP), 0, 0]
        u32(0xFFFF_FFFF)                                   // every state
        be16(local.port ?? 0); be16(peer.port ?? 0)
        msg += src; msg += dst
        u32(0); u32(0xFFFF_FFFF); u32(0xFFFF_FFFF)          // any interface, no cookie
        guard send(fd, msg, msg.count, 0) == msg.count else { return .unavailable }

        var buf = [UInt8](repeating: 0, count: 4096)
        // The kernel answers synchronously inside send; poll bounds the wait all the same.
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 1000) == 1 else { return .unavailable }
        let n = recv(fd, &buf, buf.count, 0)
        guard n >= 16 else { return .unavailable }
        let type = UInt16(buf[4]) | UInt16(buf[5]) << 8
        if type == 2 { // NLMSG_ERROR: the errno follows the header, negated
            let err = Int32(bitPattern: UInt32(buf[16]) | UInt32(buf[17]) << 8 | UInt32(buf[18]) << 16 | UInt32(buf[19]) << 24)
            return -err == ENOENT ? .absent : .unavailable
        }
        guard type == SOCK_DIAG_BY_FAMILY, n >= 24 else { return .unavailable }
        // The kernel's lookup falls back to a listener on the local port once the connection itself
        // is gone: that answer is about another socket, so the connection is absent.
        let answeredPeerPort = UInt16(buf[22]) << 8 | UInt16(buf[23])
        if answeredPeerPort != (peer.port ?? 0) || TCPState(rawValue: buf[17]) == .listen { return .absent }
        return .found(TCPState(rawValue: buf[17]))
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// TCP states as the kernel numbers them in `tcp_info.tcpi_state`.
public enum TCPState: UInt8, Sendable, CaseIterable {
    case established = 1, synSent, synReceived, finWait1, finWait2, timeWait, closed, closeWait, lastAck, listen, closing
    public var name: String {
        switch self {
        case .established: return "ESTABLISHED"
        case .synSent: return "SYN_SENT"
        case .synReceived: return "SYN_RECV"
        case .finWait1: return "FIN_WAIT1"
        case .finWait2: return "FIN_WAIT2"
        case .timeWait: return "TIME_WAIT"
        case .closed: return "CLOSED"
        case .closeWait: return "CLOSE_WAIT"
        case .lastAck: return "LAST_ACK"
        case .listen: return "LISTEN"
        case .closing: return "CLOSING"
        }
    }
    public init?(name: String) {
        let n = name == "SYN_RECEIVED" ? "SYN_RECV" : name
        guard let s = TCPState.allCases.first(where: { $0.name == n }) else { return nil }
        self = s
    }
}

/// What the kernel knows about a TCP socket, read with getsockopt(TCP_INFO).
public struct TCPInfo: Sendable, Hashable {
    public var state: TCPState?
    /// For a connection: segments sent but not acknowledged. For a listener: connections waiting in
    /// the accept queue (the kernel reuses the field).
    public var unacked: UInt32
    /// For a listener: the accept queue's limit (the backlog).
    public var sacked: UInt32
}

extension Posix {
    public static func tcpInfo(_ fd: SocketFD) -> TCPInfo? {
        var info = tcp_info()
        var len = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd.rawValue, Int32(IPPROTO_TCP), Int32(TCP_INFO), &info, &len) == 0 else { return nil }
        return TCPInfo(state: TCPState(rawValue: info.tcpi_state), unacked: info.tcpi_unacked, sacked: info.tcpi_sacked)
    }

    /// Bytes waiting to be read (FIONREAD); for a listener, Linux reports 0.
    public static func bytesReadable(_ fd: SocketFD) -> Int? {
        var n: Int32 = 0
        return ioctl(fd.rawValue, UInt(FIONREAD), &n) == 0 ? Int(n) : nil
    }

    /// Bytes in the send queue not yet acknowledged by the peer (SIOCOUTQ, TCP) or not yet sent.
    public static func bytesUnacknowledged(_ fd: SocketFD) -> Int? {
        var n: Int32 = 0
        return ioctl(fd.rawValue, UInt(TIOCOUTQ), &n) == 0 ? Int(n) : nil
    }

    /// The socket's type (SOCK_STREAM, SOCK_DGRAM) as the kernel reports it.
    public static func socketType(_ fd: SocketFD) -> Int32? {
        if case .success(let t) = getOption(fd, level: SOL_SOCKET, name: SO_TYPE) { return t }
        return nil
    }
}

extension Posix {
    /// The inode of a socket descriptor: unique among open sockets, and not reused at once like
    /// descriptor numbers, so tests running in parallel can tell exactly which sockets leaked.
    public static func inode(_ fd: SocketFD) -> UInt64? {
        var st = stat()
        return fstat(fd.rawValue, &st) == 0 ? UInt64(st.st_ino) : nil
    }

    /// Inodes of every socket this process has open, read from /proc/self/fd ("socket:[12345]").
    public static func openSocketInodes() -> Set<UInt64> {
        guard let dir = opendir("/proc/self/fd") else { return [] }
        defer { closedir(dir) }
        var out: Set<UInt64> = []
        var buf = [CChar](repeating: 0, count: 64)
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let n = readlink("/proc/self/fd/" + name, &buf, buf.count - 1)
            guard n > 0 else { continue }
            let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if target.hasPrefix("socket:["), let v = UInt64(target.dropFirst(8).dropLast()) { out.insert(v) }
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// An address a socket can have: IPv4, IPv6 or a Unix-domain path.
public enum SocketAddress: Hashable, Sendable, CustomStringConvertible {
    case ipv4(host: String, port: UInt16)
    case ipv6(host: String, port: UInt16)
    case unix(path: String)

    public var port: UInt16? {
        switch self {
        case .ipv4(_, let p), .ipv6(_, let p): return p
        case .unix: return nil
        }
    }
    public var host: String? {
        switch self {
        case .ipv4(let h, _), .ipv6(let h, _): return h
        case .unix: return nil
        }
    }
    public var family: AddressFamily {
        switch self {
        case .ipv4: return .inet
        case .ipv6: return .inet6
        case .unix: return .unix
        }
    }

    /// "127.0.0.1:41217", "[::1]:41217" or the Unix path.
    public var description: String {
        switch self {
        case .ipv4(let h, let p): return h + ":" + String(p)
        case .ipv6(let h, let p): return "[" + h + "]:" + String(p)
        case .unix(let path): return path.isEmpty ? "(unnamed)" : path
        }
    }

    /// True for 127.0.0.0/8, ::1, ::ffff:127.x.x.x and Unix paths (those are checked elsewhere).
    public var isLoopback: Bool {
        switch self {
        case .ipv4(let h, _): return SocketAddress.isLoopbackIPv4(h)
        case .ipv6(let h, _): return SocketAddress.isLoopbackIPv6(h)
        case .unix: return true
        }
    }

    /// The wildcard addresses: binding to them is local, but they also listen on real interfaces.
    public var isWildcard: Bool {
        switch self {
        case .ipv4(let h, _): return h == "0.0.0.0"
        case .ipv6(let h, _): return SocketAddress.canonicalIPv6(h) == "::"
        case .unix: return false
        }
    }

    public static func isLoopbackIPv4(_ text: String) -> Bool {
        var a = in_addr()
        guard inet_pton(AF_INET, text, &a) == 1 else { return false }
        return (UInt32(bigEndian: a.s_addr) >> 24) == 127
    }
    public static func isValidIPv4(_ text: String) -> Bool {
        var a = in_addr()
        return inet_pton(AF_INET, text, &a) == 1
    }
    public static func isValidIPv6(_ text: String) -> Bool {
        var a = in6_addr()
        return inet_pton(AF_INET6, text, &a) == 1
    }
    public static func isLoopbackIPv6(_ text: String) -> Bool {
        guard let c = canonicalIPv6(text) else { return false }
        if c == "::1" { return true }
        if c.hasPrefix("::ffff:") { return isLoopbackIPv4(String(c.dropFirst(7))) }
        return false
    }
    /// True for 224.0.0.0/4: multicast groups may be joined on loopback.
    public static func isMulticastIPv4(_ text: String) -> Bool {
        var a = in_addr()
        guard inet_pton(AF_INET, text, &a) == 1 else { return false }
        return (UInt32(bigEndian: a.s_addr) >> 28) == 0xE
    }
    public static func canonicalIPv6(_ text: String) -> String? {
        var a = in6_addr()
        guard inet_pton(AF_INET6, text, &a) == 1 else { return nil }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count)) != nil else { return nil }
        return stringFromCBuffer(buf)
    }

    /// Calls `body` with this address as a C `sockaddr`; nil when the text is not an address.
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R? {
        switch self {
        case .ipv4(let host, let port):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &sin.sin_addr) == 1 else { return nil }
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .ipv6(let host, let port):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1 else { return nil }
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        case .unix(let path):
            var sun = sockaddr_un()
            sun.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            let capacity = MemoryLayout.size(ofValue: sun.sun_path)
            guard bytes.count < capacity else { return nil }
            withUnsafeMutableBytes(of: &sun.sun_path) { raw in
                for (i, b) in bytes.enumerated() { raw[i] = b }
                raw[bytes.count] = 0
            }
            let len = MemoryLayout<sa_family_t>.size + bytes.count + 1
            return withUnsafePointer(to: &sun) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(len)) }
            }
        }
    }

    /// An IPv4 address (host byte order) as text, "127.0.0.1". By hand: glibc's inet_ntop formats
    /// with sprintf, and every step's socket snapshot names each socket's two addresses.
    public static func dottedQuad(_ address: UInt32) -> String {
        String(unsafeUninitializedCapacity: 15) { out in
            var n = 0
            for k in 0..<4 {
                let octet = UInt8(truncatingIfNeeded: address >> UInt32(24 - 8 * k))
                if k > 0 { out[n] = UInt8(ascii: "."); n += 1 }
                if octet >= 100 { out[n] = 0x30 + octet / 100; n += 1 }
                if octet >= 10 { out[n] = 0x30 + (octet / 10) % 10; n += 1 }
                out[n] = 0x30 + octet % 10
                n += 1
            }
            return n
        }
    }

    /// An IPv6 address as inet_ntop writes it; the two a lesson meets most ("::" and "::1") without
    /// formatting.
    public static func ipv6Text(_ address: in6_addr) -> String {
        var address = address
        let bytes = withUnsafeBytes(of: &address) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) {
            if bytes[15] == 0 { return "::" }
            if bytes[15] == 1 { return "::1" }
        }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(AF_INET6, &address, &buf, socklen_t(buf.count))
        return stringFromCBuffer(buf)
    }

    /// Reads an address the kernel wrote into a `sockaddr_storage`.
    init?(storage: sockaddr_storage, length: socklen_t) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let sin = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
            self = .ipv4(host: SocketAddress.dottedQuad(UInt32(bigEndian: sin.sin_addr.s_addr)), port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            self = .ipv6(host: SocketAddress.ipv6Text(sin6.sin6_addr), port: UInt16(bigEndian: sin6.sin6_port))
        case AF_UNIX:
            let pathOffset = MemoryLayout<sa_family_t>.size
            let count = max(0, Int(length) - pathOffset)
            let path: String = withUnsafeBytes(of: &storage) { raw in
                var bytes = Array(raw[pathOffset..<min(raw.count, pathOffset + count)])
                if let nul = bytes.firstIndex(of: 0) { bytes = Array(bytes[..<nul]) }
                return String(decoding: bytes, as: UTF8.self)
            }
            self = .unix(path: path)
        default:
            return nil
        }
    }

    /// The address as `strace` prints it inside a call.
    public var straceText: String {
        switch self {
        case .ipv4(let h, let p):
            return "{sa_family=AF_INET, sin_port=htons(\(p)), sin_addr=inet_addr(\"\(h)\")}"
        case .ipv6(let h, let p):
            return "{sa_family=AF_INET6, sin6_port=htons(\(p)), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"\(h)\", &sin6_addr), sin6_scope_id=0}"
        case .unix(let path):
            return "{sa_family=AF_UNIX, sun_path=\"\(path)\"}"
        }
    }
    public var straceLength: Int {
        switch self {
        case .ipv4: return MemoryLayout<sockaddr_in>.size
        case .ipv6: return MemoryLayout<sockaddr_in6>.size
        case .unix(let path): return MemoryLayout<sa_family_t>.size + path.utf8.count + 1
        }
    }
}

public enum AddressFamily: Int32, Sendable, Hashable, CaseIterable {
    case inet, inet6, unix
    public var cValue: Int32 {
        switch self {
        case .inet: return AF_INET
        case .inet6: return AF_INET6
        case .unix: return AF_UNIX
        }
    }
    public var name: String {
        switch self {
        case .inet: return "AF_INET"
        case .inet6: return "AF_INET6"
        case .unix: return "AF_UNIX"
        }
    }
    public init?(cValue: Int32) {
        switch cValue {
        case AF_INET: self = .inet
        case AF_INET6: self = .inet6
        case AF_UNIX: self = .unix
        default: return nil
        }
    }
}

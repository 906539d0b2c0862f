#if canImport(Glibc)
import Glibc
#endif

/// Linux-only: the kernel's table of TCP connections (/proc/net/tcp and tcp6). It still lists a
/// connection after its descriptor is closed, which is how TIME_WAIT and FIN_WAIT2 can be shown.
public enum ProcNet {
    /// The TCP state of the connection between `local` and `peer`, or nil if the kernel has none.
    public static func tcpState(local: SocketAddress, peer: SocketAddress) -> TCPState? {
        let file = local.family == .inet6 ? "/proc/net/tcp6" : "/proc/net/tcp"
        guard let text = readFile(file) else { return nil }
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

    /// Both tables read once, for looking up many connections at one moment (the socket table).
    public struct Table: Sendable {
        var states: [String: TCPState] = [:]
        public func state(local: SocketAddress, peer: SocketAddress) -> TCPState? {
            guard let l = ProcNet.key(local), let p = ProcNet.key(peer) else { return nil }
            return states[l + " " + p]
        }
    }

    public static func table() -> Table {
        var t = Table()
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = readFile(file) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let cols = line.split(separator: " ", omittingEmptySubsequences: true)
                guard cols.count > 3, let st = UInt8(cols[3], radix: 16), let state = TCPState(rawValue: st) else { continue }
                t.states[cols[1].uppercased() + " " + cols[2].uppercased()] = state
            }
        }
        return t
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
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A per-run temporary directory for Unix-domain socket paths; removed with everything in it.
public enum TempDirectory {
    public static func make(prefix: String) -> String? {
        let base = getenv("TMPDIR").map { stringFromCBuffer(Array(UnsafeBufferPointer(start: $0, count: strlen($0) + 1))) } ?? "/tmp"
        var template = Array((base + "/" + prefix + "XXXXXX").utf8CString)
        guard let p = mkdtemp(&template) else { return nil }
        return stringFromCBuffer(Array(UnsafeBufferPointer(start: p, count: strlen(p) + 1)))
    }

    /// Removes the directory's entries (one level: sockets and small files) and the directory.
    public static func remove(_ path: String) {
        if let dir = opendir(path) {
            while let e = readdir(dir) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name == "." || name == ".." { continue }
                unlink(path + "/" + name)
            }
            closedir(dir)
        }
        rmdir(path)
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}

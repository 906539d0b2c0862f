import Sockets

/// Formats system calls as `strace` prints them for the equivalent Python program.
enum Strace {
    /// strace's string form: escaped, cut at 32 bytes with `...`.
    static func string(_ bytes: [UInt8]) -> String {
        var s = "\""
        for b in bytes.prefix(32) {
            switch b {
            case 10: s += "\\n"
            case 13: s += "\\r"
            case 9: s += "\\t"
            case 34: s += "\\\""
            case 92: s += "\\\\"
            case 32..<127: s += String(UnicodeScalar(b))
            default: s += "\\" + String(b, radix: 8)
            }
        }
        s += "\""
        if bytes.count > 32 { s += "..." }
        return s
    }

    static func result(_ r: Result<Int, Errno>) -> String {
        switch r {
        case .success(let v): return String(v)
        case .failure(let e): return "-1 \(e.name) (\(e.message))"
        }
    }

    static func error(_ e: Errno) -> String { "-1 \(e.name) (\(e.message))" }

    static func family(_ f: Int32) -> String { SocketConstants.name(of: f, kind: .family) ?? String(f) }
    static func type(_ t: Int32) -> String { SocketConstants.name(of: t, kind: .type) ?? String(t) }
    static func flags(_ f: Int32) -> String {
        if f == 0 { return "0" }
        let names = ["MSG_PEEK", "MSG_OOB", "MSG_WAITALL", "MSG_DONTWAIT"].compactMap { n -> String? in
            guard let c = SocketConstants.named(n), f & c.value != 0 else { return nil }
            return n
        }
        return names.isEmpty ? String(f) : names.joined(separator: "|")
    }
}

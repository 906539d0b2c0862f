import Sockets

/// A value a step produced or used, shaped like its Python counterpart. Not `indirect`: tuples and
/// lists hold their items in arrays already, and a boxed case cost an allocation per value.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([Value])
    case list([Value])
    /// A socket of the run, by its name in the file.
    case socket(String)

    /// The value as Python's `repr` would print it.
    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return Value.formatFloat(d)
        case .string(let s): return Value.pythonRepr(string: s)
        case .bytes(let b): return Value.pythonRepr(bytes: b)
        case .tuple(let items): return "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .socket(let n): return n
        }
    }

    static func formatFloat(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e15 { return String(Int(d)) + ".0" }
        return String(d)
    }

    /// `b'Hello\r\n'`, with Python's choice of quotes and escapes.
    public static func pythonRepr(bytes: [UInt8], limit: Int? = nil) -> String {
        let hasSingle = bytes.contains(39), hasDouble = bytes.contains(34)
        let q: UInt8 = (hasSingle && !hasDouble) ? 34 : 39
        var s = "b" + String(UnicodeScalar(q))
        for (i, b) in bytes.enumerated() {
            if let limit, i >= limit { s += "…"; break }
            s += escape(b, quote: q)
        }
        return s + String(UnicodeScalar(q))
    }

    static func escape(_ b: UInt8, quote: UInt8) -> String {
        switch b {
        case 92: return "\\\\"
        case 10: return "\\n"
        case 13: return "\\r"
        case 9: return "\\t"
        case quote: return "\\" + String(UnicodeScalar(b))
        case 32..<127: return String(UnicodeScalar(b))
        default:
            let h = String(b, radix: 16)
            return "\\x" + (h.count == 1 ? "0" + h : h)
        }
    }

    public static func pythonRepr(string: String) -> String {
        let q: Character = string.contains("'") && !string.contains("\"") ? "\"" : "'"
        var s = String(q)
        for ch in string.unicodeScalars {
            switch ch {
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            default:
                if Character(ch) == q { s += "\\" + String(q) } else if ch.value < 32 || ch.value == 127 {
                    let h = String(ch.value, radix: 16)
                    s += "\\x" + (h.count == 1 ? "0" + h : h)
                } else { s.unicodeScalars.append(ch) }
            }
        }
        return s + String(q)
    }

    public var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .socket: return "socket"
        }
    }
}

extension Value {
    /// The Python value of an address: (host, port) for IP, the path for Unix sockets.
    static func from(_ address: SocketAddress, runDirectory: String?) -> Value {
        switch address {
        case .ipv4(let h, let p): return .tuple([.string(h), .int(Int(p))])
        case .ipv6(let h, let p): return .tuple([.string(h), .int(Int(p)), .int(0), .int(0)])
        case .unix(let path):
            if let dir = runDirectory, path.hasPrefix(dir + "/") { return .string(String(path.dropFirst(dir.count + 1))) }
            return .string(path)
        }
    }
}

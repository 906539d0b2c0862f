import Runner

/// The socket table, like `ss` prints it: one row a socket.
public enum SocketTableRenderer {
    public static func render(_ rows: [SocketSnapshot], indent: String, style: Style) -> String {
        guard !rows.isEmpty else { return indent + style.dim("(no sockets)") }
        // An accepted connection names its listening parent; the column shows only when one exists.
        let showParent = rows.contains { $0.parent != nil }
        var header = ["name", "fd", "kind", "local", "peer", "state", "to read", "unacked"]
        if showParent { header.append("accepted from") }
        var table: [[String]] = [header]
        for r in rows {
            let kind = kindLabel(r)
            var state = r.state ?? "-"
            if let p = r.pending, let b = r.backlog { state += " (\(p)/\(b) waiting)" }
            if r.closed { state += " (closed)" }
            var row = [r.name, r.fd.map(String.init) ?? "-", kind, r.local ?? "-", r.peer ?? "-", state,
                       r.readable.map(String.init) ?? "-", r.unacked.map(String.init) ?? "-"]
            if showParent { row.append(r.parent ?? "-") }
            table.append(row)
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in table { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        return table.enumerated().map { (i, row) in
            let line = row.enumerated().map { pad($1, widths[$0]) }.joined(separator: "  ")
            let trimmed = String(line.reversed().drop { $0 == " " }.reversed())
            return indent + (i == 0 ? style.dim(trimmed) : trimmed)
        }.joined(separator: "\n")
    }

    static func kindLabel(_ r: SocketSnapshot) -> String {
        let fam = r.family == "AF_INET6" ? "IPv6" : r.family == "AF_UNIX" ? "Unix" : "IPv4"
        let type: String
        switch r.type {
        case "SOCK_STREAM": type = r.family == "AF_UNIX" ? "stream" : "TCP"
        case "SOCK_DGRAM": type = r.family == "AF_UNIX" ? "dgram" : "UDP"
        default: type = "seqpacket"
        }
        return "\(type)/\(fam)"
    }

    /// One line for the socket a step used: "server  TCP/IPv4  127.0.0.1:54171  LISTEN".
    public static func line(_ r: SocketSnapshot) -> String {
        var parts = [r.name, kindLabel(r)]
        if let l = r.local { parts.append(l) }
        if let p = r.peer { parts.append("→ " + p) }
        if let parent = r.parent { parts.append("accepted from " + parent) }
        if let s = r.state { parts.append(s + (r.closed ? " (closed)" : "")) }
        if let p = r.pending, let b = r.backlog { parts.append("\(p) of \(b) waiting to be accepted") }
        if let n = r.readable, n > 0 { parts.append("\(n) byte\(n == 1 ? "" : "s") to read") }
        if let n = r.unacked, n > 0 { parts.append("\(n) byte\(n == 1 ? "" : "s") unacknowledged") }
        return parts.joined(separator: "  ")
    }
}

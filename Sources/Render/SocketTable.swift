import Runner

/// The socket table, like `ss` prints it: one row a socket.
public enum SocketTableRenderer {
    /// Columns a narrow terminal drops first, in this order; a note under the table names them.
    static let droppable = ["fd", "unacked", "accepted from", "to read"]
    /// Left out last, after the state is shortened: the addresses say the family too.
    static let droppableLast = ["kind"]

    public static func render(_ rows: [SocketSnapshot], indent: String, style: Style, width: Int = .max) -> String {
        guard !rows.isEmpty else { return indent + style.dim("(no sockets)") }
        // An accepted connection names its listening parent; the column shows only when one exists.
        let showParent = rows.contains { $0.parent != nil }
        var header = ["name", "fd", "kind", "local", "peer", "state", "to read", "unacked"]
        if showParent { header.append("accepted from") }
        func makeTable(short: Bool) -> [[String]] {
            var table: [[String]] = [header]
            for r in rows {
                let kind = kindLabel(r)
                var state = r.state ?? "-"
                if let p = r.pending, let b = r.backlog { state += short ? " \(p)/\(b)" : " (\(p)/\(b) waiting)" }
                if r.closed { state += " (closed)" }
                var row = [r.name, r.fd.map(String.init) ?? "-", kind, r.local ?? "-", r.peer ?? "-", state,
                           r.readable.map(String.init) ?? "-", r.unacked.map(String.init) ?? "-"]
                if showParent { row.append(r.parent ?? "-") }
                table.append(row)
            }
            return table
        }
        func measure(_ table: [[String]]) -> [Int] {
            var widths = [Int](repeating: 0, count: header.count)
            for row in table { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
            return widths
        }
        var table = makeTable(short: false)
        var widths = measure(table)
        // Too wide for the terminal: drop the least needed columns until it fits, then shorten
        // "LISTEN (1/5 waiting)" to "LISTEN 1/5" (the note says what it means).
        var shown = Array(header.indices)
        var dropped: [String] = []
        var gap = 2
        func total() -> Int { indent.count + shown.map { widths[$0] }.reduce(0, +) + gap * (shown.count - 1) }
        for name in droppable where total() > width {
            guard let i = header.firstIndex(of: name), let at = shown.firstIndex(of: i) else { continue }
            shown.remove(at: at)
            dropped.append(name)
        }
        var shortened = false
        if total() > width, rows.contains(where: { $0.pending != nil && $0.backlog != nil }) {
            table = makeTable(short: true)
            widths = measure(table)
            shortened = true
        }
        for name in droppableLast where total() > width {
            guard let i = header.firstIndex(of: name), let at = shown.firstIndex(of: i) else { continue }
            shown.remove(at: at)
            dropped.append(name)
        }
        if total() > width { gap = 1 }
        var lines = table.enumerated().map { (i, row) in
            let line = shown.map { pad(row[$0], widths[$0]) }.joined(separator: String(repeating: " ", count: gap))
            return indent + (i == 0 ? style.dim(line.trimmingTrailingSpaces) : line.trimmingTrailingSpaces)
        }
        var notes: [String] = []
        if !dropped.isEmpty { notes.append("fit to \(width) columns without " + dropped.joined(separator: ", ")) }
        if shortened { notes.append("LISTEN n/b: n of b waiting") }
        if !notes.isEmpty {
            lines.append(indent + style.dim(Columns.wrap("(" + notes.joined(separator: "; ") + ")", width: max(20, width - indent.count), indent: indent)))
        }
        return lines.joined(separator: "\n")
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
        parts(r).joined(separator: "  ")
    }

    /// The pieces of `line`, for wrapping between them.
    public static func parts(_ r: SocketSnapshot) -> [String] {
        var parts = [r.name, kindLabel(r)]
        if let l = r.local { parts.append(l) }
        if let p = r.peer { parts.append("→ " + p) }
        if let parent = r.parent { parts.append("accepted from " + parent) }
        if let s = r.state { parts.append(s + (r.closed ? " (closed)" : "")) }
        if let p = r.pending, let b = r.backlog { parts.append("\(p) of \(b) waiting to be accepted") }
        if let n = r.readable, n > 0 { parts.append("\(n) byte\(n == 1 ? "" : "s") to read") }
        if let n = r.unacked, n > 0 { parts.append("\(n) byte\(n == 1 ? "" : "s") unacknowledged") }
        return parts
    }
}

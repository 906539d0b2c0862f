import Runner

/// The sequence diagram as inline SVG for the HTML page: the same model as the terminal diagram,
/// with a <title> and <desc> for screen readers (the page also lists the exchange as a table).
public enum SVGDiagram {
    static let columnWidth = 220
    static let margin = 36
    static let charWidth = 7.3

    /// `id` keeps the arrowhead markers of several diagrams on one page apart.
    public static func render(model: DiagramModel, title: String, id: String = "sd") -> String {
        let n = model.actors.count
        guard n > 0 else { return "" }
        let xs = (0..<n).map { margin + columnWidth / 2 + $0 * columnWidth }
        let width = margin * 2 + n * columnWidth
        var body: [String] = []
        var y = 64
        let maxChars = Int(Double(columnWidth - 18) / charWidth)

        for row in model.rows {
            var first = true
            let rowTop = y
            for item in row.items {
                switch item {
                case .call(let a, let text, let result, let kind):
                    y += 20
                    var label = text
                    if let result {
                        switch kind {
                        case .error: label += " ✗ " + result
                        case .blocked: label += " ⋯ " + result
                        case .notRun: label += " (not run)"
                        default: label += " → " + result
                        }
                    }
                    let limit = a == n - 1 ? maxChars + 12 : maxChars
                    let cls = kind == .error ? "sd-call sd-error" : kind == .notRun ? "sd-call sd-notrun" : "sd-call"
                    body.append("<circle cx=\"\(xs[a])\" cy=\"\(y - 4)\" r=\"4\" class=\"\(kind == .error ? "sd-dot sd-error" : "sd-dot")\"/>")
                    body.append(textElement(x: xs[a] + 10, y: y, label, limit: limit, cls: cls))
                case .arrow(let f, let t, let label, let detail, let kind):
                    y += 24
                    let full = label + (detail.map { " (\($0))" } ?? "")
                    let cls = "sd-arrow sd-\(kind.rawValue)"
                    if f == t {
                        let x = xs[f]
                        body.append("<path d=\"M\(x) \(y - 10) h24 v12 h-20\" class=\"\(cls)\" marker-end=\"url(#\(id)-\(kind.rawValue))\"/>")
                        body.append(textElement(x: x + 30, y: y - 2, full, limit: maxChars - 4, cls: "sd-label sd-\(kind.rawValue)"))
                    } else {
                        let x1 = xs[f] + (xs[t] > xs[f] ? 1 : -1)
                        let x2 = xs[t] + (xs[t] > xs[f] ? -3 : 3)
                        body.append("<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2)\" y2=\"\(y)\" class=\"\(cls)\" marker-end=\"url(#\(id)-\(kind.rawValue))\"/>")
                        let span = abs(xs[t] - xs[f])
                        let chars = Int(Double(span - 12) / charWidth)
                        let shown = full.count > chars ? String(full.prefix(max(1, chars - 1))) + "…" : full
                        body.append("<text x=\"\((xs[f] + xs[t]) / 2)\" y=\"\(y - 5)\" text-anchor=\"middle\" class=\"sd-label sd-\(kind.rawValue)\">\(HTMLRenderer.escape(shown))</text>")
                    }
                case .state(let a, let socket, let state):
                    y += 18
                    let label = socket == model.actors[a].name ? state : "\(socket): \(state)"
                    body.append(textElement(x: xs[a] + 10, y: y, label, limit: maxChars, cls: "sd-state"))
                }
                if first {
                    body.append("<text x=\"6\" y=\"\(y)\" class=\"sd-step\(row.failed ? " sd-error" : "")\">\(row.failed ? "✗" : "")\(row.index)</text>")
                    first = false
                }
            }
            if row.items.isEmpty { y += 8 }
            if row.failed && y > rowTop {
                body.insert("<rect x=\"2\" y=\"\(rowTop + 4)\" width=\"\(width - 4)\" height=\"\(y - rowTop + 2)\" class=\"sd-failed\"/>", at: 0)
            }
        }
        if let first = model.notRun.first, let last = model.notRun.last {
            y += 26
            let what = first == last ? "Step \(first) was" : "Steps \(first)–\(last) were"
            body.append("<text x=\"6\" y=\"\(y)\" class=\"sd-step\">\(what) not run: an earlier step stopped the run.</text>")
        }
        if let note = model.packetSourceNote {
            y += 26
            body.append("<text x=\"6\" y=\"\(y)\" class=\"sd-step\">\(HTMLRenderer.escape(note.prefix(1).uppercased() + note.dropFirst())).</text>")
        }
        let height = y + 24

        var head: [String] = []
        for (i, actor) in model.actors.enumerated() {
            let x = xs[i]
            let name = actor.name.count > 24 ? String(actor.name.prefix(23)) + "…" : actor.name
            let w = max(60, Int(Double(name.count) * charWidth) + 20)
            head.append("<line x1=\"\(x)\" y1=\"40\" x2=\"\(x)\" y2=\"\(height - 8)\" class=\"sd-lifeline\(actor.outside ? " sd-outside" : "")\"/>")
            if actor.outside {
                head.append("<text x=\"\(x)\" y=\"30\" text-anchor=\"middle\" class=\"sd-actor sd-outside\">\(HTMLRenderer.escape(name))</text>")
            } else {
                head.append("<rect x=\"\(x - w / 2)\" y=\"12\" width=\"\(w)\" height=\"28\" rx=\"4\" class=\"sd-box\"/>")
                head.append("<text x=\"\(x)\" y=\"31\" text-anchor=\"middle\" class=\"sd-actor\">\(HTMLRenderer.escape(name))</text>")
            }
        }
        var markers: [String] = []
        for kind in ["handshake", "data", "datagram", "fin", "rst", "connection", "eof"] {
            markers.append("<marker id=\"\(id)-\(kind)\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"sd-head sd-\(kind)\"/></marker>")
        }
        let desc = describe(model)
        return """
        <svg xmlns="http://www.w3.org/2000/svg" class="sequence-diagram" role="img" aria-label="\(HTMLRenderer.escape(title))" \
        viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)">
        <title>\(HTMLRenderer.escape(title))</title>
        <desc>\(HTMLRenderer.escape(desc))</desc>
        <defs>\(markers.joined())</defs>
        \((head + body).joined(separator: "\n"))
        </svg>
        """
    }

    static func textElement(x: Int, y: Int, _ s: String, limit: Int, cls: String) -> String {
        let shown = s.count > limit ? String(s.prefix(max(1, limit - 1))) + "…" : s
        let full = shown == s ? "" : "<title>\(HTMLRenderer.escape(s))</title>"
        return "<text x=\"\(x)\" y=\"\(y)\" class=\"\(cls)\">\(full)\(HTMLRenderer.escape(shown))</text>"
    }

    /// One paragraph that says what the picture shows.
    static func describe(_ model: DiagramModel) -> String {
        let names = model.actors.map(\.name)
        var arrows = 0, calls = 0
        for row in model.rows {
            for item in row.items {
                switch item {
                case .call: calls += 1
                case .arrow: arrows += 1
                case .state: break
                }
            }
        }
        let who = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!
        return "A sequence diagram with one column for each of \(who), time going down: \(calls) call\(calls == 1 ? "" : "s") "
            + "and \(arrows) packet\(arrows == 1 ? "" : "s") between them. The table after the diagram lists every call and packet in order."
    }
}

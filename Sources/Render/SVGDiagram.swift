import Runner

/// The sequence diagram as inline SVG for the HTML page: the same model as the terminal diagram,
/// with a <title> and <desc> for screen readers (the page also lists the exchange as a table).
public enum SVGDiagram {
    /// The labels are 12 px monospace: a character is 0.6 em = 7.2 px in the usual monospace fonts
    /// (DejaVu/Liberation Mono, Menlo, Consolas is narrower); 7.3 leaves a little room. A character
    /// outside ASCII (✗ → ⋯, or a name in another script) may come from a wider fallback font, so it
    /// counts twice.
    static let charWidth = 7.3
    static let margin = 36
    /// The narrowest column: a diagram of short labels still reads as columns.
    static let minColumn = 160
    /// Longer labels are cut with … (the whole text stays as the label's tooltip).
    static let maxLabel = 80
    /// Room between a label and the next lifeline.
    static let gutter = 12

    /// The width `s` takes, in pixels.
    static func textWidth(_ s: String) -> Int {
        let cells = s.unicodeScalars.reduce(0) { $0 + ($1.isASCII ? 1 : 2) }
        return Int((Double(cells) * charWidth).rounded(.up))
    }

    static func shorten(_ s: String, _ limit: Int) -> String { s.count > limit ? String(s.prefix(max(1, limit - 1))) + "…" : s }

    /// The label of a call, as drawn.
    static func callLabel(_ text: String, _ result: String?, _ kind: DiagramModel.ResultKind) -> String {
        var label = text
        if let result {
            switch kind {
            case .error: label += " ✗ " + result
            case .blocked: label += " ⋯ " + result
            case .notRun: label += " (not run)"
            default: label += " → " + result
            }
        }
        return label
    }

    static func stateLabel(_ model: DiagramModel, _ a: Int, _ socket: String, _ state: String) -> String {
        socket == model.actors[a].name ? state : "\(socket): \(state)"
    }

    /// Where the lifelines go and how wide the picture is: every column as wide as its widest
    /// label needs (a call or a state written right of its lifeline, an arrow's label between two
    /// lifelines, the actor's box), at least `minColumn`.
    struct Layout {
        var xs: [Int]
        var width: Int
        var boxWidths: [Int]
    }

    static func layout(_ model: DiagramModel) -> Layout {
        let n = model.actors.count
        let boxes = model.actors.map { max(60, textWidth(shorten($0.name, 32)) + 20) }
        // What must fit right of each lifeline, before the next one (or the picture's edge).
        var right = boxes.map { $0 / 2 }
        var spans: [(lo: Int, hi: Int, need: Int)] = []
        for row in model.rows {
            for item in row.items {
                switch item {
                case .call(let a, let text, let result, let kind):
                    right[a] = max(right[a], 10 + textWidth(shorten(callLabel(text, result, kind), maxLabel)))
                case .state(let a, let socket, let state):
                    right[a] = max(right[a], 10 + textWidth(shorten(stateLabel(model, a, socket, state), maxLabel)))
                case .arrow(let f, let t, let label, let detail, _):
                    let full = shorten(label + (detail.map { " (\($0))" } ?? ""), maxLabel)
                    if f == t {
                        right[f] = max(right[f], 30 + textWidth(full))
                    } else {
                        spans.append((min(f, t), max(f, t), textWidth(full) + 16))
                    }
                }
            }
        }
        var gaps = (0..<max(0, n - 1)).map { i in max(minColumn, right[i] + gutter, boxes[i] / 2 + boxes[i + 1] / 2 + 16) }
        // An arrow's label sits between its two lifelines: widen the columns it crosses, evenly.
        for span in spans.sorted(by: { $0.hi - $0.lo < $1.hi - $1.lo }) {
            let have = gaps[span.lo..<span.hi].reduce(0, +)
            if have < span.need {
                let count = span.hi - span.lo
                let extra = (span.need - have + count - 1) / count
                for i in span.lo..<span.hi { gaps[i] += extra }
            }
        }
        var xs = [margin + max(74, boxes[0] / 2)]
        for g in gaps { xs.append(xs[xs.count - 1] + g) }
        var width = xs[n - 1] + max(right[n - 1], minColumn / 2) + margin
        if let first = model.notRun.first, let last = model.notRun.last {
            width = max(width, 6 + textWidth(notRunText(first, last)) + margin)
        }
        return Layout(xs: xs, width: width, boxWidths: boxes)
    }

    static func notRunText(_ first: Int, _ last: Int) -> String {
        let what = first == last ? "Step \(first) was" : "Steps \(first)–\(last) were"
        return "\(what) not run: an earlier step stopped the run."
    }

    /// `id` keeps the arrowhead markers of several diagrams on one page apart.
    public static func render(model: DiagramModel, title: String, id: String = "sd") -> String {
        let n = model.actors.count
        guard n > 0 else { return "" }
        let layout = layout(model)
        let xs = layout.xs
        let width = layout.width
        var body: [String] = []
        var y = 64

        for row in model.rows {
            var first = true
            let rowTop = y
            for item in row.items {
                switch item {
                case .call(let a, let text, let result, let kind):
                    y += 20
                    let cls = kind == .error ? "sd-call sd-error" : kind == .notRun ? "sd-call sd-notrun" : "sd-call"
                    body.append("<circle cx=\"\(xs[a])\" cy=\"\(y - 4)\" r=\"4\" class=\"\(kind == .error ? "sd-dot sd-error" : "sd-dot")\"/>")
                    body.append(textElement(x: xs[a] + 10, y: y, callLabel(text, result, kind), limit: maxLabel, cls: cls))
                case .arrow(let f, let t, let label, let detail, let kind):
                    y += 24
                    let full = label + (detail.map { " (\($0))" } ?? "")
                    let cls = "sd-arrow sd-\(kind.rawValue)"
                    if f == t {
                        let x = xs[f]
                        body.append("<path d=\"M\(x) \(y - 10) h24 v12 h-20\" class=\"\(cls)\" marker-end=\"url(#\(id)-\(kind.rawValue))\"/>")
                        body.append(textElement(x: x + 30, y: y - 2, full, limit: maxLabel, cls: "sd-label sd-\(kind.rawValue)"))
                    } else {
                        let x1 = xs[f] + (xs[t] > xs[f] ? 1 : -1)
                        let x2 = xs[t] + (xs[t] > xs[f] ? -3 : 3)
                        body.append("<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2)\" y2=\"\(y)\" class=\"\(cls)\" marker-end=\"url(#\(id)-\(kind.rawValue))\"/>")
                        let shown = shorten(full, maxLabel)
                        let tip = shown == full ? "" : "<title>\(HTMLRenderer.escape(full))</title>"
                        body.append("<text x=\"\((xs[f] + xs[t]) / 2)\" y=\"\(y - 5)\" text-anchor=\"middle\" class=\"sd-label sd-\(kind.rawValue)\">\(tip)\(HTMLRenderer.escape(shown))</text>")
                    }
                case .state(let a, let socket, let state):
                    y += 18
                    body.append(textElement(x: xs[a] + 10, y: y, stateLabel(model, a, socket, state), limit: maxLabel, cls: "sd-state"))
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
            body.append("<text x=\"6\" y=\"\(y)\" class=\"sd-step\">\(notRunText(first, last))</text>")
        }
        if let note = model.packetSourceNote {
            y += 26
            body.append("<text x=\"6\" y=\"\(y)\" class=\"sd-step\">\(HTMLRenderer.escape(note.prefix(1).uppercased() + note.dropFirst())).</text>")
        }
        let height = y + 24

        var head: [String] = []
        for (i, actor) in model.actors.enumerated() {
            let x = xs[i]
            let name = shorten(actor.name, 32)
            let w = layout.boxWidths[i]
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

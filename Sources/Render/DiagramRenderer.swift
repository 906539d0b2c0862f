import Runner
import ScenarioFormat

/// The sequence diagram of a run, for the terminal: one column per actor, time going down, each
/// call on its actor's line, arrows for the handshake, data, FIN, RST and datagrams, and a label
/// when a TCP state changes. Box drawing on a UTF-8 terminal, ASCII otherwise; fits `width`.
///
///          ┌────────┐                          ┌────────┐
///          │ server │                          │ client │
///          └───┬────┘                          └───┬────┘
///       5      │                                   ● connect(server.address)
///              │◀─────────────── SYN ──────────────┤
public enum DiagramRenderer {
    public struct Options: Sendable {
        /// Columns: a listener with its connections, and so on (from the file's `actors:`).
        public var actors: ActorAnnotation?
        /// Ports as P1, P2… (stable output for tests and documentation).
        public var normalizePorts = false
        public init(actors: ActorAnnotation? = nil, normalizePorts: Bool = false) {
            self.actors = actors
            self.normalizePorts = normalizePorts
        }
    }

    /// The diagram of `events` (all of a run, or the steps run so far in learn mode).
    public static func render(events: [Event], style: Style, width: Int = 80) -> String {
        render(events: events, style: style, width: width, options: Options())
    }

    public static func render(events: [Event], style: Style, width: Int = 80, options: Options) -> String {
        let model = DiagramModel.build(events: events, actors: options.actors,
                                       options: DiagramModel.Options(normalizePorts: options.normalizePorts))
        return render(model: model, style: style, width: width)
    }

    /// The diagram of a whole run, with the columns its file's `actors:` front matter asks for.
    public static func render(_ result: RunResult, style: Style, width: Int = 80, normalizePorts: Bool = false) -> String {
        let model = DiagramModel.build(result, actors: ActorAnnotation(document: result.document),
                                       options: DiagramModel.Options(normalizePorts: normalizePorts))
        return render(model: model, style: style, width: width)
    }

    public static func render(model: DiagramModel, style: Style, width: Int = 80) -> String {
        guard !model.actors.isEmpty else { return style.dim("(no sockets, so nothing to draw)") + "\n" }
        var layout = TextLayout(model: model, glyphs: Glyphs(unicode: style.unicode), width: max(40, width))
        let note = model.packetSourceNote.map { wrapNote($0, width: max(40, width)).map { "      " + style.dim($0) + "\n" }.joined() } ?? ""
        return layout.draw().map { $0.text(style) }.joined(separator: "\n") + "\n" + note
    }
}

/// The note under a diagram, in lines that fit the diagram's width after its 6-column indent.
func wrapNote(_ text: String, width: Int) -> [String] {
    var lines: [String] = [], line = ""
    for word in text.split(separator: " ") {
        if !line.isEmpty && line.count + 1 + word.count > width - 6 { lines.append(line); line = "" }
        line += (line.isEmpty ? "" : " ") + word
    }
    if !line.isEmpty { lines.append(line) }
    return lines
}

/// The characters a diagram is drawn with.
struct Glyphs {
    let unicode: Bool
    var lifeline: Character { unicode ? "│" : "|" }
    var dotted: Character { unicode ? "┊" : ":" }
    var marker: Character { unicode ? "●" : "*" }
    var line: Character { unicode ? "─" : "-" }
    var dashed: Character { unicode ? "╌" : "." }
    var right: Character { unicode ? "▶" : ">" }
    var left: Character { unicode ? "◀" : "<" }
    var teeRight: Character { unicode ? "├" : "|" }
    var teeLeft: Character { unicode ? "┤" : "|" }
    var cross: Character { unicode ? "┼" : "+" }
    var loopTop: Character { unicode ? "┐" : "+" }
    var loopBottom: Character { unicode ? "┘" : "+" }
    var fail: Character { unicode ? "✗" : "X" }
    var arrow: String { unicode ? "→" : "->" }
    var errorMark: String { unicode ? "✗" : "ERROR" }
    var waits: String { unicode ? "⋯" : "..." }
    var ellipsis: String { unicode ? "…" : "..." }
    var box: (tl: Character, tr: Character, bl: Character, br: Character, h: Character, v: Character, tee: Character) {
        unicode ? ("┌", "┐", "└", "┘", "─", "│", "┬") : ("+", "+", "+", "+", "-", "|", "+")
    }
}

/// One character of the picture and how it is painted.
struct Cell {
    var ch: Character = " "
    var paint: Paint?
}

enum Paint { case red, green, yellow, cyan, dim, bold }

/// One line of the picture.
struct Canvas {
    var cells: [Cell]
    init(width: Int) { cells = Array(repeating: Cell(), count: width) }

    mutating func put(_ x: Int, _ ch: Character, _ paint: Paint? = nil) {
        guard x >= 0 && x < cells.count else { return }
        cells[x] = Cell(ch: ch, paint: paint)
    }

    mutating func write(_ x: Int, _ s: String, _ paint: Paint? = nil) {
        for (i, ch) in s.enumerated() { put(x + i, ch, paint) }
    }

    func text(_ style: Style) -> String {
        var end = cells.count
        while end > 0 && cells[end - 1].ch == " " { end -= 1 }
        var out = ""
        var i = 0
        while i < end {
            let paint = cells[i].paint
            var run = ""
            while i < end && cells[i].paint == paint { run.append(cells[i].ch); i += 1 }
            switch paint {
            case .red?: out += style.red(run)
            case .green?: out += style.green(run)
            case .yellow?: out += style.yellow(run)
            case .cyan?: out += style.cyan(run)
            case .dim?: out += style.dim(run)
            case .bold?: out += style.bold(run)
            case nil: out += run
            }
        }
        return out
    }

    /// The plain text of cells `from..<to`.
    func plain(_ from: Int, _ to: Int) -> String { String(cells[max(0, from)..<min(cells.count, to)].map(\.ch)) }
}

/// Places the model's items on lines: columns at fixed positions, labels wrapped to their column.
struct TextLayout {
    let model: DiagramModel
    let g: Glyphs
    let width: Int
    /// Width of the step-number gutter.
    let gutter = 5
    var xs: [Int] = []

    init(model: DiagramModel, glyphs: Glyphs, width: Int) {
        self.model = model
        self.g = glyphs
        self.width = width
        let n = model.actors.count
        let x0 = gutter + 5
        // Each column as wide as its labels want (and the arrows to its right neighbour), within
        // bounds; the room left over is shared out; too little, and every column gives way.
        let least = model.actors.enumerated().map { (i, a) in
            a.outside ? (i == n - 1 ? max(6, a.name.count / 2 + 2) : max(8, a.name.count + 2)) : 12
        }
        var want = least
        for row in model.rows {
            for item in row.items {
                switch item {
                case .call(let a, let text, let result, _):
                    want[a] = max(want[a], text.count + (result.map { $0.count + 3 } ?? 0) + 3)
                case .state(let a, let socket, let state):
                    want[a] = max(want[a], socket.count + state.count + 6)
                case .arrow(let f, let t, let label, let detail, _) where abs(f - t) == 1:
                    want[min(f, t)] = max(want[min(f, t)], label.count + (detail.map { $0.count + 3 } ?? 0) + 8)
                default: break
                }
            }
        }
        want = zip(want, least).map { max($1, min($0, 44)) }
        let total = width - x0
        let sum = want.reduce(0, +), floor = least.reduce(0, +)
        var widths: [Int]
        if sum <= total {
            let extra = (total - sum) / n
            widths = want.map { $0 + extra }
        } else if floor < total {
            widths = zip(want, least).map { $1 + ($0 - $1) * (total - floor) / max(1, sum - floor) }
        } else {
            // More actors than 80 columns hold comfortably: equal, narrow columns (an `actors:`
            // line in the file's front matter groups them better).
            widths = Array(repeating: max(4, total / n), count: n)
        }
        var x = x0
        for w in widths {
            xs.append(x)
            x += w
        }
    }

    /// Where a label of actor `a` may go: from after its marker to before the next lifeline.
    func area(_ a: Int) -> (start: Int, width: Int) {
        let start = xs[a] + 2
        let end = a + 1 < xs.count ? xs[a + 1] - 1 : width
        return (start, max(4, end - start))
    }

    func blank() -> Canvas {
        var c = Canvas(width: width)
        for (i, x) in xs.enumerated() { c.put(x, model.actors[i].outside ? g.dotted : g.lifeline, .dim) }
        return c
    }

    mutating func draw() -> [Canvas] {
        var lines = header()
        for row in model.rows {
            var rowLines: [Canvas] = []
            var i = 0
            while i < row.items.count {
                switch row.items[i] {
                case .call(let a, let text, let result, let kind):
                    rowLines += call(a, text, result, kind, expected: row.expected)
                    i += 1
                case .arrow(let f, let t, let label, let detail, let kind):
                    rowLines += arrow(f, t, label, detail, kind)
                    i += 1
                case .state:
                    var states: [(Int, String)] = []
                    while i < row.items.count, case .state(let a, let socket, let state) = row.items[i] {
                        states.append((a, socket == model.actors[a].name ? "[\(state)]" : "[\(socket) \(state)]"))
                        i += 1
                    }
                    rowLines += stateLines(states)
                }
            }
            if rowLines.isEmpty { rowLines.append(blank()) }
            // The step number (and a mark when it failed) in the gutter of its first line.
            let number = String(row.index)
            rowLines[0].write(4 - number.count, number, .dim)
            if row.failed { rowLines[0].put(0, g.fail, .red) }
            lines += rowLines
        }
        if !model.notRun.isEmpty {
            var c = blank()
            let first = model.notRun[0], last = model.notRun[model.notRun.count - 1]
            let what = first == last ? "step \(first) was" : "steps \(first)\(g.unicode ? "–" : "-")\(last) were"
            c.write(gutter, " " + what + " not run: an earlier step stopped the run ", .dim)
            lines.append(c)
        }
        return lines
    }

    func header() -> [Canvas] {
        var top = Canvas(width: width), mid = Canvas(width: width), bottom = Canvas(width: width)
        let b = g.box
        var leftBound = 0
        for (i, actor) in model.actors.enumerated() {
            let x = xs[i]
            let rightBound = i + 1 < xs.count ? xs[i + 1] - 2 : width - 1
            let room = rightBound - leftBound + 1
            bottom.put(x, actor.outside ? g.dotted : g.lifeline, .dim)
            if actor.outside || room < 5 {
                // No box: the name alone, centred on its line as far as the neighbours allow.
                let name = shorten(actor.name, max(1, room))
                let left = max(leftBound, min(x - name.count / 2, rightBound - name.count + 1))
                mid.write(left, name, actor.outside ? .dim : .bold)
                leftBound = left + name.count + 1
                continue
            }
            let name = shorten(actor.name, min(actor.name.count, room - 4))
            let boxWidth = name.count + 4
            let left = max(leftBound, min(x - (boxWidth - 1) / 2, rightBound - boxWidth + 1))
            let right = left + boxWidth - 1
            top.put(left, b.tl); mid.put(left, b.v); bottom.put(left, b.bl)
            for c in (left + 1)..<right { top.put(c, b.h); bottom.put(c, b.h) }
            top.put(right, b.tr); mid.put(right, b.v); bottom.put(right, b.br)
            mid.write(left + 2, name, .bold)
            bottom.put(x, b.tee)
            leftBound = right + 1
        }
        return [top, mid, bottom]
    }

    func shorten(_ s: String, _ n: Int) -> String {
        guard s.count > n else { return s }
        guard n > g.ellipsis.count else { return String(s.prefix(n)) }
        return String(s.prefix(n - g.ellipsis.count)) + g.ellipsis
    }

    // MARK: calls

    /// The call on its actor's line, and what it returned; arguments give way to `…` when the
    /// column is narrow, and the result goes on the next line when it does not fit beside it.
    func call(_ a: Int, _ text: String, _ result: String?, _ kind: DiagramModel.ResultKind, expected: String?) -> [Canvas] {
        let (start, avail) = area(a)
        var parts: [[(String, Paint?)]] = []
        let callText = abbreviateCall(text, avail)
        var resultText: (String, Paint?)?
        if let result {
            switch kind {
            case .error: resultText = (g.errorMark + " " + result, .red)
            case .blocked: resultText = (g.waits + " " + result, .yellow)
            case .notRun: resultText = ("(" + result + ")", .dim)
            default: resultText = (g.arrow + " " + shortenRepr(result, avail - g.arrow.count - 1), .green)
            }
        }
        parts.append([(callText, kind == .notRun ? .dim : nil)])
        if let r = resultText {
            if callText.count + 1 + r.0.count <= avail { parts[0].append(r) } else { parts.append([(shorten(r.0, avail), r.1)]) }
        }
        if let expected {
            let e = "(expected " + shortenRepr(expected, max(4, avail - 11)) + ")"
            if let last = parts.last, last.map({ $0.0.count + 1 }).reduce(0, +) + e.count <= avail {
                parts[parts.count - 1].append((e, .red))
            } else {
                parts.append([(shorten(e, avail), .red)])
            }
        }
        return parts.enumerated().map { (i, words) in
            var c = blank()
            if i == 0 { c.put(xs[a], g.marker, kind == .error ? .red : .bold) }
            var x = start
            for (j, (w, paint)) in words.enumerated() {
                if j > 0 { x += 1 }
                c.write(x, w, paint)
                x += w.count
            }
            return c
        }
    }

    /// `connect(server.address)` → `connect(…)` when it does not fit.
    func abbreviateCall(_ text: String, _ n: Int) -> String {
        guard text.count > n else { return text }
        if let open = text.firstIndex(of: "("), text.last == ")" {
            let short = text[...open] + g.ellipsis + ")"
            if short.count <= n { return String(short) }
        }
        return shorten(text, n)
    }

    // MARK: arrows

    func arrow(_ f: Int, _ t: Int, _ label: String, _ detail: String?, _ kind: DiagramModel.ArrowKind) -> [Canvas] {
        let paint: Paint? = {
            switch kind {
            case .data, .datagram: return .green
            case .fin: return .yellow
            case .rst: return .red
            default: return nil
            }
        }()
        let fill = (kind == .datagram || kind == .connection || kind == .eof) ? g.dashed : g.line
        if f == t { return selfArrow(f, fit(label, detail, area(f).width - 5), fill, paint) }
        let lo = min(xs[f], xs[t]), hi = max(xs[f], xs[t])
        let inner = hi - lo - 1
        var c = blank()
        for x in (lo + 1)..<hi { c.put(x, xs.contains(x) ? g.cross : fill, paint) }
        if xs[f] < xs[t] {
            c.put(xs[f], g.teeRight, paint)
            c.put(xs[t] - 1, g.right, paint)
        } else {
            c.put(xs[f], g.teeLeft, paint)
            c.put(xs[t] + 1, g.left, paint)
        }
        // Room on the arrow: a little line on each side, less for a short word like SYN.
        let room = max(inner - 6, min(inner - 2, label.count))
        let text = fit(label, detail, room)
        if text.count <= room {
            let x = lo + 1 + (inner - text.count) / 2
            c.write(x, text, paint)
            if x - 1 > lo + 1 { c.put(x - 1, " ") }
            if x + text.count < hi - 1 { c.put(x + text.count, " ") }
            return [c]
        }
        // Too long for the arrow: the label goes on the line above it.
        var above = blank()
        let t2 = fit(label, detail, inner - 1)
        above.write(lo + 2, shorten(t2, inner - 1), paint)
        return [above, c]
    }

    /// An arrow from an actor to itself (two sockets of one actor): a small loop to the right.
    func selfArrow(_ a: Int, _ text: String, _ fill: Character, _ paint: Paint?) -> [Canvas] {
        let x = xs[a]
        var top = blank(), bottom = blank()
        top.put(x, g.teeRight, paint); top.put(x + 1, fill, paint); top.put(x + 2, fill, paint); top.put(x + 3, g.loopTop, paint)
        top.write(x + 5, text, paint)
        bottom.put(x + 1, g.left, paint); bottom.put(x + 2, fill, paint); bottom.put(x + 3, g.loopBottom, paint)
        return [top, bottom]
    }

    /// `b'Hello, server!' (14 bytes)`, shortened to `n` characters: the bytes give way first, the
    /// count stays.
    func fit(_ label: String, _ detail: String?, _ n: Int) -> String {
        let full = label + (detail.map { " (\($0))" } ?? "")
        if full.count <= n { return full }
        guard let detail else { return shortenRepr(label, n) }
        let suffix = " (\(detail))"
        let room = n - suffix.count
        if room >= 6 { return shortenRepr(label, room) + suffix }
        if detail.count <= n { return detail }
        return shorten(detail, max(1, n))
    }

    /// `b'Hello, server!'` → `b'Hello…'`: keeps the closing quote.
    func shortenRepr(_ s: String, _ n: Int) -> String {
        guard s.count > n else { return s }
        guard let q = s.last, q == "'" || q == "\"", n > g.ellipsis.count + 3 else { return shorten(s, max(1, n)) }
        return String(s.prefix(n - g.ellipsis.count - 1)) + g.ellipsis + String(q)
    }

    // MARK: states

    /// State labels packed side by side when their columns allow.
    func stateLines(_ states: [(Int, String)]) -> [Canvas] {
        var lines: [Canvas] = []
        var used: [Set<Int>] = []
        for (a, text) in states {
            let (start, avail) = area(a)
            let t = shorten(text, avail)
            if let i = used.indices.first(where: { !used[$0].contains(a) }) {
                lines[i].write(start, t, .cyan)
                used[i].insert(a)
            } else {
                var c = blank()
                c.write(start, t, .cyan)
                lines.append(c)
                used.append([a])
            }
        }
        return lines
    }
}

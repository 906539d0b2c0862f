import Explain
import Runner
import ScenarioFormat

/// The product's face: a numbered step, its verdict, a short explanation, the system call, the C
/// equivalent and the state of the socket afterwards; on request the whole socket table.
public struct TerminalRenderer: Sendable {
    public struct Options: Sendable {
        public var quiet = false
        public var table = false
        /// The terminal's columns: prose wraps at this (at most `Columns.proseLimit`), strace, C
        /// and the socket table use all of it, and wrap or drop columns when it is too narrow.
        public var width = 80
        /// Everything (the default), or the beginner view: the result and the plain explanation,
        /// without strace, C and the socket table.
        public var details = true
        /// The shell goes on after an unexpected error; a run stops there.
        public var stopsOnUnexpected = true
        /// Show the packets each step caused, as captured (`--packets`).
        public var packets = false
        public init() {}
    }
    public var style: Style
    public var options: Options

    public init(style: Style, options: Options = Options()) {
        self.style = style
        self.options = options
    }

    public func header(_ doc: Document) -> String {
        "\(style.bold(doc.path)) \(style.dash) \(doc.title)\n"
    }

    /// The verdict mark and its label.
    func mark(_ v: Verdict) -> String {
        switch v {
        case .passed: return style.green(style.check)
        case .expectedError: return style.green(style.check)
        case .failed, .unexpected: return style.red(style.cross)
        case .skipped: return style.dim(style.dot)
        }
    }

    static let indent = "       "

    /// `head` followed by `extras` on the same line when they fit the width, else each extra on a
    /// line of its own under the indent (a long comment no longer runs past the terminal's edge).
    func headLine(_ head: String, _ extras: [String]) -> String {
        let indent = TerminalRenderer.indent
        let joined = ([head] + extras).joined(separator: "  ")
        if extras.isEmpty || Columns.width(of: joined) <= options.width { return joined }
        var out = head
        for x in extras { out += "\n" + indent + Columns.wrap(x, width: max(20, options.width - indent.count), indent: indent + "  ") }
        return out
    }

    public func render(_ e: Event) -> String {
        if options.quiet && e.verdict.isSuccess { return "" }
        let indent = TerminalRenderer.indent
        if e.verdict == .skipped {
            return headLine(" \(mark(e.verdict)) \(pad(String(e.index), 2))  \(style.dim(e.step.source))", [style.dim("(not run)")]) + "\n"
        }
        let x = Explainer.explain(e)
        var extras: [String] = []
        if let c = e.step.comment { extras.append(style.dim("# " + c)) }
        if e.verdict == .expectedError { extras.append(style.dim("(expected error)")) }
        // A step longer than the line wraps between its arguments, under itself.
        let lead = " \(mark(e.verdict)) \(pad(String(e.index), 3)) "
        let source = Columns.wrapCode(e.step.source, first: options.width - Columns.width(of: lead), rest: options.width - indent.count - 2, indent: indent + "  ")
        var out = headLine(lead + style.bold(source), extras) + "\n"
        let textWidth = max(30, min(options.width, Columns.proseLimit) - indent.count)
        out += indent + wrap(x.summary, width: textWidth, indent: indent) + "\n"
        if let cause = x.cause { out += indent + wrap(cause.text, width: textWidth, indent: indent) + "\n" }
        for d in x.details { out += indent + wrap(d, width: textWidth, indent: indent) + "\n" }
        for s in x.stateChanges { out += indent + wrap(s, width: textWidth, indent: indent) + "\n" }
        switch e.verdict {
        case .failed(let m):
            out += indent + style.red(wrap(m.message, width: textWidth, indent: indent)) + "\n"
            out += indent + "expected: " + m.expected + "\n"
            out += indent + "actual:   " + m.actual + "\n"
            if let col = m.markerColumn {
                out += indent + "          " + String(repeating: " ", count: col) + style.red("^ first difference") + "\n"
            }
        case .unexpected:
            let text = options.stopsOnUnexpected ? "This step failed unexpectedly, so the run stops here."
                                                 : "In a program this would stop it (an exception, or a wait forever); here you can go on."
            out += indent + style.red(wrap(text, width: textWidth, indent: indent)) + "\n"
        default: break
        }
        if let fix = x.fix, !e.verdict.isSuccess || e.verdict == .expectedError {
            out += indent + style.cyan("help: ") + wrap(fix, width: textWidth - 6, indent: indent + "      ") + "\n"
        }
        if let py = x.pythonException, !x.summary.hasPrefix("Python raises"), !e.verdict.isSuccess || e.verdict == .expectedError {
            let text = "Python raises \(py)" + (x.manPages.isEmpty ? "" : "; see man \(x.manPages.joined(separator: ", "))")
            out += indent + style.dim(wrap(text, width: textWidth, indent: indent)) + "\n"
        }
        guard options.details else {
            // The beginner view still shows the packets the learner asked for with --packets.
            if options.packets, let packets = e.packets, !packets.isEmpty || !e.syscalls.isEmpty {
                out += PacketRendering.lines(packets, indent: indent, style: style)
            }
            return out + "\n"
        }
        return out + details(e, explanation: x) + "\n"
    }

    /// What the kernel was asked, for the beginner view's "more" key as for the full view: the
    /// system call as strace prints it, the same call in C, and the socket table (or the socket's
    /// line) after the step.
    public func details(_ e: Event) -> String { details(e, explanation: Explainer.explain(e)) }

    func details(_ e: Event, explanation x: Explanation) -> String {
        let indent = TerminalRenderer.indent
        let codeWidth = max(30, options.width - indent.count)
        var out = ""
        // Code-like lines wrap between arguments, under their own text: "strace  " is 8 columns.
        let codeIndent = indent + "          "
        let first = codeWidth - 8, rest = max(20, options.width - codeIndent.count)
        for s in e.syscalls { out += indent + style.dim("strace  " + Columns.wrapCode(s, first: first, rest: rest, indent: codeIndent)) + "\n" }
        if let c = x.c, !e.syscalls.isEmpty { out += indent + style.dim("C       " + Columns.wrapCode(c, first: first, rest: rest, indent: codeIndent)) + "\n" }
        // A step that expects packets and failed shows them even without --packets.
        if let packets = e.packets, (options.packets && (!packets.isEmpty || !e.syscalls.isEmpty)) || (e.step.packets != nil && !e.verdict.isSuccess) {
            out += PacketRendering.lines(packets, indent: indent, style: style)
        }
        if options.table {
            out += SocketTableRenderer.render(e.sockets, indent: indent, style: style, width: options.width) + "\n"
        } else if let name = e.facts["new"] ?? e.receiver ?? e.facts["socket"], let row = e.sockets.first(where: { $0.name == name }) {
            let line = Columns.wrapParts(SocketTableRenderer.parts(row), first: first, rest: rest, indent: codeIndent)
            out += indent + style.dim("after   " + line) + "\n"
        }
        return out
    }

    public func summary(_ r: RunResult) -> String {
        let total = r.events.count
        let passed = r.events.filter { $0.verdict.isSuccess }.count
        let skipped = r.events.filter { $0.verdict == .skipped }.count
        let failed = total - passed - skipped
        let ms = r.duration * 1000
        let time = ms < 10 ? String(format1(ms)) + " ms" : String(Int(ms.rounded())) + " ms"
        var s = "\(total) step\(total == 1 ? "" : "s"): \(passed) passed"
        if failed > 0 { s += ", " + style.red("\(failed) failed") }
        if skipped > 0 { s += ", \(skipped) not run" }
        let shown = r.document.illustrations.count
        if shown > 0 { s += ", \(shown) illustration block\(shown == 1 ? "" : "s") shown, not run" }
        s += " \(style.dot) \(time)"
        let verdict = failed == 0 ? style.green(style.bold("PASS")) : style.red(style.bold("FAIL"))
        return "\(verdict)  \(r.document.path): \(s)\n"
    }

    func format1(_ d: Double) -> String {
        let v = (d * 10).rounded() / 10
        return String(v)
    }
}

import Explain
import Runner
import ScenarioFormat

/// The product's face: a numbered step, its verdict, a short explanation, the system call, the C
/// equivalent and the state of the socket afterwards; on request the whole socket table.
public struct TerminalRenderer: Sendable {
    public struct Options: Sendable {
        public var quiet = false
        public var table = false
        public var width = 100
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

    public func render(_ e: Event) -> String {
        if options.quiet && e.verdict.isSuccess { return "" }
        if e.verdict == .skipped { return " \(mark(e.verdict)) \(pad(String(e.index), 2))  \(style.dim(e.step.source))  \(style.dim("(not run)"))\n" }
        let x = Explainer.explain(e)
        let indent = "       "
        var out = " \(mark(e.verdict)) \(pad(String(e.index), 3)) \(style.bold(e.step.source))"
        if let c = e.step.comment { out += "  " + style.dim("# " + c) }
        if e.verdict == .expectedError { out += "  " + style.dim("(expected error)") }
        out += "\n"
        let textWidth = max(40, options.width - indent.count)
        out += indent + wrap(x.summary, width: textWidth, indent: indent) + "\n"
        if let cause = x.cause { out += indent + wrap(cause.text, width: textWidth, indent: indent) + "\n" }
        for d in x.details { out += indent + wrap(d, width: textWidth, indent: indent) + "\n" }
        for s in x.stateChanges { out += indent + wrap(s, width: textWidth, indent: indent) + "\n" }
        switch e.verdict {
        case .failed(let m):
            out += indent + style.red(m.message) + "\n"
            out += indent + "expected: " + m.expected + "\n"
            out += indent + "actual:   " + m.actual + "\n"
            if let col = m.markerColumn {
                out += indent + "          " + String(repeating: " ", count: col) + style.red(style.unicode ? "^ first difference" : "^ first difference") + "\n"
            }
        case .unexpected:
            out += indent + style.red(options.stopsOnUnexpected ? "This step failed unexpectedly, so the run stops here."
                                                                : "In a program this would stop it (an exception, or a wait forever); here you can go on.") + "\n"
        default: break
        }
        if let fix = x.fix, !e.verdict.isSuccess || e.verdict == .expectedError {
            out += indent + style.cyan("help: ") + wrap(fix, width: textWidth - 6, indent: indent + "      ") + "\n"
        }
        if let py = x.pythonException, !x.summary.hasPrefix("Python raises"), !e.verdict.isSuccess || e.verdict == .expectedError {
            out += indent + style.dim("Python raises \(py)" + (x.manPages.isEmpty ? "" : "; see man \(x.manPages.joined(separator: ", "))")) + "\n"
        }
        for s in e.syscalls { out += indent + style.dim("strace  " + s) + "\n" }
        if let c = x.c, !e.syscalls.isEmpty { out += indent + style.dim("C       " + c) + "\n" }
        // A step that expects packets and failed shows them even without --packets.
        if let packets = e.packets, (options.packets && (!packets.isEmpty || !e.syscalls.isEmpty)) || (e.step.packets != nil && !e.verdict.isSuccess) {
            out += PacketRendering.lines(packets, indent: indent, style: style)
        }
        if options.table {
            out += SocketTableRenderer.render(e.sockets, indent: indent, style: style) + "\n"
        } else if let name = e.facts["new"] ?? e.receiver ?? e.facts["socket"], let row = e.sockets.first(where: { $0.name == name }) {
            out += indent + style.dim("after   " + SocketTableRenderer.line(row)) + "\n"
        }
        return out + "\n"
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

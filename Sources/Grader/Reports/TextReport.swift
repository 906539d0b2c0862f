import FoundationEssentials

/// The grader's log for a person: each check, what was sent, what came back, expected vs actual
/// with a marker under the first differing character, the explanation, the hint and the points.
public enum TextReport {
    public static func render(_ g: Grade, options: ReportOptions = ReportOptions()) -> String {
        let c = Colors(on: options.color)
        var out: [String] = []
        // One line when it fits 80 columns; a long command keeps the exercise on a line of its own.
        let command = "Grading `\(g.command.joined(separator: " "))`", exercise = "with \(g.exercise)"
        if command.count + exercise.count + g.exercisePath.count + 4 <= 80 {
            out.append(c.bold(command + " " + exercise) + " (\(g.exercisePath))")
        } else {
            out.append(c.bold(command))
            out.append(c.bold("  " + exercise) + " (\(g.exercisePath))")
        }
        if let after = g.program.readyAfter, let port = g.port {
            out.append("Your program listened on 127.0.0.1 port \(port) after \(Messages.milliseconds(after)).")
        }
        if let p = g.problem {
            out.append("")
            out.append(c.red("Problem: ") + p.message)
            if let d = p.detail { out += d.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 } }
            if let h = p.help { out.append(c.cyan("help: ") + h) }
        }
        let width = max(40, (g.checks.map { $0.name.count }.max() ?? 0) + 8)
        for check in g.checks {
            out.append("")
            let mark = check.status == .passed ? c.green("✓") : c.red("✗")
            let title = "\(check.number). \(check.name)"
            let pts = "\(Points.text(check.score))/\(Points.text(check.points)) point\(check.points == 1 ? "" : "s")"
            out.append("\(mark) \(title.padded(to: width)) \(pts)")
            if check.hidden && !options.showHidden {
                out.append("    (hidden check: graded, details not shown)")
                continue
            }
            for t in check.transcript { out += stepLines(t, indent: "    ", colors: c) }
            if let f = check.feedback, !(g.problem != nil && f.message.hasPrefix("Not run")) {
                out.append("    " + (check.status == .passed ? "" : c.red("→ ")) + f.message)
                if let d = f.detail { out += d.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 } }
                if let h = f.help { out.append("    " + c.cyan("help: ") + h) }
            }
            if let packets = check.packets, check.status == .failed {
                out.append("    packets of this check, as captured:" + (packets.isEmpty ? " none" : ""))
                out += packets.map { "      " + $0.text }
            }
            let notRun = check.transcript.isEmpty && check.status != .passed
            if let hint = check.hint, !notRun { out.append("    " + c.yellow("hint: ") + hint) }
        }
        out.append("")
        if g.program.stdoutCut || g.program.stderrCut {
            let which = [g.program.stdoutCut ? "stdout (\(g.program.stdoutBytes) bytes)" : nil, g.program.stderrCut ? "stderr (\(g.program.stderrBytes) bytes)" : nil].compactMap { $0 }
            out.append("Your program wrote a lot of output: only the first \(g.program.outputLimit) bytes of \(which.joined(separator: " and ")) were kept.")
        }
        out.append(c.bold(g.summaryLine) + (g.unusable ? "" : g.passed ? " Passed." : " Not passed yet."))
        return out.joined(separator: "\n") + "\n"
    }

    static func stepLines(_ t: TranscriptLine, indent: String, colors c: Colors = Colors(on: false)) -> [String] {
        var lines: [String] = []
        let waited = t.waitedMilliseconds.map { "  (\($0) ms)" } ?? ""
        let stepText = t.step.count > 44 ? String(t.step.prefix(43)) + "…" : t.step
        lines.append(indent + stepText.padded(to: 46) + (t.passed ? t.result : c.red(t.result)) + waited)
        if let e = t.expected, let a = t.actual {
            let (ew, aw, mark) = window(expected: e, actual: a, marker: t.marker)
            lines.append(indent + "  expected: " + ew)
            lines.append(indent + "  actual:   " + aw)
            if let m = mark { lines.append(indent + "            " + String(repeating: " ", count: m) + "^ first difference") }
        }
        return lines
    }

    /// Long values are shown around the first difference.
    static func window(expected: String, actual: String, marker: Int?, limit: Int = 64) -> (String, String, Int?) {
        let e = Array(expected), a = Array(actual)
        guard let m = marker, max(e.count, a.count) > limit else { return (expected, actual, marker) }
        let start = max(0, m - 24)
        func cut(_ s: [Character]) -> String {
            guard start < s.count else { return start > 0 ? "…" : "" }
            let end = min(s.count, start + limit)
            return (start > 0 ? "…" : "") + String(s[start..<end]) + (end < s.count ? "…" : "")
        }
        return (cut(e), cut(a), m - start + (start > 0 ? 1 : 0))
    }
}

struct Colors {
    let on: Bool
    func wrap(_ s: String, _ code: String) -> String { on ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func red(_ s: String) -> String { wrap(s, "31") }
    func green(_ s: String) -> String { wrap(s, "32") }
    func yellow(_ s: String) -> String { wrap(s, "33") }
    func cyan(_ s: String) -> String { wrap(s, "36") }
    func bold(_ s: String) -> String { wrap(s, "1") }
}

import Sockets
import Render
import FoundationEssentials

/// sockstep's own JSON: the whole `Grade`, documented in scenarios/README.md.
public enum JSONReport {
    struct Envelope: Encodable {
        let format = "sockstep-grade"
        let version = 1
        let grade: Grade
    }

    public static func render(_ g: Grade) -> String {
        encode(Envelope(grade: g))
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? enc.encode(value) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Gradescope's autograder `results.json`: score, execution_time, output, and a test per check
/// with name, number, score, max_score, status, output and visibility.
public enum GradescopeReport {
    struct Results: Encodable {
        var score: Double
        var execution_time: Double
        var output: String
        var output_format = "text"
        var visibility = "visible"
        var stdout_visibility = "hidden"
        var tests: [Test]
    }
    struct Test: Encodable {
        var number: String
        var name: String
        var score: Double
        var max_score: Double
        var status: String
        var output: String
        var output_format = "text"
        var visibility: String
    }

    public static func render(_ g: Grade) -> String {
        var summary = [g.summaryLine]
        if let p = g.problem {
            summary.append(p.message)
            if let d = p.detail { summary.append(d) }
            if let h = p.help { summary.append("help: \(h)") }
        }
        let tests = g.checks.map { c in
            // Gradescope hides these from students until the due date; instructors see everything.
            Test(number: String(c.number), name: c.name, score: c.score, max_score: c.points, status: c.status == .passed ? "passed" : "failed",
                 output: c.narrative(showHidden: true), visibility: c.hidden ? "after_due_date" : "visible")
        }
        return JSONReport.encode(Results(score: g.score, execution_time: (g.duration * 1000).rounded() / 1000, output: summary.joined(separator: "\n"), tests: tests))
    }
}

/// JUnit XML, as CI servers read it: one testsuite per exercise, one testcase per check.
public enum JUnitReport {
    public static func render(_ g: Grade) -> String {
        let failures = g.checks.filter { $0.status == .failed }.count
        let skipped = g.checks.filter { $0.status == .notRun }.count
        let errors = g.unusable ? 1 : 0
        let time = Format.fixed(g.duration, 3)
        let suiteName = Path.lastComponent(g.exercisePath).replacingAll(".md", with: "")
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuites name=\"sockstep grade\" tests=\"\(g.checks.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(time)\">\n"
        x += "  <testsuite name=\"\(esc(g.exercise))\" tests=\"\(g.checks.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(time)\">\n"
        x += "    <properties>\n"
        x += "      <property name=\"score\" value=\"\(Points.text(g.score))\"/>\n"
        x += "      <property name=\"max_score\" value=\"\(Points.text(g.maxScore))\"/>\n"
        x += "      <property name=\"command\" value=\"\(esc(g.command.joined(separator: " ")))\"/>\n"
        x += "    </properties>\n"
        for c in g.checks {
            x += "    <testcase name=\"\(esc("\(c.number). \(c.name)"))\" classname=\"\(esc(suiteName))\" time=\"\(Format.fixed(c.duration, 3))\">\n"
            switch c.status {
            case .passed: break
            case .notRun: x += "      <skipped message=\"\(esc(c.feedback?.message ?? "not run"))\"/>\n"
            case .failed:
                let message = c.hidden ? "hidden check failed" : (c.feedback?.message ?? "failed")
                x += "      <failure message=\"\(esc(message))\" type=\"check\">\(esc(c.narrative(showHidden: false)))</failure>\n"
            }
            x += "      <properties><property name=\"points\" value=\"\(Points.text(c.score))/\(Points.text(c.points))\"/></properties>\n"
            x += "    </testcase>\n"
        }
        if g.unusable, let p = g.problem {
            x += "    <error message=\"\(esc(p.message))\" type=\"program\">\(esc([p.detail, p.help].compactMap { $0 }.joined(separator: "\n")))</error>\n"
        }
        x += "    <system-out>\(esc(g.program.stdout))</system-out>\n"
        x += "    <system-err>\(esc(g.program.stderr))</system-err>\n"
        x += "  </testsuite>\n</testsuites>\n"
        return x
    }

    /// Escapes text for XML 1.0; characters XML cannot hold at all become U+FFFD.
    static func esc(_ s: String) -> String { HTMLRenderer.escape(s, apostrophe: true) }
}

/// TAP version 14: a test point per check, with a YAML diagnostic block for failures.
public enum TAPReport {
    public static func render(_ g: Grade, options: ReportOptions = ReportOptions()) -> String {
        var out = ["TAP version 14", "1..\(g.checks.count)"]
        if let p = g.problem { out.append("# " + p.message.replacingAll("\n", with: " ")) }
        for c in g.checks {
            let ok = c.status == .passed ? "ok" : "not ok"
            let name = c.name.replacingAll("#", with: "\\#")
            let directive = c.status == .notRun ? " # SKIP \(oneLine(c.feedback?.message ?? "not run"))" : ""
            out.append("\(ok) \(c.number) - \(name)\(directive)")
            guard c.status == .failed else { continue }
            var yaml: [(String, String)] = [("points", Points.text(c.score)), ("max_points", Points.text(c.points))]
            if c.hidden && !options.showHidden {
                yaml.append(("message", quote("hidden check: details are not shown")))
            } else {
                if let f = c.feedback {
                    yaml.append(("message", quote(f.message)))
                    if let d = f.detail { yaml.append(("detail", quote(d))) }
                    if let h = f.help { yaml.append(("help", quote(h))) }
                }
                if let t = c.transcript.last(where: { !$0.passed }) {
                    yaml.append(("step", quote(t.step)))
                    yaml.append(("line", String(t.line)))
                    if let e = t.expected { yaml.append(("expected", quote(e))) }
                    if let a = t.actual { yaml.append(("actual", quote(a))) }
                }
                if let h = c.hint { yaml.append(("hint", quote(h))) }
            }
            out.append("  ---")
            for (k, v) in yaml { out.append("  \(k): \(v)") }
            out.append("  ...")
        }
        out.append("# " + g.summaryLine)
        return out.joined(separator: "\n") + "\n"
    }

    static func oneLine(_ s: String) -> String { s.replacingAll("\n", with: " ").replacingAll("#", with: "\\#") }

    /// A YAML double-quoted scalar (JSON string syntax is valid YAML).
    static func quote(_ s: String) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.withoutEscapingSlashes]
        guard let data = try? enc.encode(s) else { return "\"\"" }
        return String(decoding: data, as: UTF8.self)
    }
}

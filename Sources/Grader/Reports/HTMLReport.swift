import Render

/// A grade as one self-contained page: the score, a table of checks, and for each visible check
/// the feedback, the hint, every step explained and the exchange as a sequence diagram.
public enum HTMLReport {
    public static func render(_ g: Grade, showHidden: Bool = false) -> String {
        var page = HTMLPage(title: "\(g.exercise): \(format(g.score))/\(format(g.maxScore)) points",
                            subtitle: "Graded `\(g.command.joined(separator: " "))` against \(g.exercisePath)")
        page.addNotice("\(format(g.score)) of \(format(g.maxScore)) points (\(Int(g.percent.rounded()))%).", passed: g.passed)
        if let p = g.problem {
            page.addHeading("The program")
            page.addProse([p.message, p.detail, p.help.map { "Help: " + $0 }].compactMap { $0 }.joined(separator: "\n\n"))
        }
        page.addTable(caption: "Checks", headers: ["#", "check", "points", "result"],
                      rows: g.checks.map { c in
                          ["\(c.number)", c.name, "\(format(c.score))/\(format(c.points))",
                           c.status == .passed ? "passed" : (c.status == .notRun ? "not run" : "failed")]
                      })
        for c in g.checks {
            page.addHeading("\(c.number). \(c.name) — \(c.status == .passed ? "passed" : "failed")")
            if c.hidden && !showHidden {
                page.addProse("A hidden check: graded, its details are not shown.")
                continue
            }
            if let f = c.feedback {
                page.addProse([f.message, f.detail, f.help.map { "Help: " + $0 }].compactMap { $0 }.joined(separator: "\n\n"))
            }
            if let hint = c.hint { page.addProse("> Hint: " + hint) }
            if !c.events.isEmpty {
                page.addDiagram(events: c.events, title: "Check \(c.number) as a sequence diagram")
                page.addEvents(title: "Check \(c.number), step by step", events: c.events)
            }
        }
        if !g.program.stderr.isEmpty {
            page.addHeading("What the program printed on stderr")
            page.addProse("```text\n" + String(g.program.stderr.suffix(4000)) + "\n```")
        }
        return page.render()
    }

    static func format(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(format1: d) }
}

extension String {
    init(format1 d: Double) { self = String((d * 10).rounded() / 10) }
}

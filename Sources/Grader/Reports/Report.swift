import Sockets
import FoundationEssentials

/// The report formats of `sockstep grade --format`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, json, gradescope, junit, tap

    /// The file name extension for a report of this format.
    public var fileExtension: String {
        switch self {
        case .text: return "txt"
        case .json, .gradescope: return "json"
        case .junit: return "xml"
        case .tap: return "tap"
        }
    }

    public func render(_ grade: Grade, options: ReportOptions = ReportOptions()) -> String {
        switch self {
        case .text: return TextReport.render(grade, options: options)
        case .json: return JSONReport.render(grade)
        case .gradescope: return GradescopeReport.render(grade)
        case .junit: return JUnitReport.render(grade)
        case .tap: return TAPReport.render(grade, options: options)
        }
    }
}

public struct ReportOptions: Sendable {
    /// Show hidden checks in detail (instructors).
    public var showHidden = false
    /// Colour for a terminal (never with NO_COLOR).
    public var color = false
    public init(showHidden: Bool = false, color: Bool = false) {
        self.showHidden = showHidden
        self.color = color
    }
}

enum Points {
    /// 2 → "2", 1.5 → "1.5".
    static func text(_ v: Double) -> String {
        guard v != v.rounded() else { return String(Int(v)) }
        // Two decimals at most, without trailing zeros (1.50 → "1.5"; 1.999 → "2", not "2.").
        var s = Substring(Format.fixed(v, 2))
        while s.last == "0" { s = s.dropLast() }
        if s.last == "." { s = s.dropLast() }
        return String(s)
    }
    static func percent(_ g: Grade) -> String { "\(Int(g.percent.rounded()))%" }
}

extension Grade {
    /// The one sentence that sums the grade up.
    var summaryLine: String {
        if unusable { return "The program could not be graded: \(problem?.message ?? "it could not be started")" }
        return "Score: \(Points.text(score))/\(Points.text(maxScore)) points (\(Points.percent(self)))."
    }
}

extension CheckResult {
    /// The whole story of a failed check as plain text (reports that take one text per test).
    func narrative(showHidden: Bool) -> String {
        if hidden && !showHidden {
            return status == .passed ? "Passed (hidden check)." : "Failed (hidden check: details are not shown)."
        }
        var out: [String] = []
        for t in transcript { out += TextReport.stepLines(t, indent: "") }
        if let f = feedback {
            out.append(f.message)
            if let d = f.detail { out.append(d) }
            if let h = f.help { out.append("help: \(h)") }
        }
        if let hint { out.append("Hint: \(hint)") }
        return out.joined(separator: "\n")
    }
}

import ScenarioFormat

/// `file:line:col: error: message`, the source line, a marker under the spot, then `help:`.
public enum DiagnosticRenderer {
    public static func render(_ d: Diagnostic, path: String, lines: [String], style: Style) -> String {
        let sev: String
        switch d.severity {
        case .error: sev = style.red(style.bold("error"))
        case .warning: sev = style.yellow(style.bold("warning"))
        case .note: sev = style.cyan("note")
        }
        let place = d.location.line > 0 ? "\(path):\(d.location.line):\(d.location.column):" : "\(path):"
        var out = "\(style.bold(place)) \(sev): \(d.message)\n"
        let lineNo = String(d.location.line)
        let gutter = String(repeating: " ", count: lineNo.count)
        if d.location.line >= 1 && d.location.line <= lines.count {
            var source = lines[d.location.line - 1]
            // Very long lines are shown around the marker only.
            var col = d.location.column
            if source.count > 120 {
                let start = max(0, col - 40)
                source = (start > 0 ? "…" : "") + String(source.dropFirst(start).prefix(100)) + "…"
                col = col - start + (start > 0 ? 1 : 0)
            }
            source = source.replacingTabs
            let length = max(1, min(d.length, max(1, source.count - col + 1)))
            out += "\(style.dim(lineNo + " |")) \(source)\n"
            out += "\(style.dim(gutter + " |")) \(String(repeating: " ", count: max(0, col - 1)))\(style.red(String(repeating: "^", count: length)))\n"
        }
        if let help = d.help {
            let helpLines = help.split(separator: "\n", omittingEmptySubsequences: false)
            out += "\(gutter) = \(style.cyan("help")): \(helpLines.first ?? "")\n"
            for l in helpLines.dropFirst() { out += "\(gutter)         \(l)\n" }
        }
        return out
    }

    public static func renderAll(_ ds: [Diagnostic], path: String, lines: [String], style: Style) -> String {
        ds.sorted { $0.location < $1.location }.map { render($0, path: path, lines: lines, style: style) }.joined(separator: "\n")
    }
}

extension String {
    var replacingTabs: String { map { $0 == "\t" ? " " : String($0) }.joined() }
}

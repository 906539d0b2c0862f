import Explain
import FoundationEssentials
import ScenarioFormat

/// Hints for a learner: the file's own (`hint:` in the front matter, `> Hint:` lines in the prose)
/// and, for one step, what its call does and what the file expects of it.
enum Hints {
    static func file(_ doc: Document) -> [String] {
        var out: [String] = []
        if let h = doc.meta("hint") { out.append(h) }
        for case .prose(let text, _) in doc.blocks {
            for line in text.split(separator: "\n") {
                var l = line.trimmingWhitespace
                guard l.hasPrefix(">") else { continue }
                l = String(l.dropFirst()).trimmingWhitespace
                for prefix in ["**Hint:**", "**Hint**:", "Hint:", "hint:"] where l.hasPrefix(prefix) {
                    let h = l.dropFirst(prefix.count).trimmingWhitespace
                    let key = { (s: String) in s.hasSuffix(".") ? String(s.dropLast()) : s }
                    if !h.isEmpty && !out.contains(where: { key($0) == key(h) }) { out.append(h) }
                }
            }
        }
        return out
    }

    /// The call a step makes (`connect`), or the attribute it reads (`state`).
    static func callName(_ step: Step) -> String? {
        if let m = step.call.methodCall { return m.method }
        if let f = step.call.functionCall { return f.name }
        if case .attribute(_, let a) = step.call.expr { return a }
        return nil
    }

    static func step(_ step: Step) -> [String] {
        var out: [String] = []
        if let c = step.comment { out.append(c) }
        if let name = callName(step) {
            if let e = CallCatalog.entry(name) { out.append("`\(name)` \(e.summary)") }
            else if let a = Vocabulary.attributes[name] { out.append("`.\(name)` reads \(a)") }
        }
        if let e = step.expectation { out.append(expectation(e)) }
        return out
    }

    static func expectation(_ e: Expectation) -> String {
        switch e {
        case .value(let n): return "The file expects the value \(StepPrinter.python(n))."
        case .error(let name, let errnos, _):
            let what = errnos.first.flatMap { ErrnoCatalog.entry($0)?.title }
            return "The file expects this call to fail with \(name)\(what.map { " (\($0.lowercased()))" } ?? "")."
        case .pythonError(let name, _): return "The file expects Python to raise \(name) before any system call."
        case .blocks: return "The file expects this call to wait: nothing it waits for has happened yet."
        case .timeout: return "The file expects the socket's timeout to expire."
        case .eof: return "The file expects the end of the stream: b\"\", the peer closed its side."
        case .ok: return "The file expects the call to succeed."
        }
    }
}

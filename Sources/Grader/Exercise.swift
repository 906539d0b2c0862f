import Sockets
import FoundationEssentials
import ScenarioFormat

/// An exercise: what the student's program must be, and the checks that grade it.
/// Read from the same Markdown format as lessons; see `scenarios/README.md`.
public struct Exercise: Sendable {
    public enum ProgramKind: String, Sendable { case server, client }
    public enum Transport: String, Sendable { case tcp, udp }
    public enum PassAt: Sendable, Hashable {
        case points(Double)
        case percent(Double)
    }

    public var document: Document
    public var path: String { document.path }
    public var title: String { document.title }
    public var kind: ProgramKind
    public var transport: Transport
    /// Client exercises: the steps that start the scenario's server before the program runs.
    public var setup: [Step]
    public var checks: [Check]
    /// Seconds for the whole exercise, program start included.
    public var timeout: Double
    /// Default seconds a check may take (a check's heading can set its own).
    public var checkTimeout: Double
    /// Seconds a server program has to start listening.
    public var startTimeout: Double
    /// Seconds of silence that prove `blocks` against the program (a connection that stays open).
    public var quiet: Double
    /// Bytes of stdout and of stderr kept.
    public var outputLimit: Int
    public var passAt: PassAt?

    public var maxScore: Double { checks.reduce(0) { $0 + $1.points } }

    /// True when `score` is enough to pass: full marks, or the exercise's (or the command line's) `pass-at`.
    public func passes(_ score: Double, passAt override: PassAt? = nil) -> Bool {
        switch override ?? passAt {
        case nil: return score >= maxScore - 1e-9
        case .points(let p)?: return score >= p - 1e-9
        case .percent(let p)?: return maxScore == 0 || score / maxScore * 100 >= p - 1e-9
        }
    }
}

/// One graded check: a `## ` section of the exercise.
public struct Check: Sendable {
    public var number: Int
    public var name: String
    public var points: Double
    /// Graded, but students see only the name and the points.
    public var hidden: Bool
    /// This check's own limit in seconds ("within 1 s" in its heading), if any.
    public var within: Double?
    public var hint: String?
    public var steps: [Step]
    /// Client exercises: text the program must print (every line, in order), and its exit status.
    public var stdout: [String]?
    public var exitStatus: Int32?
    public var line: Int
}

/// Reads an exercise file and reports every problem in it at once.
public enum ExerciseLoader {
    public struct Result: Sendable {
        public var exercise: Exercise?
        public var diagnostics: [Diagnostic]
        public var path: String
        public var lines: [String]
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    public static func load(path: String) -> Result {
        var isDir = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            var help = "check the path; exercises live in scenarios/exercises/"
            let dir = Path.deletingLastComponent(path)
            let name = Path.lastComponent(path)
            let searchDir = dir.isEmpty ? "." : dir
            if let names = try? FileManager.default.contentsOfDirectory(atPath: searchDir).filter({ $0.hasSuffix(".md") }),
               let guess = Suggest.closest(to: name, in: names) {
                help = "did you mean `\(dir.isEmpty ? guess : dir + "/" + guess)`?"
            }
            return Result(exercise: nil, diagnostics: [Diagnostic(at: SourceLocation(line: 1, column: 1), "there is no exercise file at `\(path)`", help: help)], path: path, lines: [])
        }
        if isDir {
            return Result(exercise: nil, diagnostics: [Diagnostic(at: SourceLocation(line: 1, column: 1), "`\(path)` is a directory, not an exercise file",
                help: "pass one exercise's .md file, like scenarios/exercises/echo-server.md")], path: path, lines: [])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return Result(exercise: nil, diagnostics: [Diagnostic(at: SourceLocation(line: 1, column: 1), "the exercise file `\(path)` cannot be read",
                help: "check its permissions")], path: path, lines: [])
        }
        return parse(data: data, path: path)
    }

    public static func parse(data: Data, path: String) -> Result {
        let parsed = DocumentParser.parse(data: data, path: path)
        guard let doc = parsed.document else {
            return Result(exercise: nil, diagnostics: parsed.diagnostics, path: path, lines: [])
        }
        var diags = parsed.diagnostics.filter { !($0.message.hasPrefix("no steps block") ) }
        let (exercise, more) = build(doc)
        diags += more
        let hasErrors = diags.contains { $0.severity == .error }
        return Result(exercise: hasErrors ? nil : exercise, diagnostics: diags.sorted { $0.location < $1.location }, path: path, lines: doc.lines)
    }

    static func build(_ doc: Document) -> (Exercise?, [Diagnostic]) {
        var diags: [Diagnostic] = []
        func metaLine(_ key: String) -> Int { doc.frontMatter.first { $0.key == key }?.line ?? 1 }
        func error(_ line: Int, _ message: String, help: String?) {
            diags.append(Diagnostic(at: SourceLocation(line: line, column: 1), length: max(1, doc.lines.indices.contains(line - 1) ? doc.lines[line - 1].count : 1), message, help: help))
        }
        func seconds(_ key: String, _ fallback: Double) -> Double {
            guard let text = doc.meta(key) else { return fallback }
            if let v = Duration.parse(text), v > 0, v <= 600 { return v }
            error(metaLine(key), "`\(key): \(text)` is not a number of seconds between 0 and 600", help: "write it like `\(key): 2` or `\(key): 500 ms`")
            return fallback
        }

        var kind: Exercise.ProgramKind = .server
        switch doc.meta("program") {
        case nil:
            diags.append(Diagnostic(at: SourceLocation(line: 1, column: 1), "this exercise does not say what the student's program is",
                help: "add `program: server` (the program listens; the checks connect to it) or `program: client` to the front matter"))
        case let v?:
            if let k = Exercise.ProgramKind(rawValue: v.lowercased()) { kind = k } else {
                error(metaLine("program"), "`program: \(v)` is neither `server` nor `client`", help: Suggest.closest(to: v, in: ["server", "client"]).map { "did you mean `program: \($0)`?" } ?? "write `program: server` or `program: client`")
            }
        }
        var transport: Exercise.Transport = .tcp
        if let v = doc.meta("protocol") {
            if let t = Exercise.Transport(rawValue: v.lowercased()) { transport = t } else {
                error(metaLine("protocol"), "`protocol: \(v)` is neither `tcp` nor `udp`", help: "write `protocol: tcp` (the default) or `protocol: udp`")
            }
        }
        var passAt: Exercise.PassAt?
        if let v = doc.meta("pass-at") {
            passAt = parsePassAt(v)
            if passAt == nil { error(metaLine("pass-at"), "`pass-at: \(v)` is not a score", help: "write points (`pass-at: 6`) or a percentage (`pass-at: 80%`)") }
        }
        let timeout = seconds("timeout", 20)
        let checkTimeout = seconds("check-timeout", 2)
        let startTimeout = seconds("start-timeout", 5)
        let quiet = seconds("quiet", 0.05)
        var outputLimit = 64 * 1024
        if let v = doc.meta("output-limit") {
            if let n = Int(v), n >= 256, n <= 16 * 1024 * 1024 { outputLimit = n } else {
                error(metaLine("output-limit"), "`output-limit: \(v)` is not a byte count between 256 and 16777216", help: "write it like `output-limit: 65536`")
            }
        }

        // Sections: every `## ` heading up to the next heading of level 1 or 2.
        var headings: [(text: String, line: Int)] = []
        var ends: [Int] = []
        for block in doc.blocks {
            if case .heading(let text, let level, let line) = block, level <= 2 {
                if !headings.isEmpty, ends.count < headings.count { ends.append(line - 1) }
                if level == 2 { headings.append((text, line)) }
            }
        }
        while ends.count < headings.count { ends.append(doc.lines.count) }

        let firstSection = headings.first?.line ?? Int.max
        for step in doc.steps where step.location.line < firstSection {
            diags.append(Diagnostic(at: step.location, length: step.source.count, "this step is not inside a check",
                help: "put steps under a `## ` heading: each heading with steps is one check (or `## Setup` for a client exercise's server)"))
        }

        var setup: [Step] = []
        var sawSetup = false
        var checks: [Check] = []
        var names: [String: Int] = [:]
        for (i, h) in headings.enumerated() {
            let range = (h.line + 1)...max(h.line + 1, ends[i])
            let steps = doc.steps.filter { range.contains($0.location.line) }
            let extras = sectionExtras(doc.lines, range: range)
            let title = Heading.parse(h.text)
            if let problem = title.problem { error(h.line, problem, help: "write the heading like `## Echoes a message (2 points)`, `(1 point, hidden)` or `(2 points, within 1 s)`") }
            if title.name.lowercased() == "setup" {
                sawSetup = true
                if kind == .server {
                    error(h.line, "a server exercise has no `## Setup`: the student's program is the server",
                          help: "start each check by connecting to it: `c = socket(AF_INET, SOCK_STREAM)`, `c.connect(program.address)`")
                }
                setup = steps
                continue
            }
            if steps.isEmpty && extras.stdout == nil && extras.exitStatus == nil {
                // A heading without steps is prose (an introduction, notes for instructors).
                continue
            }
            if kind == .server && (extras.stdout != nil || extras.exitStatus != nil) {
                error(extras.line ?? h.line, "only client exercises check what the program printed or its exit status",
                      help: "a server is stopped by the grader at the end, so its output and status say nothing; check what it sends instead")
            }
            if let other = names[title.name] {
                error(h.line, "two checks are named `\(title.name)` (lines \(other) and \(h.line))", help: "give each check its own name: reports and gradebooks list checks by name")
            }
            names[title.name] = h.line
            checks.append(Check(number: checks.count + 1, name: title.name, points: title.points, hidden: title.hidden, within: title.within,
                                hint: extras.hint, steps: steps, stdout: extras.stdout, exitStatus: extras.exitStatus, line: h.line))
        }
        if checks.isEmpty {
            diags.append(Diagnostic(at: SourceLocation(line: 1, column: 1), "this exercise has no checks",
                help: "each check is a `## ` heading followed by a ```steps block, like:\n## Echoes a message (2 points)\n```steps\nc = socket(AF_INET, SOCK_STREAM)\nc.connect(program.address)\n```"))
        }
        if kind == .client && !sawSetup && doc.meta("program") != nil {
            diags.append(Diagnostic(at: SourceLocation(line: 1, column: 1), "a client exercise needs a `## Setup` section that starts the server the program connects to",
                help: "add:\n## Setup\n```steps\nserver = socket(AF_INET, SOCK_STREAM)\nserver.bind((\"127.0.0.1\", 0))\nserver.listen(5)\n```"))
        }
        if kind == .client && sawSetup && setup.isEmpty {
            diags.append(Diagnostic(at: SourceLocation(line: headings.first { Heading.parse($0.text).name.lowercased() == "setup" }?.line ?? 1, column: 1),
                "the `## Setup` section has no steps", help: "create and bind the server the program connects to in a ```steps block"))
        }
        // The socket steps: the checker knows `program` (server exercises) as the external program.
        diags += Checker.check(doc, predefined: kind == .server ? ["program"] : [])

        let exercise = Exercise(document: doc, kind: kind, transport: transport, setup: setup, checks: checks, timeout: timeout,
                                checkTimeout: checkTimeout, startTimeout: startTimeout, quiet: quiet, outputLimit: outputLimit, passAt: passAt)
        return (exercise, diags)
    }

    public static func parsePassAt(_ text: String) -> Exercise.PassAt? {
        let t = text.trimmingWhitespace
        if t.hasSuffix("%"), let v = Double(t.dropLast().trimmingWhitespace), v >= 0, v <= 100 { return .percent(v) }
        if let v = Double(t), v >= 0 { return .points(v) }
        return nil
    }

    /// The hint (`> Hint: ...`), the expected output (a ```stdout block) and `Exit status: N` of a section.
    static func sectionExtras(_ lines: [String], range: ClosedRange<Int>) -> (hint: String?, stdout: [String]?, exitStatus: Int32?, line: Int?) {
        var hint: [String] = []
        var inHint = false
        var stdout: [String]?
        var exitStatus: Int32?
        var firstLine: Int?
        var n = range.lowerBound
        while n <= range.upperBound, n <= lines.count {
            let line = lines[n - 1]
            let t = line.trimmingWhitespace
            if t.hasPrefix("```") || t.hasPrefix("~~~") {
                let fence = String(t.prefix { $0 == "`" || $0 == "~" })
                let info = t.dropFirst(fence.count).trimmingWhitespace
                var body: [String] = []
                var j = n + 1
                while j <= lines.count, !(lines[j - 1].trimmingWhitespace.hasPrefix(fence)) { body.append(lines[j - 1]); j += 1 }
                if info == "stdout" { stdout = body; firstLine = firstLine ?? n }
                n = j + 1
                inHint = false
                continue
            }
            if t.lowercased().hasPrefix("> hint:") {
                hint = [String(t.dropFirst(7)).trimmingWhitespace]
                inHint = true
            } else if inHint, t.hasPrefix(">") {
                hint.append(String(t.dropFirst()).trimmingWhitespace)
            } else {
                inHint = false
            }
            if t.lowercased().hasPrefix("exit status:"), let v = Int32(t.dropFirst(12).trimmingWhitespace) {
                exitStatus = v
                firstLine = firstLine ?? n
            }
            n += 1
        }
        let h = hint.joined(separator: " ").trimmingWhitespace
        return (h.isEmpty ? nil : h, stdout, exitStatus, firstLine)
    }
}

/// A check's heading: `Echoes a message (2 points, hidden, within 1 s)`.
struct Heading {
    var name: String
    var points: Double = 1
    var hidden = false
    var within: Double?
    var problem: String?

    static func parse(_ text: String) -> Heading {
        let t = text.trimmingWhitespace
        guard t.hasSuffix(")"), let open = t.lastIndex(of: "(") else { return Heading(name: t) }
        var h = Heading(name: t[..<open].trimmingWhitespace)
        let inner = t[t.index(after: open)..<t.index(before: t.endIndex)]
        var understood = false
        for part in inner.split(separator: ",").map({ $0.trimmingWhitespace.lowercased() }) {
            let words = part.split(separator: " ").map(String.init)
            if part == "hidden" { h.hidden = true; understood = true }
            else if words.count == 2, words[1] == "point" || words[1] == "points" || words[1] == "pts", let p = Double(words[0]), p >= 0 { h.points = p; understood = true }
            else if words.first == "within", let d = Duration.parse(words.dropFirst().joined(separator: " ")), d > 0 { h.within = d; understood = true }
            else if understood {
                h.problem = "`\(part)` in the heading is not understood"
            } else {
                // Parentheses that say nothing about grading are part of the name: `Echo (again)`.
                return Heading(name: t)
            }
        }
        if h.name.isEmpty { h.problem = "the check has no name before its parentheses" }
        return h
    }
}

/// Seconds written as `2`, `1.5 s`, `500 ms`.
enum Duration {
    static func parse(_ text: String) -> Double? {
        let t = text.trimmingWhitespace.lowercased()
        for (suffix, scale) in [("ms", 0.001), ("seconds", 1.0), ("second", 1.0), ("sec", 1.0), ("s", 1.0)] where t.hasSuffix(suffix) {
            return Double(t.dropLast(suffix.count).trimmingWhitespace).map { $0 * scale }
        }
        return Double(t)
    }
}

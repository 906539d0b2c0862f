import FoundationEssentials
import Render
import Runner
import ScenarioFormat

/// `sockstep verify FILE`: checks a learner's copy of a "your turn" exercise and says what is still wrong.
public enum VerifyCommand: Command {
    public static let name = "verify"
    public static let summary = "Check your copy of a \"your turn\" exercise and say what is still wrong."
    public static let help = """
    OVERVIEW: Check your copy of a "your turn" exercise and say what is still wrong.

    First every `???` left in a step is reported as a gap not filled yet, with its place. When
    there are none, the file is checked and run like `sockstep run`, and each step that does not
    do what the exercise expects is explained, with the exercise's hint (`hint:` in the front
    matter, or `> Hint:` lines).

    USAGE: sockstep verify [--ascii] <file>

    ARGUMENTS:
      <file>          Your edited copy of an exercise (scenarios/exercises/your-turn/*.md).

    OPTIONS:
      --ascii         Use plain ASCII marks instead of ✓ and ✗.
      -h, --help      Show help information.

    EXIT STATUS: 0 every step does what the exercise expects, 1 something is still wrong (a gap,
    a mistake, a failing step), 2 the file could not be read, 64 the command line was wrong.

    """

    /// Every `???` inside a steps block: (line, column), 1-based.
    static func gaps(in lines: [String]) -> [SourceLocation] {
        var out: [SourceLocation] = []
        var fence: String?
        for (i, line) in lines.enumerated() {
            let t = line.trimmingWhitespace
            if let f = fence {
                if t.hasPrefix(f) && t.allSatisfy({ $0 == f.first }) { fence = nil; continue }
                var search = line.startIndex
                while let r = line[search...].firstRange(ofText: "???") {
                    out.append(SourceLocation(line: i + 1, column: line.distance(from: line.startIndex, to: r.lowerBound) + 1))
                    search = r.upperBound
                }
            } else if t.hasPrefix("```") || t.hasPrefix("~~~") {
                let f = String(t.prefix { $0 == "`" || $0 == "~" })
                if t.dropFirst(f.count).trimmingWhitespace == "steps" { fence = f }
            }
        }
        return out
    }

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let parsed: ArgumentParser
        switch ArgumentParser.parse(args, spec: .init(flags: ["--ascii": "ascii"], options: [:])) {
        case .success(let p): parsed = p
        case .failure(.message(let m)): return usageError(m, command: self, io: io)
        }
        let files = parsed.positional + parsed.rest
        guard let path = files.first else { return usageError("no exercise file given", command: self, io: io) }
        if files.count > 1 { return usageError("verify takes one file, got \(files.count)", command: self, io: io) }
        let style = io.style(ascii: parsed.flags.contains("ascii"))
        let errStyle = io.style(forStdout: false, ascii: parsed.flags.contains("ascii"))

        guard FileManager.default.fileExists(atPath: path), let data = FileManager.default.contents(atPath: path) else {
            let loaded = Loading.load(path)
            io.err(DiagnosticRenderer.renderAll(loaded.diagnostics, path: path, lines: [], style: errStyle) + "\n")
            return ExitCode.unusable
        }
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        let hints = DocumentParser.parse(data: data, path: path).document.map(Hints.file) ?? []
        let hintText = hints.first

        let found = gaps(in: lines)
        if !found.isEmpty {
            let ds = found.map { Diagnostic(at: $0, length: 3, "gap not filled yet", help: hintText.map { "hint: \($0)" } ?? "replace `???` with what the step needs") }
            io.out(DiagnosticRenderer.renderAll(ds, path: path, lines: lines, style: style) + "\n")
            io.out(style.red(style.cross) + " \(found.count) gap\(found.count == 1 ? "" : "s") left to fill in \(path). Fill \(found.count == 1 ? "it" : "them"), then run `sockstep verify \(path)` again.\n")
            return ExitCode.failed
        }

        let loaded = Loading.load(path)
        if !loaded.diagnostics.isEmpty {
            io.out(DiagnosticRenderer.renderAll(loaded.diagnostics, path: path, lines: loaded.lines, style: style) + "\n")
        }
        guard loaded.usable, let doc = loaded.document else {
            let n = loaded.diagnostics.filter { $0.severity == .error }.count
            io.out(style.red(style.cross) + " \(path) has \(n) mistake\(n == 1 ? "" : "s") to fix before it can run (above).\n")
            if let h = hintText { io.out(style.cyan("hint: ") + h + "\n") }
            return loaded.document == nil && loaded.lines.isEmpty ? ExitCode.unusable : ExitCode.failed
        }
        var options = TerminalRenderer.Options()
        options.quiet = true
        options.width = io.width
        let renderer = TerminalRenderer(style: style, options: options)
        let result = Runner.run(doc)
        if result.passed {
            io.out(style.green(style.check) + " \(path): all \(result.events.count) steps do what the exercise expects. Well done!\n")
            return ExitCode.ok
        }
        let failures = result.failures
        io.out("\(path): \(failures.count) step\(failures.count == 1 ? " does" : "s do") not do what the exercise expects yet:\n\n")
        for e in failures {
            io.out("line \(e.step.location.line):\n" + renderer.render(e))
            for h in Hints.step(e.step).prefix(1) { io.out("       " + style.cyan("about this step: ") + h + "\n") }
        }
        for h in hints { io.out(style.cyan("hint: ") + h + "\n") }
        let skipped = result.events.filter { $0.verdict == .skipped }.count
        if skipped > 0 { io.out(style.dim("\(skipped) later step\(skipped == 1 ? " was" : "s were") not run.") + "\n") }
        io.out(style.red(style.cross) + " not yet: fix the step\(failures.count == 1 ? "" : "s") above, then run `sockstep verify \(path)` again.\n")
        return ExitCode.failed
    }
}

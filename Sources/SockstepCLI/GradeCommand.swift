import FoundationEssentials
import Sockets
import Grader
import Render
import ScenarioFormat

/// `sockstep grade EXERCISE -- COMMAND...`: runs a student's program against an exercise's checks.
public enum GradeCommand: Command {
    public static let name = "grade"
    public static let summary = "Grade a program (any language) against an exercise's checks, on real loopback sockets."
    public static let help = """
    OVERVIEW: Grade a program (any language) against an exercise's checks, on real loopback sockets.

    The command after `--` runs directly, without a shell (write `sh -c '...'` for one). A server
    exercise hands the program a free port in the environment variable PORT (and in place of
    `{port}` in the arguments), waits until it listens, then runs each check against it. A client
    exercise starts the exercise's own server first and hands its address the same way (HOST, PORT,
    `{host}`, `{port}`). At the end the program's whole process group gets TERM, then KILL.

    USAGE: sockstep grade <exercise> [options] -- <command> [<argument>...]
           sockstep grade <exercise> --submissions <dir> [options] -- <command with {dir}>

    ARGUMENTS:
      <exercise>              An exercise file, like scenarios/exercises/echo-server.md.
      <command>               The program to grade, and its arguments.

    OPTIONS:
      --format <format>       text (default), json, gradescope, junit or tap.
      --output <file>         Write the report to <file> instead of standard output. With
                              --submissions: the folder for gradebook.csv, gradebook.json and one
                              report per submission (default: ./gradebook).
      --html <file>           Also write the grade as one self-contained HTML page: each check
                              explained step by step, with a sequence diagram.
      --pass-at <score>       The score that passes: points (6) or a percentage (80%).
                              Default: the exercise's `pass-at`, else full marks.
      --submissions <dir>     Grade every folder in <dir>; `{dir}` in the command is the folder,
                              which is also where the program runs.
      --jobs <n>              Submissions graded at the same time (default: the number of cores).
      --grace <seconds>       Time between TERM and KILL at the end (default 0.5).
      --time-scale <factor>   Multiply every time limit of the exercise (slow machines).
      --show-hidden           Show hidden checks in detail (for instructors).
      --ascii                 Use plain ASCII.
      -h, --help              Show help information.

    EXIT STATUS: 0 full marks (or the pass mark), 1 below it, 2 the exercise or the program could
    not be used, 64 bad command line.

    EXAMPLES:
      sockstep grade scenarios/exercises/echo-server.md -- python3 server.py
      sockstep grade scenarios/exercises/echo-server.md --format gradescope --output results.json -- python3 server.py
      sockstep grade scenarios/exercises/echo-server.md --submissions subs --jobs 4 -- python3 {dir}/server.py

    """

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let spec = ArgumentParser.Spec(
            flags: ["--show-hidden": "show-hidden", "--ascii": "ascii"],
            options: ["--format": "format", "--output": "output", "-o": "output", "--pass-at": "pass-at", "--submissions": "submissions",
                      "--jobs": "jobs", "-j": "jobs", "--grace": "grace", "--time-scale": "time-scale", "--html": "html"])
        let parsed: ArgumentParser
        switch ArgumentParser.parse(args, spec: spec) {
        case .success(let p): parsed = p
        case .failure(.message(let m)): return usageError(m, command: self, io: io)
        }
        guard let exercisePath = parsed.positional.first else {
            return usageError("no exercise given", command: self, io: io)
        }
        CLI.noteNetwork(io)
        if parsed.positional.count > 1 {
            return usageError("unexpected argument '\(parsed.positional[1])'; put the program's command after `--`, like `-- python3 server.py`", command: self, io: io)
        }
        guard !parsed.rest.isEmpty else {
            return usageError("no program to grade; put its command after `--`, like `sockstep grade \(exercisePath) -- python3 server.py`", command: self, io: io)
        }
        var format = ReportFormat.text
        if let f = parsed.options["format"] {
            guard let v = ReportFormat(rawValue: f.lowercased()) else {
                let guess = Suggest.closest(to: f, in: ReportFormat.allCases.map(\.rawValue))
                return usageError("unknown format '\(f)'\(guess.map { ". Did you mean '\($0)'?" } ?? "") (formats: text, json, gradescope, junit, tap)", command: self, io: io)
            }
            format = v
        }
        var passAt: Exercise.PassAt?
        if let p = parsed.options["pass-at"] {
            guard let v = ExerciseLoader.parsePassAt(p) else { return usageError("'--pass-at \(p)' is not a score; write points (6) or a percentage (80%)", command: self, io: io) }
            passAt = v
        }
        var jobs = ProcessInfo.processInfo.activeProcessorCount
        if let j = parsed.options["jobs"] {
            guard let v = Int(j), v >= 1, v <= 256 else { return usageError("'--jobs \(j)' must be a whole number from 1 to 256", command: self, io: io) }
            jobs = v
        }
        var grace = 0.5
        if let g = parsed.options["grace"] {
            guard let v = Double(g), v >= 0, v <= 60 else { return usageError("'--grace \(g)' must be a number of seconds from 0 to 60", command: self, io: io) }
            grace = v
        }
        var scale = 1.0
        if let s = parsed.options["time-scale"] {
            guard let v = Double(s), v >= 0.1, v <= 100 else { return usageError("'--time-scale \(s)' must be a number from 0.1 to 100", command: self, io: io) }
            scale = v
        }

        let loaded = ExerciseLoader.load(path: exercisePath)
        let style = io.style(forStdout: false, ascii: parsed.flags.contains("ascii"))
        let warnings = loaded.diagnostics.filter { $0.severity != .error }
        if loaded.hasErrors || loaded.exercise == nil {
            io.err(DiagnosticRenderer.renderAll(loaded.diagnostics, path: exercisePath, lines: loaded.lines, style: style) + "\n")
            if loaded.isLesson {
                io.err("Error: \(exercisePath) is a lesson: it cannot grade a program (run it with 'sockstep run \(exercisePath)').\n")
            } else {
                io.err("Error: the exercise \(exercisePath) cannot be used until these problems are fixed.\nCheck it with 'sockstep check \(exercisePath)'.\n")
            }
            return ExitCode.unusable
        }
        if !warnings.isEmpty { io.err(DiagnosticRenderer.renderAll(warnings, path: exercisePath, lines: loaded.lines, style: style) + "\n") }
        let exercise = loaded.exercise!

        var options = GradeOptions(command: parsed.rest, environment: io.environment)
        options.passAt = passAt
        options.grace = grace
        options.timeScale = scale
        let reportOptions = ReportOptions(showHidden: parsed.flags.contains("show-hidden"), color: format == .text && parsed.options["output"] == nil && io.style().color)

        if let dir = parsed.options["submissions"] {
            return gradeMany(exercise, dir: dir, options: options, jobs: jobs, format: format, output: parsed.options["output"] ?? "gradebook", reportOptions: reportOptions, io: io)
        }

        if parsed.options["html"] != nil { options.snapshots = true }
        let grade = Grader.grade(exercise, options)
        if let html = parsed.options["html"] {
            do { try write(HTMLReport.render(grade, showHidden: reportOptions.showHidden), to: html) } catch {
                io.err("Error: the page could not be written to \(html): \(ErrorText.describe(error))\nCheck that the folder exists and is writable.\n")
                return ExitCode.unusable
            }
        }
        let report = format.render(grade, options: reportOptions)
        if let out = parsed.options["output"] {
            do { try write(report, to: out) } catch {
                io.err("Error: the report could not be written to \(out): \(ErrorText.describe(error))\nCheck that the folder exists and is writable.\n")
                return ExitCode.unusable
            }
            io.err(grade.summaryText + "\n")
        } else {
            io.out(report)
        }
        if grade.unusable { return ExitCode.unusable }
        return grade.passed ? ExitCode.ok : ExitCode.failed
    }

    static func gradeMany(_ exercise: Exercise, dir: String, options: GradeOptions, jobs: Int, format: ReportFormat, output: String, reportOptions: ReportOptions, io: IO) -> Int32 {
        guard let folders = Gradebook.submissions(in: dir) else {
            io.err("Error: '\(dir)' is not a folder of submissions.\nGive a folder with one subfolder per student: --submissions submissions/\n")
            return ExitCode.usage
        }
        guard !folders.isEmpty else {
            io.err("Error: '\(dir)' has no submission folders in it.\nPut each student's files in a subfolder of it (\(dir)/alice/server.py, \(dir)/bob/server.py).\n")
            return ExitCode.unusable
        }
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            io.err("Error: the gradebook folder '\(output)' cannot be created: \(ErrorText.describe(error))\n")
            return ExitCode.unusable
        }
        let bar = io.stderrIsTerminal
        let err = ProgressLine(io.err)
        let entries = Gradebook.grade(exercise, directory: dir, folders: folders, template: options, jobs: jobs) { done, total in
            guard bar else { return }
            let width = 30
            let filled = width * done / max(1, total)
            err.write("\r  grading [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(done)/\(total)")
        }
        if bar { io.err("\n") }
        do {
            for e in entries {
                try write(format.render(e.grade, options: ReportOptions(showHidden: reportOptions.showHidden)), to: Path.join(output, "\(e.submission).\(format.fileExtension)"))
            }
            try write(Gradebook.csv(entries, exercise: exercise), to: Path.join(output, "gradebook.csv"))
            try write(Gradebook.json(entries, exercise: exercise), to: Path.join(output, "gradebook.json"))
        } catch {
            io.err("Error: the gradebook could not be written to \(output): \(ErrorText.describe(error))\n")
            return ExitCode.unusable
        }
        let passed = entries.filter { $0.grade.passed }.count
        let nameWidth = min(30, max(10, entries.map { $0.submission.count }.max() ?? 10))
        var table = ""
        for e in entries {
            let g = e.grade
            let note = g.problem?.message ?? g.checks.first { $0.status != .passed }.map { "check \($0.number) failed: \($0.name)" } ?? ""
            table += "  " + e.submission.padded(to: nameWidth) + "  " + "\(g.score.pointsText)/\(g.maxScore.pointsText)".padded(to: 8) + "  " + note + "\n"
        }
        io.out(table)
        io.out("Graded \(entries.count) submission\(entries.count == 1 ? "" : "s"): \(passed) passed, \(entries.count - passed) below. Gradebook: \(output)/gradebook.csv and \(output)/gradebook.json\n")
        return passed == entries.count ? ExitCode.ok : ExitCode.failed
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

extension Grade {
    var summaryText: String {
        unusable ? "The program could not be graded: \(problem?.message ?? "")" : "Score: \(score.pointsText)/\(maxScore.pointsText) points\(passed ? " (passed)" : "")."
    }
}

extension Double {
    var pointsText: String { self == rounded() ? String(Int(self)) : String(self) }
}

/// The progress bar's writer: called from the grading threads, one line at a time.
final class ProgressLine: @unchecked Sendable {
    private let lock = Lock()
    private let sink: (String) -> Void
    init(_ sink: @escaping (String) -> Void) { self.sink = sink }
    func write(_ s: String) { lock.lock(); sink(s); lock.unlock() }
}

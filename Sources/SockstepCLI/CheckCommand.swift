import Grader
import Render
import ScenarioFormat

/// `sockstep check FILE...`: reports every problem in every file, without running anything.
public enum CheckCommand: Command {
    public static let name = "check"
    public static let summary = "Check lessons, scenarios and exercises for mistakes, without running them."
    public static let help = """
    OVERVIEW: Check lessons, scenarios and exercises for mistakes, without running them.

    Reports every problem in each file at once: unknown calls, wrong arguments, names used before
    they exist or after close, ports out of range, addresses outside loopback, unterminated strings
    and blocks.

    USAGE: sockstep check [--json] <file>...

    ARGUMENTS:
      <file>          A lesson, scenario or exercise (.md), or a folder of them.

    OPTIONS:
      --json          Print one JSON object per diagnostic.
      --ascii         Use plain ASCII.
      -h, --help      Show help information.

    EXIT STATUS: 0 no errors (warnings allowed), 2 a file has errors, 64 bad command line.

    """

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let spec = ArgumentParser.Spec(flags: ["--json": "json", "--ascii": "ascii"], options: [:])
        let parsed: ArgumentParser
        switch ArgumentParser.parse(args, spec: spec) {
        case .success(let p): parsed = p
        case .failure(.message(let m)): return usageError(m, command: self, io: io)
        }
        let files: [String]
        switch Loading.files(parsed.positional + parsed.rest, command: self, io: io) {
        case .success(let f): files = f
        case .failure(let e): return e.code
        }
        let json = parsed.flags.contains("json")
        let style = io.style(forStdout: false, ascii: parsed.flags.contains("ascii"))
        var errors = 0, warnings = 0
        for path in files {
            // Exercises may use `program`, the program under test.
            var loaded = Loading.load(path, predefined: ["program"])
            // An exercise (it says what the program is) is checked by the grader's own rules too:
            // checks with points, a setup section for client exercises, valid time limits.
            if loaded.document?.meta("program") != nil {
                let exercise = ExerciseLoader.load(path: path)
                loaded.diagnostics = exercise.diagnostics
            }
            errors += loaded.diagnostics.filter { $0.severity == .error }.count
            warnings += loaded.diagnostics.filter { $0.severity == .warning }.count
            if json {
                for d in loaded.diagnostics { io.out(JSONLinesRenderer.diagnostic(d, path: path) + "\n") }
            } else if !loaded.diagnostics.isEmpty {
                io.err(DiagnosticRenderer.renderAll(loaded.diagnostics, path: path, lines: loaded.lines, style: style) + "\n")
            }
        }
        if !json {
            let fileWord = files.count == 1 ? "1 file" : "\(files.count) files"
            var line = "checked \(fileWord): "
            line += errors == 0 ? "no errors" : "\(errors) error\(errors == 1 ? "" : "s")"
            if warnings > 0 { line += ", \(warnings) warning\(warnings == 1 ? "" : "s")" }
            (errors == 0 ? io.out : io.err)(line + "\n")
        }
        return errors == 0 ? ExitCode.ok : ExitCode.unusable
    }
}

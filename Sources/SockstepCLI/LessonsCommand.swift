import FoundationEssentials
import Render

/// `sockstep lessons`: the course, with ✓ for the lessons finished.
public enum LessonsCommand: Command {
    public static let name = "lessons"
    public static let summary = "List the lessons of the course, with ✓ for the ones you finished."
    public static let help = """
    OVERVIEW: List the lessons of the course, with ✓ for the ones you finished.

    The arrow marks the lesson `sockstep learn` continues with.

    USAGE: sockstep lessons [--ascii]

    OPTIONS:
      --ascii         Use plain ASCII marks instead of ✓.
      -h, --help      Show help information.

    \(LessonLibrary.locationHelp)

    PROGRESS: kept in $XDG_STATE_HOME/sockstep (or ~/.local/state/sockstep); `sockstep reset` clears it.

    """

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let parsed: ArgumentParser
        switch ArgumentParser.parse(args, spec: .init(flags: ["--ascii": "ascii"], options: [:])) {
        case .success(let p): parsed = p
        case .failure(.message(let m)): return usageError(m, command: self, io: io)
        }
        if let extra = parsed.positional.first { return usageError("unexpected argument '\(extra)'", command: self, io: io) }
        let style = io.style(ascii: parsed.flags.contains("ascii"))
        guard let library = LessonLibrary.locate(environment: io.environment) else {
            io.err(LessonLibrary.notFound(environment: io.environment))
            return ExitCode.unusable
        }
        guard !library.lessons.isEmpty else {
            io.err("Error: the lessons folder \(library.directory) has no lessons (.md files) yet\n")
            return ExitCode.unusable
        }
        let store = ProgressStore(environment: io.environment)
        let progress = store.load(warn: io.err)
        let next = LearnCommand.continueWith(library, progress)
        let done = library.lessons.filter { progress.isFinished($0.file) }.count
        io.out(Columns.wrap(style.bold("The course") + " (\(library.directory)): \(done) of \(library.lessons.count) finished", width: min(io.width, Columns.proseLimit), indent: "") + "\n\n")
        let width = String(library.lessons.last!.number).count
        for l in library.lessons {
            let mark = progress.isFinished(l.file) ? style.green(style.check) : (style.unicode ? " " : "  ")
            let arrow = l.file == next?.file ? (style.unicode ? "→" : ">") : " "
            let num = String(repeating: " ", count: max(0, width - String(l.number).count)) + String(l.number)
            var line = " \(mark) \(arrow) \(num)  \(style.bold(l.title))"
            if let step = progress.lessons[l.file]?.step, step > 0, !progress.isFinished(l.file) { line += style.dim("  (stopped after step \(step))") }
            if let state = progress.lessons[l.file], state.predicted > 0 { line += style.dim("  (predicted \(state.predictedRight) of \(state.predicted) right)") }
            io.out(line + "\n")
            if let s = l.summary {
                let indent = "        " + String(repeating: " ", count: width)
                io.out(indent + style.dim(Columns.wrap(s, width: max(30, min(io.width, Columns.proseLimit) - indent.count), indent: indent)) + "\n")
            }
        }
        if let n = next {
            io.out("\n" + Columns.wrap("Continue with `sockstep learn` (lesson \(n.number)), or open any lesson with `sockstep learn N`.", width: min(io.width, Columns.proseLimit), indent: "") + "\n")
        } else {
            io.out("\nYou finished the course. Open any lesson again with `sockstep learn N`, or try `sockstep shell`.\n")
        }
        return ExitCode.ok
    }
}

import FoundationEssentials
import Render
import Runner
import ScenarioFormat

/// `sockstep learn [N]`: a lesson one step at a time, the explanation and the socket table after each.
public enum LearnCommand: Command {
    public static let name = "learn"
    public static let summary = "Follow the course one step at a time; continues where you stopped."
    public static let help = """
    OVERVIEW: Follow the course one step at a time; continues where you stopped.

    Shows a lesson's text, then each step. Press Enter to run the step on real loopback sockets
    and see what happened, why, and the socket table. Input is read a line at a time, so any
    terminal works, and so does a pipe: `printf '\\n\\nh\\nq\\n' | sockstep learn 1`. The end of
    the input ends the session; your place is saved after every step.

    USAGE: sockstep learn [<lesson>] [--packets] [--ascii]

    ARGUMENTS:
      <lesson>        The lesson's number (`sockstep lessons` lists them). Without it, continue
                      where you stopped (a lesson you stopped inside replays its earlier steps).

    KEYS (then Enter):
      Enter           Run the step.
      h               A hint for the step and the lesson.
      s               Skip the step (later steps that need its names will say so).
      t               Show the socket table.
      d               Draw the sequence diagram of the steps run so far.
      p               The packets each step run so far put on the wire, and what their
                      flags mean (captured in the lesson's own private network).
      r               Back to the start of the lesson (every socket is closed).
      n               Leave the lesson for the next one.
      q               Quit; `sockstep learn` continues here next time.
      ?               Show the keys.

    OPTIONS:
      -p, --packets   Show the captured packets under every step.
      --ascii         Use plain ASCII marks instead of ✓ and ✗.
      -h, --help      Show help information.

    \(LessonLibrary.locationHelp)

    PROGRESS: kept in $XDG_STATE_HOME/sockstep (or ~/.local/state/sockstep); `sockstep reset` clears it.

    EXIT STATUS: 0 the session ended (finished, quit, or end of input), 2 the lesson could not be
    used, 64 the command line was wrong.

    """

    /// The lesson `sockstep learn` continues with: the one the learner is in, else the first unfinished.
    static func continueWith(_ library: LessonLibrary, _ progress: Progress) -> LessonLibrary.Lesson? {
        if let c = progress.current, let l = library.lesson(file: c), !progress.isFinished(c) { return l }
        return library.lessons.first { !progress.isFinished($0.file) }
    }

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let parsed: ArgumentParser
        switch ArgumentParser.parse(args, spec: .init(flags: ["--ascii": "ascii", "--packets": "packets", "-p": "packets"], options: [:])) {
        case .success(let p): parsed = p
        case .failure(.message(let m)): return usageError(m, command: self, io: io)
        }
        if parsed.positional.count > 1 { return usageError("learn takes one lesson number, got \(parsed.positional.count)", command: self, io: io) }
        guard let library = LessonLibrary.locate(environment: io.environment) else {
            io.err(LessonLibrary.notFound(environment: io.environment))
            return ExitCode.unusable
        }
        guard let first = library.lessons.first, let last = library.lessons.last else {
            io.err("Error: the lessons folder \(library.directory) has no lessons (.md files) yet\n")
            return ExitCode.unusable
        }
        let store = ProgressStore(environment: io.environment)
        var progress = store.load(warn: io.err)
        let lesson: LessonLibrary.Lesson
        var resume = false
        if let arg = parsed.positional.first {
            guard let n = Int(arg) else {
                return usageError("'\(arg)' is not a lesson number; `sockstep lessons` lists them (\(first.number) to \(last.number))", command: self, io: io)
            }
            guard let l = library.lesson(number: n) else {
                return usageError("there is no lesson \(n): the course has lessons \(first.number) to \(last.number) (`sockstep lessons` lists them)", command: self, io: io)
            }
            lesson = l
            // Opening the lesson the learner stopped inside continues it, like `sockstep learn`.
            resume = progress.current == l.file
        } else {
            guard let l = continueWith(library, progress) else {
                io.out("You finished all \(library.lessons.count) lessons. Open one again with `sockstep learn N`, experiment with `sockstep shell`, or start over with `sockstep reset`.\n")
                return ExitCode.ok
            }
            lesson = l
            resume = true
        }
        if !resume { progress.lessons[lesson.file]?.step = 0 }
        CLI.noteNetwork(io)
        let tutor = Tutor(io: io, library: library, store: store, progress: progress, style: io.style(ascii: parsed.flags.contains("ascii")),
                          packets: parsed.flags.contains("packets"))
        return tutor.run(lesson)
    }
}

/// One learn-mode session: reads keys a line at a time, plays lessons, saves progress after each step.
final class Tutor {
    enum End { case finished, quit, endOfInput, restart, nextLesson, unusable }

    let io: IO
    let library: LessonLibrary
    let store: ProgressStore
    var progress: Progress
    let style: Style
    let renderer: TerminalRenderer
    var savedWarningShown = false

    init(io: IO, library: LessonLibrary, store: ProgressStore, progress: Progress, style: Style, packets: Bool = false) {
        self.io = io
        self.library = library
        self.store = store
        self.progress = progress
        self.style = style
        var options = TerminalRenderer.Options()
        options.table = true
        options.packets = packets
        renderer = TerminalRenderer(style: style, options: options)
    }

    var keys: String { "Enter run · h hint · s skip · t table · d diagram · p packets · r restart · n next lesson · q quit" }

    func save() {
        if let warning = store.save(progress), !savedWarningShown {
            savedWarningShown = true
            io.err(warning)
        }
    }

    /// The next line of input, trimmed; nil at the end of the input.
    func key(_ prompt: String) -> String? {
        io.out(prompt)
        guard let line = io.readLine() else {
            io.out("\n")
            return nil
        }
        if !io.stdinIsTerminal { io.out(line.isEmpty ? "\n" : line + "\n") }
        return line.trimmingWhitespace.lowercased()
    }

    func run(_ start: LessonLibrary.Lesson) -> Int32 {
        var lesson = start
        var resumeAt = progress.lessons[lesson.file]?.step ?? 0
        while true {
            progress.current = lesson.file
            progress.lessons[lesson.file, default: .init()].step = resumeAt
            save()
            let end = play(lesson, resumeAt: resumeAt)
            resumeAt = 0
            switch end {
            case .unusable:
                return ExitCode.unusable
            case .restart:
                progress.lessons[lesson.file, default: .init()].step = 0
                io.out("\n" + style.bold("Back to the start of lesson \(lesson.number).") + " Every socket of the lesson was closed.\n")
                continue
            case .quit, .endOfInput:
                let step = progress.lessons[lesson.file]?.step ?? 0
                let why = end == .quit ? "Bye." : "End of input."
                io.out("\(why) Your place is saved: `sockstep learn` continues with lesson \(lesson.number)\(step > 0 ? ", after step \(step)" : "").\n")
                return ExitCode.ok
            case .nextLesson, .finished:
                if end == .finished {
                    progress.lessons[lesson.file, default: .init()].finished = true
                    progress.lessons[lesson.file]?.step = 0
                }
                guard let next = library.next(after: lesson) else {
                    progress.current = nil
                    save()
                    let done = library.lessons.filter { progress.isFinished($0.file) }.count
                    io.out("\n" + style.bold("That was the last lesson") + " (\(done) of \(library.lessons.count) finished). `sockstep lessons` shows the course; `sockstep shell` lets you experiment freely.\n")
                    return ExitCode.ok
                }
                progress.current = next.file
                progress.lessons[next.file, default: .init()].step = 0
                save()
                if end == .finished {
                    while true {
                        guard let k = key("\nNext: lesson \(next.number), \(next.title). Enter to start · q quit > ") else {
                            io.out("End of input. `sockstep learn` continues with lesson \(next.number).\n")
                            return ExitCode.ok
                        }
                        if k.isEmpty || k == "n" { break }
                        if k == "q" || k == "quit" {
                            io.out("Bye. `sockstep learn` continues with lesson \(next.number).\n")
                            return ExitCode.ok
                        }
                        io.out("unknown key '\(k)': press Enter to start the next lesson, or q to quit\n")
                    }
                }
                lesson = next
            }
        }
    }

    /// Shows one lesson, from its start or replaying the first `resumeAt` steps quietly.
    func play(_ lesson: LessonLibrary.Lesson, resumeAt: Int) -> End {
        let loaded = Loading.load(lesson.path)
        let errStyle = io.style(forStdout: false)
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        guard loaded.usable, let doc = loaded.document else {
            io.err(DiagnosticRenderer.renderAll(errors.isEmpty ? loaded.diagnostics : errors, path: lesson.path, lines: loaded.lines, style: errStyle) + "\n")
            io.err("Error: lesson \(lesson.number) (\(lesson.path)) cannot be used: \(errors.count) error\(errors.count == 1 ? "" : "s") above. `sockstep check \(lesson.path)` lists them again.\n")
            return .unusable
        }
        let steps = doc.steps
        let total = steps.count
        let hints = Hints.file(doc)
        io.out("\n" + style.bold("Lesson \(lesson.number) of \(library.lessons.count): \(lesson.title)") + "\n")
        if let s = doc.meta("summary") { io.out(style.dim(s) + "\n") }
        io.out(style.dim("\(total) step\(total == 1 ? "" : "s") · keys: \(keys) · ? help") + "\n")

        let session = Session()
        defer { session.finish() }
        var done = 0
        let replay = min(resumeAt, total)
        var ran: [Event] = []   // the events of this sitting, replayed ones included, for the diagram key
        if replay > 0 {
            io.out("\n" + style.dim("Continuing after step \(replay): replaying the steps you already ran, so the sockets are as you left them.") + "\n")
            for i in 0..<replay {
                let e = session.execute(steps[i], index: i + 1)
                ran.append(e)
                let mark = e.verdict.isSuccess ? style.green(style.check) : style.red(style.cross)
                io.out(" \(mark) \(i + 1)  \(e.step.source)\n")
            }
            done = replay
        }
        var index = 0
        for block in doc.blocks {
            switch block {
            case .heading(let text, let level, _):
                if index >= replay { io.out("\n" + style.bold(String(repeating: "#", count: level) + " " + text) + "\n") }
            case .prose(let text, _):
                if index >= replay { io.out("\n" + terminalProse(text) + "\n") }
            case .steps(let list, _):
                for step in list {
                    index += 1
                    guard index > replay else { continue }
                    var line = "\n" + style.cyan("step \(index)/\(total)") + "  " + style.bold(step.source)
                    if let c = step.comment { line += "  " + style.dim("# " + c) }
                    io.out(line + "\n")
                    stepLoop: while true {
                        guard let k = key(style.dim("[Enter run · h · s · t · d · p · r · n · q · ?]") + " > ") else { return .endOfInput }
                        switch k {
                        case "":
                            let event = session.execute(step, index: index)
                            ran.append(event)
                            io.out(renderer.render(event))
                            break stepLoop
                        case "d", "diagram":
                            io.out(ran.isEmpty ? style.dim("No step has run yet: press Enter to run one.") + "\n"
                                               : DiagramRenderer.render(events: ran, style: style) + "\n")
                        case "p", "packets":
                            io.out(PacketsKey.text(ran, style: style))
                        case "h", "hint":
                            let all = Hints.step(step) + hints.map { "Lesson hint: \($0)" }
                            io.out(all.map { style.cyan("hint: ") + $0 }.joined(separator: "\n") + "\n")
                        case "s", "skip":
                            io.out(style.dim("Skipped step \(index): it was not run. Later steps that use what it creates will fail with NameError, and say so.") + "\n")
                            break stepLoop
                        case "t", "table":
                            io.out(SocketTableRenderer.render(session.snapshot(), indent: "  ", style: style) + "\n")
                        case "r", "restart":
                            return .restart
                        case "n", "next":
                            return .nextLesson
                        case "q", "quit", "exit":
                            return .quit
                        case "?", "help":
                            io.out("keys: \(keys)\n(type the key, then Enter)\n")
                        default:
                            io.out("unknown key '\(k)'. keys: \(keys)\n")
                        }
                    }
                    done = index
                    progress.lessons[lesson.file, default: .init()].step = done
                    save()
                }
            }
        }
        io.out("\n" + style.green(style.bold("End of lesson \(lesson.number).")) + " You ran all \(total) steps.\n")
        return .finished
    }
}

extension Tutor {
    /// Markdown's `**strong**` as bold on a terminal, and as plain words elsewhere: the asterisks
    /// only get in the way of reading. Code spans and blocks are left as written.
    func terminalProse(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstRange(ofText: "**"), let close = rest[open.upperBound...].firstRange(ofText: "**") {
            out += rest[..<open.lowerBound]
            out += style.bold(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}

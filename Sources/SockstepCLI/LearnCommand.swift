import FoundationEssentials
import Render
import Runner
import ScenarioFormat

/// `sockstep learn [N]`: a lesson one step at a time, the explanation and the socket table after each.
public enum LearnCommand: Command {
    public static let name = "learn"
    public static let summary = "Follow the course one step at a time; continues where you stopped."
    public static var help: String { """
    OVERVIEW: Follow the course one step at a time; continues where you stopped.

    Shows a lesson's text, then each step. Press Enter to run the step on real loopback sockets
    and see what happened and why. Input is read a line at a time, so any terminal works, and so
    does a pipe: `printf '\\n\\nh\\nq\\n' | sockstep learn 1`. The end of the input ends the
    session; your place is saved after every step.

    USAGE: sockstep learn [<lesson>] [--predict] [--details | --beginner] [--packets] [--ascii]

    ARGUMENTS:
      <lesson>        The lesson's number (`sockstep lessons` lists them). Without it, continue
                      where you stopped (a lesson you stopped inside replays its earlier steps).

    KEYS (then Enter):
    \(LearnKey.helpText())
    VIEWS: lessons marked `level: beginner` (the first three) start in the beginner view: the
    result and the plain explanation; `m` shows the system call, C and the socket table of the
    step that ran, `v` switches to the full view. Other lessons start in the full view.

    PREDICT: with --predict (or `g`), a step's expectation is hidden and you say what the call will
    do first: a number from the menu, or your own words (`blocks`, `b"hi"`, `ECONNREFUSED`,
    `ConnectionResetError`). The step then runs, and the run says whether you were right; the
    right guesses are counted in your progress.

    OPTIONS:
      --predict       Start in predict mode (`g` switches it on and off).
      --details       Always the full view: strace, C and the socket table after every step.
      --beginner      Always the beginner view, whatever the lesson's level.
      -p, --packets   Show the captured packets under every step.
      --ascii         Use plain ASCII marks instead of ✓ and ✗.
      -h, --help      Show help information.

    \(LessonLibrary.locationHelp)

    On a terminal the keys are typed with a line editor (arrows move in the line); Ctrl-C quits
    as `q` does, Ctrl-D ends the input.

    PROGRESS: kept in $XDG_STATE_HOME/sockstep (or ~/.local/state/sockstep); `sockstep reset` clears it.

    EXIT STATUS: 0 the session ended (finished, quit, or end of input), 2 the lesson could not be
    used, 64 the command line was wrong.

    """ }

    /// The lesson `sockstep learn` continues with: the one the learner is in, else the first unfinished.
    static func continueWith(_ library: LessonLibrary, _ progress: Progress) -> LessonLibrary.Lesson? {
        if let c = progress.current, let l = library.lesson(file: c), !progress.isFinished(c) { return l }
        return library.lessons.first { !progress.isFinished($0.file) }
    }

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let parsed: ArgumentParser
        switch ArgumentParser.parse(args, spec: .init(flags: ["--ascii": "ascii", "--predict": "predict", "--details": "details", "--beginner": "beginner",
                                                             "--packets": "packets", "-p": "packets"], options: [:])) {
        case .success(let p): parsed = p
        case .failure(.message(let m)): return usageError(m, command: self, io: io)
        }
        if parsed.flags.contains("details") && parsed.flags.contains("beginner") {
            return usageError("--details and --beginner ask for opposite views: give one of them", command: self, io: io)
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
        tutor.predict = parsed.flags.contains("predict")
        tutor.viewChoice = parsed.flags.contains("details") ? true : parsed.flags.contains("beginner") ? false : nil
        defer { tutor.reader?.finish() }
        return tutor.run(lesson)
    }
}

/// Every key of learn mode, in one place: the prompt, the `?` list, `--help` and the dispatch in
/// `Tutor.play` are all built from this table. To add a key: a case, its row below, its branch in
/// `play`.
enum LearnKey: CaseIterable {
    case run, hint, skip, table, more, diagram, packets, view, predict, restart, next, quit, help

    /// What the learner types; the first is the key shown.
    var typed: [String] {
        switch self {
        case .run: return [""]
        case .hint: return ["h", "hint"]
        case .skip: return ["s", "skip"]
        case .table: return ["t", "table"]
        case .more: return ["m", "more"]
        case .diagram: return ["d", "diagram"]
        case .packets: return ["p", "packets"]
        case .view: return ["v", "view"]
        case .predict: return ["g", "guess", "predict"]
        case .restart: return ["r", "restart"]
        case .next: return ["n", "next"]
        case .quit: return ["q", "quit", "exit"]
        case .help: return ["?", "help"]
        }
    }
    /// One or two words for the keys line.
    var label: String {
        switch self {
        case .run: return "run"
        case .hint: return "hint"
        case .skip: return "skip"
        case .table: return "table"
        case .more: return "more"
        case .diagram: return "diagram"
        case .packets: return "packets"
        case .view: return "view"
        case .predict: return "guess first"
        case .restart: return "restart"
        case .next: return "next lesson"
        case .quit: return "quit"
        case .help: return "keys"
        }
    }
    /// The line in `--help`.
    var help: String {
        switch self {
        case .run: return "Run the step (in predict mode: run it without guessing)."
        case .hint: return "A hint for the step and the lesson."
        case .skip: return "Skip the step (later steps that need its names will say so)."
        case .table: return "Show the socket table."
        case .more: return "More about the step that ran: the system call (strace), C, the table."
        case .diagram: return "Draw the sequence diagram of the steps run so far."
        case .packets: return "The packets each step run so far put on the wire, and what their flags mean (captured in the lesson's own private network)."
        case .view: return "Switch between the beginner view and the full view."
        case .predict: return "Predict mode on or off: guess what each call does before it runs."
        case .restart: return "Back to the start of the lesson (every socket is closed)."
        case .next: return "Leave the lesson for the next one."
        case .quit: return "Quit; `sockstep learn` continues here next time."
        case .help: return "Show the keys."
        }
    }
    var shown: String { self == .run ? "Enter" : typed[0] }

    static func from(_ typed: String) -> LearnKey? { allCases.first { $0.typed.contains(typed) } }
    /// "Enter run · h hint · ..."
    static var line: String { allCases.map { "\($0.shown) \($0.label)" }.joined(separator: " · ") }
    /// Short, so a typed line has room on an 80-column terminal: `?` lists the others.
    static var prompt: String { "[Enter run · h hint · ? keys]" }
    static var predictPrompt: String { "[your guess, or Enter to run · ? keys]" }
    /// One line a key (wrapped under its text), for `--help` (96 columns) and for `?` (the terminal's width).
    static func helpText(width: Int = 96) -> String {
        allCases.map { "  " + $0.shown.padded(to: 16) + Columns.wrap($0.help, width: max(30, width - 18), indent: String(repeating: " ", count: 18)) + "\n" }.joined()
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
    /// Show the captured packets under every step (`--packets`).
    let packets: Bool
    var savedWarningShown = false
    /// Predict mode: hide each expectation and ask first.
    var predict = false
    /// The view the learner chose (--details, --beginner or `v`): true full, false beginner, nil by the lesson's level.
    var viewChoice: Bool?
    /// The view of the lesson being played.
    var details = true
    /// On a terminal, keys are typed with the shell's line editor (arrows move, they are no keys).
    lazy var reader: TerminalLineReader? = {
        let r = TerminalLineReader(io: io, historyFile: nil)
        r?.cancelAs = "q"   // Ctrl-C leaves learn, with the place saved
        return r
    }()

    init(io: IO, library: LessonLibrary, store: ProgressStore, progress: Progress, style: Style, packets: Bool = false) {
        self.io = io
        self.library = library
        self.store = store
        self.progress = progress
        self.style = style
        self.packets = packets
    }

    /// Laid out for the terminal's width at each step (the window may have been resized).
    func renderer(details: Bool) -> TerminalRenderer {
        var options = TerminalRenderer.Options()
        options.table = true
        options.details = details
        options.width = io.width
        options.packets = packets
        return TerminalRenderer(style: style, options: options)
    }

    /// Prose wraps to the terminal, at most the prose measure.
    var proseWidth: Int { min(io.width, Columns.proseLimit) }
    /// Prose for the terminal; `indent` starts the lines after the first, and `lead` columns are
    /// already taken on the first (by a label such as `hint: `).
    func say(_ text: String, indent: String = "", lead: Int = 0) -> String { Columns.wrap(text, width: proseWidth - lead, indent: indent) }

    var keys: String { LearnKey.line }

    func save() {
        if let warning = store.save(progress), !savedWarningShown {
            savedWarningShown = true
            io.err(warning)
        }
    }

    /// The next line of input, trimmed; nil at the end of the input.
    func key(_ prompt: String) -> String? {
        let read: String?
        if let reader {
            read = reader.readLine(prompt: prompt, width: { self.io.width })
        } else {
            io.out(prompt)
            read = io.readLine()
            if read == nil { io.out("\n") }
        }
        guard let line = read else { return nil }
        if !io.stdinIsTerminal { io.out(line.isEmpty ? "\n" : line + "\n") }
        return String(line.trimmingWhitespace)
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
                io.out("\n" + say(style.bold("Back to the start of lesson \(lesson.number).") + " Every socket of the lesson was closed.") + "\n")
                continue
            case .quit, .endOfInput:
                let step = progress.lessons[lesson.file]?.step ?? 0
                let why = end == .quit ? "Bye." : "End of input."
                io.out(say("\(why) Your place is saved: `sockstep learn` continues with lesson \(lesson.number)\(step > 0 ? ", after step \(step)" : "").") + "\n")
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
                    io.out("\n" + say(style.bold("That was the last lesson") + " (\(done) of \(library.lessons.count) finished). `sockstep lessons` shows the course; `sockstep shell` lets you experiment freely.") + "\n")
                    return ExitCode.ok
                }
                progress.current = next.file
                progress.lessons[next.file, default: .init()].step = 0
                save()
                if end == .finished {
                    while true {
                        guard let k = key("\n" + say("Next: lesson \(next.number), \(next.title). Enter to start · q quit") + " > ")?.lowercased() else {
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
        details = viewChoice ?? (doc.meta("level") != "beginner")
        io.out("\n" + say(style.bold("Lesson \(lesson.number) of \(library.lessons.count): \(lesson.title)")) + "\n")
        if let s = doc.meta("summary") { io.out(style.dim(say(s)) + "\n") }
        var about = "\(total) step\(total == 1 ? "" : "s")"
        about += details ? " · full view" : " · beginner view (m more, v full view)"
        if predict { about += " · predict mode (g off)" }
        io.out(style.dim(say(about + " · keys: \(keys)")) + "\n")

        let session = Session()
        defer { session.finish() }
        var done = 0
        let replay = min(resumeAt, total)
        var ran: [Event] = []   // the events of this sitting, replayed ones included, for the diagram key
        var last: Event?        // the step that ran last, for `m`
        var moreShown = false   // the beginner view names `m` once per lesson
        if replay > 0 {
            io.out("\n" + style.dim(say("Continuing after step \(replay): replaying the steps you already ran, so the sockets are as you left them.")) + "\n")
            for i in 0..<replay {
                let e = session.execute(steps[i], index: i + 1)
                ran.append(e)
                last = e
                let mark = e.verdict.isSuccess ? style.green(style.check) : style.red(style.cross)
                io.out(" \(mark) \(i + 1)  \(e.step.source)\n")
            }
            done = replay
        }
        var index = 0
        for block in doc.blocks {
            switch block {
            case .heading(let text, let level, _):
                if index >= replay { io.out("\n" + style.bold(say(String(repeating: "#", count: level) + " " + text)) + "\n") }
            case .prose(let text, _):
                if index >= replay { io.out("\n" + Columns.reflow(terminalProse(text), width: proseWidth) + "\n") }
            case .steps(let list, _):
                for step in list {
                    index += 1
                    guard index > replay else { continue }
                    var shownHeader = false
                    stepLoop: while true {
                        let prediction = predict ? Prediction(step: step) : nil
                        if !shownHeader {
                            showStep(step, index: index, total: total, prediction: prediction)
                            shownHeader = true
                        }
                        let prompt = prediction != nil ? LearnKey.predictPrompt : LearnKey.prompt
                        guard let typed = key(style.dim(prompt) + " > ") else { return .endOfInput }
                        let k = typed.lowercased()
                        guard let action = LearnKey.from(k) else {
                            if let prediction, let guess = prediction.parse(typed) {
                                let event = session.execute(step, index: index)
                                ran.append(event)
                                last = event
                                io.out(String(renderer(details: details).render(event).dropLast()))
                                judge(guess, prediction, event, lesson: lesson, index: index)
                                break stepLoop
                            }
                            if let prediction, Int(k) != nil {
                                io.out("there are \(prediction.choices.count) choices: type a number from 1 to \(prediction.choices.count), or your guess in words\n")
                                continue
                            }
                            if predict && prediction == nil {
                                io.out(say("Nothing to guess here: this step says nothing about its result. Press Enter to run it.") + "\n")
                                continue
                            }
                            io.out(say("unknown key '\(k)'. keys: \(keys)") + "\n")
                            continue
                        }
                        switch action {
                        case .run:
                            let event = session.execute(step, index: index)
                            ran.append(event)
                            last = event
                            io.out(String(renderer(details: details).render(event).dropLast()))
                            if !details && !moreShown {
                                moreShown = true
                                io.out(style.dim(say("(m: what the kernel was asked — the system call, C and the socket table; v: always show them)")) + "\n")
                            }
                            break stepLoop
                        case .more:
                            if let last {
                                let more = renderer(details: true).details(last)
                                let calls = last.syscalls.isEmpty ? ": no system call (sockstep read the kernel's view of the socket)" : ""
                                io.out(say(style.bold("More about step \(last.index)") + ", `\(last.step.source)`\(calls)") + "\n" + more)
                            } else {
                                io.out(style.dim("No step has run yet: press Enter to run one.") + "\n")
                            }
                        case .view:
                            details.toggle()
                            viewChoice = details
                            io.out(say(details ? "Full view: strace, C and the socket table after every step (v: back to the beginner view)."
                                               : "Beginner view: the result and the plain explanation (m: more about a step, v: the full view).") + "\n")
                        case .predict:
                            predict.toggle()
                            io.out(say(predict ? "Predict mode: before a step runs, say what it will do (a number or your words)."
                                               : "Predict mode is off: Enter runs each step.") + "\n")
                            shownHeader = false
                        case .diagram:
                            io.out(ran.isEmpty ? style.dim("No step has run yet: press Enter to run one.") + "\n"
                                               : DiagramRenderer.render(events: ran, style: style, width: io.terminalWidth) + "\n")
                        case .packets:
                            io.out(PacketsKey.text(ran, style: style))
                        case .hint:
                            let all = Hints.step(step) + hints.map { "Lesson hint: \($0)" }
                            io.out(all.map { style.cyan("hint: ") + say($0, indent: "      ", lead: 6) }.joined(separator: "\n") + "\n")
                        case .skip:
                            io.out(style.dim(say("Skipped step \(index): it was not run. Later steps that use what it creates will fail with NameError, and say so.")) + "\n")
                            break stepLoop
                        case .table:
                            io.out(SocketTableRenderer.render(session.snapshot(), indent: "  ", style: style, width: io.width) + "\n")
                        case .restart:
                            return .restart
                        case .next:
                            return .nextLesson
                        case .quit:
                            return .quit
                        case .help:
                            io.out(LearnKey.helpText(width: proseWidth) + "(type the key, then Enter)\n")
                        }
                    }
                    done = index
                    progress.lessons[lesson.file, default: .init()].step = done
                    save()
                }
            }
        }
        var end = style.green(style.bold("End of lesson \(lesson.number).")) + " You ran all \(total) steps."
        if let state = progress.lessons[lesson.file], state.predicted > 0 {
            end += " You predicted \(state.predictedRight) of \(state.predicted) right."
        }
        io.out("\n" + say(end) + "\n")
        return .finished
    }

    /// The step about to run; in predict mode without its expectation, and the menu of guesses.
    func showStep(_ step: Step, index: Int, total: Int, prediction: Prediction?) {
        let lead = style.cyan("step \(index)/\(total)") + "  "
        let source = prediction.map { $0.hiddenSource + " -> ?" } ?? step.source
        var line = lead + style.bold(Columns.wrapCode(source, first: io.width - Columns.width(of: lead), rest: io.width - 4, indent: "    "))
        if let c = step.comment, prediction == nil {
            let comment = style.dim("# " + c)
            line += Columns.width(of: line) + 2 + Columns.width(of: comment) <= io.width ? "  " + comment : "\n    " + style.dim(say("# " + c, indent: "      "))
        }
        io.out("\n" + line + "\n")
        guard let prediction else { return }
        switch prediction.mode {
        case .kinds: io.out(say("What will it do? Pick a number, or say it in your own words (`blocks`, `b\"hi\"`, `ECONNREFUSED`):") + "\n")
        case .states: io.out(say("Which state will it be in? Pick a number, or type the state:") + "\n")
        case .value: io.out(say("What will it be? Type the value as Python would show it (`1`, `b\"hi\"`, `(\"127.0.0.1\", _)`), or an error's name:") + "\n")
        }
        for (i, c) in prediction.choices.enumerated() { io.out("  \(i + 1)  \(c.label)\n") }
    }

    /// Says whether the guess was right, from what the step really did, and counts it.
    func judge(_ guess: Prediction.Guess, _ prediction: Prediction, _ event: Event, lesson: LessonLibrary.Lesson, index: Int) {
        guard let actual = prediction.actual(event) else {
            io.out(style.dim("This step did not run on a socket, so there is nothing to compare your guess with.") + "\n")
            return
        }
        let right = prediction.isRight(guess, event)
        progress.lessons[lesson.file, default: .init()].predictions = (progress.lessons[lesson.file]?.predictions ?? [:]).merging([String(index): right]) { $1 }
        let state = progress.lessons[lesson.file]!
        let tally = style.dim("(\(state.predictedRight) of \(state.predicted) right in this lesson)")
        if right {
            io.out(say(style.green(style.check + " Right:") + " " + prediction.describe(actual) + ". " + tally) + "\n")
        } else {
            io.out(say(style.yellow("Not this time:") + " you said " + String(prediction.describe(guess).dropFirst(prediction.describe(guess).hasPrefix("it ") ? 3 : 0))
                       + ", but " + prediction.describe(actual) + ". The explanation above says why. " + tally) + "\n")
        }
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

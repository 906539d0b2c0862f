import FoundationEssentials
import Sockets
import Render
import Runner
import ScenarioFormat

/// `sockstep shell`: type a step, see it run and explained at once, with the socket table after it.
public enum ShellCommand: Command {
    public static let name = "shell"
    public static let summary = "Type steps one at a time and see each run and explained at once."
    public static let help = """
    OVERVIEW: Type steps one at a time and see each run and explained at once.

    Every line is a step, written as in a lesson (`s = socket(AF_INET, SOCK_STREAM)`,
    `c.connect(server.address)`, `conn.recv(1024) -> blocks`). It runs on real loopback sockets,
    and the explanation and the socket table follow. A line with a mistake is diagnosed as in a
    file and not run; the session goes on. Input may come from a pipe; its end ends the session.

    USAGE: sockstep shell [--packets] [--ascii]

    COMMANDS (inside the shell):
      :help              Show these commands.
      :table             Show the socket table.
      :packets           The packets the steps so far put on the wire (captured), and what
                         their flags mean.
      :explain <name>    Explain an errno (ECONNRESET), a call (listen) or a TCP state.
      :save <file>       Write the steps typed so far as a lesson that `sockstep run` accepts;
                         what each step did becomes its expectation (`-> ECONNREFUSED`, `-> blocks`).
      :reset             Close every socket and start afresh.
      :quit              Leave (so does the end of input, or Ctrl-D).

    LINE EDITING (on a terminal): ← → Home End, Backspace Delete, Ctrl-A/E start/end,
    Ctrl-K/U erase to the end/start, Ctrl-W the word before; ↑ ↓ the history (kept in
    $XDG_STATE_HOME/sockstep/shell_history); Ctrl-L clears the screen, Ctrl-C drops the line,
    Ctrl-D on an empty line leaves.

    OPTIONS:
      -p, --packets      Show the captured packets under every step.
      --ascii            Use plain ASCII marks instead of ✓ and ✗.
      -h, --help         Show help information.

    """

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let parsed: ArgumentParser
        switch ArgumentParser.parse(args, spec: .init(flags: ["--ascii": "ascii", "--packets": "packets", "-p": "packets"], options: [:])) {
        case .success(let p): parsed = p
        case .failure(.message(let m)): return usageError(m, command: self, io: io)
        }
        if let extra = parsed.positional.first { return usageError("unexpected argument '\(extra)'", command: self, io: io) }
        CLI.noteNetwork(io)
        return Shell(io: io, style: io.style(ascii: parsed.flags.contains("ascii")), packets: parsed.flags.contains("packets")).run()
    }
}

/// The shell's state: the session, the checker's view of the names, and what was typed.
final class Shell {
    struct Recorded {
        var step: Step
        var outcome: Outcome
        var verdict: Verdict
    }

    let io: IO
    let style: Style
    /// Show the captured packets under every step (`--packets`).
    let packets: Bool
    /// Laid out for the terminal's width at each step (the window may have been resized).
    var renderer: TerminalRenderer {
        var options = TerminalRenderer.Options()
        options.table = true
        options.stopsOnUnexpected = false
        options.width = io.width
        options.packets = packets
        return TerminalRenderer(style: style, options: options)
    }
    var session = Session()
    var checker = CheckerState()
    /// `PORT = 0` typed earlier: later lines use its value, as in a lesson.
    var namedValues: [String: Node] = [:]
    var recorded: [Recorded] = []
    /// The events since the last :reset, for :packets.
    var events: [Event] = []
    var lineNumber = 0
    var stepNumber = 0

    static let commands = [":help", ":table", ":packets", ":explain", ":save", ":reset", ":quit"]

    init(io: IO, style: Style, packets: Bool = false) {
        self.io = io
        self.style = style
        self.packets = packets
    }

    deinit { session.finish() }

    func run() -> Int32 {
        io.out(Columns.wrap(style.bold("sockstep shell") + " — type a step, e.g. `s = socket(AF_INET, SOCK_STREAM)`. :help for commands, :quit to leave.",
                            width: min(io.width, Columns.proseLimit), indent: "") + "\n")
        // On a terminal, a line editor with history; from a pipe, a line at a time as always.
        let reader = TerminalLineReader(io: io, historyFile: ProgressStore(environment: io.environment).directory + "/shell_history")
        while true {
            let raw: String?
            if let reader {
                raw = reader.readLine(prompt: style.cyan("sockstep> "), width: { self.io.width })
            } else {
                io.out(style.cyan("sockstep> "))
                raw = io.readLine()
                if raw == nil { io.out("\n") }
            }
            guard let raw else { break }
            if !io.stdinIsTerminal { io.out(raw + "\n") }
            lineNumber += 1
            let line = raw.trimmingWhitespace
            if line.isEmpty || line.hasPrefix("#") { continue }
            if ["quit", "exit", "quit()", "exit()"].contains(line) { break }
            if line.hasPrefix(":") {
                if !command(line) { break }
                continue
            }
            step(line)
        }
        reader?.finish()
        session.finish()
        io.out("Bye: every socket of the session is closed.\n")
        return ExitCode.ok
    }

    /// Runs a `:command`; false to leave the shell.
    func command(_ line: String) -> Bool {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let name = parts[0]
        let arg = parts.count > 1 ? parts[1].trimmingWhitespace : ""
        switch name {
        case ":help", ":h", ":?":
            io.out("""
            Type a step as in a lesson: `s = socket(AF_INET, SOCK_STREAM)`,
            `s.bind(("127.0.0.1", 0))`, `c.connect(s.address)`, `conn.recv(1024) -> blocks`.
            Commands:
              :table             the socket table
              :packets           the packets the steps so far sent, as captured
              :explain <name>    an errno (ECONNRESET), a call (listen), a state (TIME_WAIT)
              :save <file>       write the steps so far as a lesson for `sockstep run`
              :reset             close every socket and start afresh
              :quit              leave (or the end of input)

            """)
        case ":table", ":t":
            io.out(SocketTableRenderer.render(session.snapshot(), indent: "  ", style: style, width: io.width) + "\n")
        case ":packets", ":p":
            io.out(PacketsKey.text(events, style: style, width: io.width))
        case ":explain", ":e":
            // With no name, every name it knows, as `sockstep explain` lists them.
            _ = ExplainCommand.run(arg.isEmpty ? [] : [arg], io, spelledAs: ":explain")
        case ":save", ":w":
            save(arg)
        case ":reset":
            session.finish()
            session = Session()
            checker = CheckerState()
            namedValues = [:]
            recorded = []
            events = []
            stepNumber = 0
            io.out("Every socket is closed; the session starts afresh.\n")
        case ":quit", ":q", ":exit":
            return false
        default:
            let guess = Suggest.closest(to: name, in: Shell.commands)
            io.err(Columns.wrap("error: unknown command `\(name)`\(guess.map { "; did you mean `\($0)`?" } ?? ""); :help lists the commands", width: io.width, indent: "  ") + "\n")
        }
        return true
    }

    /// Parses, checks and runs one typed step.
    func step(_ line: String) {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        if words.first == "with", line.trimmingWhitespace.hasSuffix(":") {
            // `with EXPR as NAME:` is `NAME = EXPR` now and `NAME.close()` later; `with NAME:` only the close.
            let inner = String(line.trimmingWhitespace.dropFirst(4).dropLast()).trimmingWhitespace
            var help = "type `s = socket(AF_INET, SOCK_STREAM)` now, and `s.close()` when you are done: that close is what the end of the block does"
            if let r = inner.ranges(of: " as ").last {
                let expr = String(inner[..<r.lowerBound]).trimmingWhitespace, name = String(inner[r.upperBound...]).trimmingWhitespace
                if !expr.isEmpty, !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    help = "type `\(name) = \(expr)` now, and `\(name).close()` when you are done: that close is what the end of the block does"
                }
            } else if !inner.isEmpty, inner.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                help = "type the block's steps one by one, then `\(inner).close()`: that close is what the end of the block does"
            }
            io.err("error: the shell runs one line at a time, so it cannot take a `with` block\n")
            io.err("  = help: " + Columns.wrap(help, width: io.width - 10, indent: "          ") + "\n")
            io.err(style.dim("not run; the session goes on") + "\n")
            return
        }
        let parsed = DocumentParser.parse(text: "```steps\n\(line)\n```\n", path: "shell")
        // The step is on line 2 of that little document; show it as the line typed.
        func relocated(_ d: Diagnostic) -> Diagnostic {
            var d = d
            d.location.line = lineNumber
            return d
        }
        let errStyle = io.style(forStdout: false)
        var diagnostics = parsed.diagnostics.filter { $0.location.line == 2 || $0.severity == .error && $0.message != "no steps block in this file" }
        var steps = NamedValues.apply(parsed.document?.steps ?? [], known: &namedValues)
        if diagnostics.isEmpty, steps.isEmpty, words.first == "import" || words.first == "from" {
            io.out(style.dim(Columns.wrap("accepted: every name of the socket module is always there, so an import makes no step",
                                          width: min(io.width, Columns.proseLimit), indent: "")) + "\n")
            return
        }
        // The checker remembers where a name was made or closed ("closed on line 3"): give it the
        // line as typed, not the line inside the little document above.
        for i in steps.indices { steps[i].location.line = lineNumber }
        if diagnostics.isEmpty, steps.count == 1 {
            var trial = checker
            let found = trial.check(steps[0])
            if found.contains(where: { $0.severity == .error }) {
                diagnostics = found
            } else {
                checker = trial
                diagnostics = found
            }
        }
        if !diagnostics.isEmpty {
            let lines = Array(repeating: "", count: lineNumber - 1) + [line]
            io.err(DiagnosticRenderer.renderAll(diagnostics.map(relocated), path: "shell", lines: lines, style: errStyle))
            if diagnostics.contains(where: { $0.severity == .error }) {
                io.err(style.dim("not run; the session goes on") + "\n")
                return
            }
        }
        guard steps.count == 1 else {
            io.err("error: type one step per line\n")
            return
        }
        stepNumber += 1
        let event = session.execute(steps[0], index: stepNumber)
        io.out(renderer.render(event))
        events.append(event)
        recorded.append(Recorded(step: steps[0], outcome: event.outcome, verdict: event.verdict))
    }

    /// The steps typed so far as a lesson; what each did becomes its expectation.
    func lessonText() -> String {
        var out = """
        ---
        title: Recorded in sockstep shell
        summary: \(recorded.count) step\(recorded.count == 1 ? "" : "s") typed in `sockstep shell`; `sockstep run` replays them.
        ---

        # Recorded in sockstep shell

        ```steps

        """
        for r in recorded {
            if case .refused = r.outcome { continue }
            var text = r.step.source
            if r.step.expectation == nil, let e = Shell.expectation(for: r) {
                // `->` comes before a packet expectation: `c.recv(10) -> b"x"  => [ACK]`.
                if let p = r.step.packets, let cut = Shell.lastArrow(in: text) {
                    var base = String(text[..<cut])
                    while base.last == " " { base.removeLast() }
                    text = base + "  -> " + e + "  => " + p.text
                } else {
                    text += "  -> " + e
                }
            }
            if let c = r.step.comment { text += "  # " + c }
            out += text + "\n"
        }
        return out + "```\n"
    }

    /// Where the last `=>` of a step's text starts (the packet expectation is always last).
    static func lastArrow(in text: String) -> String.Index? {
        var found: String.Index?
        var i = text.startIndex
        while i < text.endIndex {
            let next = text.index(after: i)
            if text[i] == "=", next < text.endIndex, text[next] == ">" { found = i }
            i = next
        }
        return found
    }

    static func expectation(for r: Recorded) -> String? {
        switch r.outcome {
        case .error(let e): return e.name
        case .blocked: return "blocks"
        case .timedOut: return "timeout"
        case .pythonError(let name, _): return PythonExceptions.errnos[name] != nil ? name : nil
        case .value(.bytes(let b)): return Value.bytes(b).description
        default: return nil
        }
    }

    func save(_ path: String) {
        guard !path.isEmpty else {
            io.out("usage: :save <file>, e.g. :save my-scenario.md\n")
            return
        }
        guard !recorded.isEmpty else {
            io.err("error: nothing to save yet: type some steps first\n")
            return
        }
        let file = path.hasSuffix(".md") ? path : path + ".md"
        let text = lessonText()
        do {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            io.err("error: cannot write \(file): \(ErrorText.describe(error))\n  = help: check that the folder exists and is writable\n")
            return
        }
        let saved = recorded.filter { if case .refused = $0.outcome { return false }; return true }.count
        io.out("Saved \(saved) step\(saved == 1 ? "" : "s") to \(file). Replay them with `sockstep run \(file)`.\n")
        let failed = recorded.filter { r in if case .failed = r.verdict { return true }; return false }.count
        if failed > 0 { io.out(style.dim("note: \(failed) step\(failed == 1 ? "" : "s") did not do what you expected; the file keeps your expectation, so its run will fail there too.") + "\n") }
    }
}

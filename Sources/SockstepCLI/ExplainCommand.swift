import Explain
import FoundationEssentials
import Render
import ScenarioFormat
import Sockets

/// `sockstep explain NAME`: the catalog entry for an errno, a call or a TCP state.
public enum ExplainCommand: Command {
    public static let name = "explain"
    public static let summary = "Explain an error (ECONNRESET), a call (listen) or a TCP state (TIME_WAIT)."
    public static let help = """
    OVERVIEW: Explain an error, a call or a TCP state in plain words.

    USAGE: sockstep explain <name>

    ARGUMENTS:
      <name>          An errno (ECONNREFUSED), a Python exception (ConnectionResetError),
                      a call (listen, recv) or a TCP state (TIME_WAIT). With no name, lists them all.

    OPTIONS:
      -h, --help      Show help information.

    """

    public static func run(_ args: [String], _ io: IO) -> Int32 { run(args, io, spelledAs: "sockstep explain") }

    /// `spelledAs`: how the learner asks for an entry where they are, `sockstep explain` or the
    /// shell's `:explain`, so that a usage line names what they can type there.
    static func run(_ args: [String], _ io: IO, spelledAs command: String) -> Int32 {
        let style = io.style()
        // Every paragraph wraps to the terminal (at most the prose measure), lists with a hanging indent.
        let width = min(io.width, Columns.proseLimit)
        func para(_ text: String, indent: String = "") -> String { Columns.wrap(text, width: width - indent.count, indent: indent) }
        guard let raw = args.first else {
            io.out(para(style.bold("Errors:") + " " + ErrnoCatalog.entries.map(\.name).sorted().joined(separator: ", ")) + "\n\n")
            io.out(para(style.bold("Calls:") + " " + CallCatalog.entries.map(\.name).joined(separator: ", ")) + "\n\n")
            let tcp = Set(TCPState.allCases.map(\.name))
            io.out(para(style.bold("TCP states:") + " " + StateCatalog.entries.map(\.name).filter { tcp.contains($0) }.joined(separator: ", ")) + "\n\n")
            io.out(para(style.bold("States of UDP and Unix sockets:") + " " + StateCatalog.entries.map(\.name).filter { !tcp.contains($0) }.joined(separator: ", ")) + "\n\n")
            let python = PythonExceptions.errnos.filter { $0.value.first.map { $0 != "*" && $0 != "EAI" } ?? false }.keys.sorted()
            io.out(para(style.bold("Python's exceptions:") + " " + (python + ["TimeoutError (socket.timeout)"]).joined(separator: ", ")) + "\n")
            return ExitCode.ok
        }
        if args.count > 1 { return usageError("explain takes one name, got \(args.count)", command: self, io: io) }
        if TimeoutEntry.names.contains(raw) {
            // Python's TimeoutError is nearly always an expired settimeout: that first, the errno second.
            io.out(para(style.bold(TimeoutEntry.title)) + "\n\n")
            io.out(para(TimeoutEntry.meaning) + "\n\n")
            io.out(para(style.bold("What to do: ") + TimeoutEntry.fix) + "\n\n")
            io.out(para(style.bold("The kernel's ETIMEDOUT: ") + TimeoutEntry.kernel + " See `sockstep explain ETIMEDOUT`.") + "\n\n")
            io.out(para("See man socket(7) (SO_RCVTIMEO), tcp(7); Python's socket.settimeout.") + "\n")
            return ExitCode.ok
        }
        var name = raw.hasPrefix("socket.") ? String(raw.dropFirst(7)) : raw
        if name.hasSuffix("()") { name = String(name.dropLast(2)) }
        // A Python exception stands for its errno.
        if let errnos = PythonExceptions.errnos[name], let first = errnos.first, first != "*", first != "EAI" {
            if errnos.count > 1 { io.out(style.dim(para("\(name) is raised for \(errnos.joined(separator: ", ")); the first is shown.")) + "\n\n") }
            name = first
        }
        // Python prints `[Errno 104] Connection reset by peer`: the number, or that message, works too.
        let number = name.hasPrefix("[Errno ") ? String(name.dropFirst(7).prefix { $0.isNumber }) : name
        if let n = Int32(number), let e = Errno.all.first(where: { $0.rawValue == n }) { name = e.name }
        if let e = Errno.all.first(where: { $0.message.lowercased() == raw.lowercased() }) { name = e.name }
        if let e = ErrnoCatalog.entry(name.uppercased()) {
            io.out(para(style.bold("\(e.name) — \(e.title)")) + "\n\n")
            io.out(para(e.meaning) + "\n\n")
            io.out(para(style.bold("Why it happens: ") + e.cause) + "\n")
            for (call, text) in e.byCall.sorted(by: { $0.key < $1.key }) { io.out("  " + para("\(style.cyan(call)): \(text)", indent: "    ") + "\n") }
            io.out("\n" + para(style.bold("What to do: ") + e.fix) + "\n\n")
            let number = Errno(name: e.name).map { " (errno \($0.rawValue) on this machine)" } ?? ""
            io.out(para("Python raises \(e.python)\(number). See man \(e.manPages.joined(separator: ", ")).") + "\n")
            return ExitCode.ok
        }
        if let c = CallCatalog.entry(name) {
            io.out(para(style.bold(c.name) + " " + c.summary) + "\n\n")
            if !c.detail.isEmpty { io.out(para(c.detail) + "\n\n") }
            if let sig = Vocabulary.call(c.name) { io.out(style.bold("In a step: ") + Columns.wrapCode(sig.usage, first: io.width - 11, rest: io.width - 13, indent: String(repeating: " ", count: 13)) + "\n") }
            io.out(style.bold("In C:      ") + Columns.wrapCode(c.c.replacingAll("FD", with: "fd"), first: io.width - 11, rest: io.width - 13, indent: String(repeating: " ", count: 13)) + "\n")
            io.out("See man \(c.manPage).\n")
            return ExitCode.ok
        }
        if let s = StateCatalog.entry(name.uppercased()) {
            io.out(para(style.bold(s.name) + ": " + s.meaning) + "\n")
            if !s.next.isEmpty { io.out(para(style.bold("Next: ") + s.next) + "\n") }
            return ExitCode.ok
        }
        let pool = ErrnoCatalog.entries.map(\.name) + CallCatalog.entries.map(\.name) + StateCatalog.entries.map(\.name) + Array(PythonExceptions.errnos.keys).sorted()
        // Python's names first: `TimeoutErr` and `socket.timeoutt` mean TimeoutError, not ETIMEDOUT.
        let guess = Suggest.closest(to: raw, in: TimeoutEntry.names.sorted()) ?? Suggest.closest(to: name, in: pool)
        io.err("Error: sockstep has no entry for '\(raw)'\(guess.map { ". Did you mean '\($0)'?" } ?? "")\nUsage: \(command) <name>\nSee '\(command)' for every name.\n")
        return ExitCode.usage
    }
}

import FoundationEssentials
import Render
import ScenarioFormat
import Sockets

/// A subcommand: one type per file, conventions of swift-argument-parser, hand-written.
public protocol Command {
    static var name: String { get }
    /// One line for `sockstep --help`.
    static var summary: String { get }
    /// The full `--help` text: OVERVIEW, USAGE, ARGUMENTS, OPTIONS.
    static var help: String { get }
    static func run(_ args: [String], _ io: IO) -> Int32
}

/// Exit codes, as README.md documents them.
public enum ExitCode {
    public static let ok: Int32 = 0
    public static let failed: Int32 = 1
    public static let unusable: Int32 = 2
    public static let usage: Int32 = 64
}

/// Where output goes and what the terminal can do.
public struct IO {
    public var out: (String) -> Void
    public var err: (String) -> Void
    public var environment: [String: String]
    public var stdoutIsTerminal: Bool
    public var stderrIsTerminal: Bool
    /// One line of input without its newline, nil at the end of input (learn mode and the shell).
    public var readLine: () -> String? = { Swift.readLine(strippingNewline: true) }
    public var stdinIsTerminal: Bool = Console.isTerminal(0)
    /// The terminal's width, asked each time (a window can be resized); nil when stdout is no terminal.
    public var columns: () -> Int? = { Terminal.columns(1) }

    public static func standard() -> IO {
        IO(out: { s in Console.write(1, s) },
           err: { s in Console.write(2, s) },
           environment: Console.environment(),
           stdoutIsTerminal: Console.isTerminal(1), stderrIsTerminal: Console.isTerminal(2))
    }

    /// The columns output is laid out for: `COLUMNS` when it is set (a script or a test can ask for
    /// a width), else the terminal's own width (TIOCGWINSZ on stdout), else 80. Output that goes to
    /// a pipe or a file is therefore the same on every machine, whatever window started it, and
    /// reads well in an 80-column editor or log; at least 40 columns.
    public var width: Int {
        if let c = environment["COLUMNS"].flatMap({ Int($0.filter { $0 != " " }) }), c > 0 { return max(40, c) }
        if stdoutIsTerminal, let c = columns() { return max(40, c) }
        return 80
    }

    /// Colour only on a terminal, never with NO_COLOR; ASCII unless the locale is UTF-8 (or unset,
    /// as on most CI machines, where UTF-8 is the norm).
    public func style(forStdout: Bool = true, ascii: Bool = false) -> Style {
        let tty = forStdout ? stdoutIsTerminal : stderrIsTerminal
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let term = environment["TERM"] ?? ""
        let locale = environment["LC_ALL"] ?? environment["LC_CTYPE"] ?? environment["LANG"] ?? ""
        return Style(color: tty && !noColor && term != "dumb", unicode: IO.isUTF8(locale: locale) && !ascii)
    }

    /// An empty locale, or one naming UTF-8 in any case ("en_US.UTF-8", "C.utf8"). On bytes: the
    /// first String.contains of a process costs a quarter of a millisecond of generic set-up.
    static func isUTF8(locale: String) -> Bool {
        if locale.isEmpty { return true }
        let upper = locale.utf8.map { $0 >= 0x61 && $0 <= 0x7a ? $0 - 0x20 : $0 }
        for name in [Array("UTF-8".utf8), Array("UTF8".utf8)] where upper.count >= name.count {
            for start in 0...(upper.count - name.count) where Array(upper[start..<(start + name.count)]) == name { return true }
        }
        return false
    }
}

public enum CLI {
    public static let version = "0.1.0"

    /// Every subcommand, in the order `--help` lists them.
    public static var commands: [any Command.Type] {
        [RunCommand.self, CheckCommand.self, ExplainCommand.self,
         LearnCommand.self, LessonsCommand.self, ResetCommand.self, ShellCommand.self, ExportCommand.self, VerifyCommand.self,
         GradeCommand.self, GradescopeCommand.self, ClassroomCommand.self]
    }

    /// Runs the command line and ends the process with its exit code (the `sockstep` executable).
    public static func run(_ arguments: [String]) -> Never {
        Console.exit(main(arguments))
    }

    public static func main(_ arguments: [String], io: IO = .standard()) -> Int32 {
        Posix.ignoreSIGPIPE()
        var args = arguments
        guard let first = args.first else {
            io.out(welcome)
            return ExitCode.ok
        }
        args.removeFirst()
        switch first {
        case "-h", "--help", "help":
            if first == "help", let name = args.first, let cmd = commands.first(where: { $0.name == name }) {
                io.out(cmd.help)
                return ExitCode.ok
            }
            io.out(help)
            return ExitCode.ok
        case "--version", "-V":
            io.out("sockstep \(version)\n")
            return ExitCode.ok
        default:
            break
        }
        if let cmd = commands.first(where: { $0.name == first }) {
            // `--help` asks for help unless it comes after `--` (then it belongs to a graded program).
            let helpAt = args.firstIndex { $0 == "--help" || $0 == "-h" }
            if let helpAt, helpAt < (args.firstIndex(of: "--") ?? args.count) {
                io.out(cmd.help)
                return ExitCode.ok
            }
            return cmd.run(args, io)
        }
        if first.hasSuffix(".md") && FileManager.default.fileExists(atPath: first) {
            io.err("Error: '\(first)' is a file, not a command.\nUsage: sockstep run \(first)\n")
            return ExitCode.usage
        }
        let guess = Suggest.closest(to: first, in: commands.map { $0.name } + ["help"])
        io.err("Error: unknown command '\(first)'\(guess.map { ". Did you mean '\($0)'?" } ?? "")\nUsage: sockstep <command> [options]\nSee 'sockstep --help'.\n")
        return ExitCode.usage
    }

    static var welcome: String {
        """
        sockstep \(version) — a playground for socket programming, on real loopback sockets.

        Every step of a lesson is a real socket call, and every result is explained:
        the value, the error, the call that would block, the kernel's TCP state.

        Start here:
          sockstep learn                  follow the course, one step at a time
          sockstep run lessons/01-sockets-addresses-ports.md
                                          run the first lesson, every step explained
          sockstep run lessons            run the whole course
          sockstep shell                  type steps yourself, each run and explained
          sockstep explain ECONNREFUSED   what an error means, and what to do
          sockstep check my-lesson.md     check a lesson you wrote

        See 'sockstep --help' for every command.

        """
    }

    static var help: String {
        var s = """
        OVERVIEW: A teaching playground for socket programming: lessons whose steps run
        on real loopback sockets, with every result explained.

        USAGE: sockstep <command> [options]

        COMMANDS:

        """
        let width = (commands.map { $0.name.count }.max() ?? 8) + 2
        // Fits 80 columns: a long summary goes on under itself.
        let hanging = String(repeating: " ", count: width + 2)
        for c in commands { s += "  " + c.name.padded(to: width) + Columns.wrap(c.summary, width: 78 - width, indent: hanging) + "\n" }
        s += """

        OPTIONS:
          --version   Show the version.
          -h, --help  Show help information.

        See 'sockstep help <command>' for a command's options.

        """
        return s
    }
}

/// A small hand-written parser: flags, options with values, positional arguments, and `--`.
struct ArgumentParser {
    struct Spec {
        var flags: [String: String]      // "--quiet" → canonical key, "-q" → same
        var options: [String: String]    // "--format" → key (takes a value)
    }
    var flags: Set<String> = []
    var options: [String: String] = [:]
    var positional: [String] = []
    /// Everything after `--`.
    var rest: [String] = []

    enum Failure: Error { case message(String) }

    static func parse(_ args: [String], spec: Spec) -> Result<ArgumentParser, Failure> {
        var p = ArgumentParser()
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { p.rest = Array(args[(i + 1)...]); break }
            if a.hasPrefix("-") && a != "-" {
                var name = a
                var inlineValue: String?
                if let eq = a.firstIndex(of: "="), a.hasPrefix("--") {
                    name = String(a[..<eq])
                    inlineValue = String(a[a.index(after: eq)...])
                }
                if let key = spec.flags[name] {
                    p.flags.insert(key)
                } else if let key = spec.options[name] {
                    if let v = inlineValue { p.options[key] = v } else {
                        guard i + 1 < args.count else { return .failure(.message("missing value for '\(name)'")) }
                        i += 1
                        p.options[key] = args[i]
                    }
                } else {
                    let all = Array(spec.flags.keys) + Array(spec.options.keys)
                    let guess = Suggest.closest(to: name, in: all.filter { $0.hasPrefix("--") })
                    return .failure(.message("unknown option '\(name)'\(guess.map { ". Did you mean '\($0)'?" } ?? "")"))
                }
            } else {
                p.positional.append(a)
            }
            i += 1
        }
        return .success(p)
    }
}

/// Prints a usage error the swift-argument-parser way and returns exit code 64.
func usageError(_ message: String, command: any Command.Type, io: IO) -> Int32 {
    let usageLine = command.help.split(separator: "\n").first { $0.hasPrefix("USAGE:") }.map { String($0.dropFirst(7)) } ?? "sockstep \(command.name)"
    io.err("Error: \(message)\nUsage: \(usageLine)\nSee 'sockstep \(command.name) --help'.\n")
    return ExitCode.usage
}

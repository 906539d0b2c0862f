import Export
import FoundationEssentials
import Sockets
import Render
import ScenarioFormat

/// `sockstep export --lang python|c|swift FILE`: a lesson as one runnable program.
public enum ExportCommand: Command {
    public static let name = "export"
    public static let summary = "Turn a lesson or scenario into a runnable Python, C or Swift program."
    public static let help = """
    OVERVIEW: Turn a lesson or scenario into a runnable Python, C or Swift program.

    The program makes the same calls in the same order on real loopback sockets and checks the
    same expectations: a `blocks` step becomes a non-blocking attempt that must fail with
    EAGAIN, `s.address` becomes getsockname(), Unix-domain paths go in a temporary directory.
    It prints one line per step (`step 3: ok`, `step 5: ECONNREFUSED`, `step 6: blocks`) and
    exits with 0 when every step did what the file expects.

    With --plain (Python only), the lesson as the program a beginner would write instead: plain
    `import socket`, the calls in order, expectations as comments and prints, `try`/`except` where
    a step expects an error, and a non-blocking attempt where a step expects `blocks`.

    USAGE: sockstep export [--lang <language>] [--plain] [--output <path>] <file>

    ARGUMENTS:
      <file>                  A lesson or scenario (.md).

    OPTIONS:
      -l, --lang <language>   python (the default), c (the real socket API, C11) or
                              swift (a single-file script on Glibc).
      --plain                 The plain program a beginner would write (Python only).
      -o, --output <path>     Write the program to this file instead of standard output.
      -h, --help              Show help information.

    EXAMPLES:
      sockstep export lessons/02-first-tcp-conversation.md > conversation.py && python3 conversation.py
      sockstep export --plain lessons/02-first-tcp-conversation.md > plain.py && python3 plain.py
      sockstep export --lang c lessons/02-first-tcp-conversation.md -o conversation.c
      cc -std=c11 -Wall -Wextra -o conversation conversation.c && ./conversation
      sockstep export --lang swift lessons/02-first-tcp-conversation.md -o conversation.swift
      swiftc -o conversation conversation.swift && ./conversation

    EXIT STATUS: 0 exported, 2 the file could not be used or exported, 64 the command line was wrong.

    """

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let spec = ArgumentParser.Spec(flags: ["--plain": "plain"], options: ["--lang": "lang", "-l": "lang", "--language": "lang", "--output": "output", "-o": "output"])
        let parsed: ArgumentParser
        switch ArgumentParser.parse(args, spec: spec) {
        case .success(let p): parsed = p
        case .failure(.message(let m)): return usageError(m, command: self, io: io)
        }
        let raw = (parsed.options["lang"] ?? "python").lowercased()
        let aliases: [String: ExportLanguage] = ["py": .python, "python3": .python, "python": .python, "c": .c, "swift": .swift]
        guard let lang = aliases[raw] else {
            let guess = Suggest.closest(to: raw, in: ExportLanguage.allCases.map(\.rawValue))
            return usageError("unknown language '\(raw)'\(guess.map { ". Did you mean '\($0)'?" } ?? ""); choose python, c or swift", command: self, io: io)
        }
        let plain = parsed.flags.contains("plain")
        if plain && lang != .python {
            return usageError("--plain is for Python only (the C and Swift exports always carry their runtime); use --lang python --plain", command: self, io: io)
        }
        let files = parsed.positional + parsed.rest
        guard let path = files.first else { return usageError("no lesson file given", command: self, io: io) }
        if files.count > 1 { return usageError("export takes one file, got \(files.count)", command: self, io: io) }
        let errStyle = io.style(forStdout: false)
        let loaded = Loading.load(path)
        if !loaded.diagnostics.isEmpty, !loaded.usable {
            io.err(DiagnosticRenderer.renderAll(loaded.diagnostics, path: path, lines: loaded.lines, style: errStyle) + "\n")
            io.err("\(path): not exported: fix the errors above first (`sockstep check \(path)`).\n")
            return ExitCode.unusable
        }
        guard let doc = loaded.document else { return ExitCode.unusable }
        switch Exporter.export(doc, language: lang, plain: plain) {
        case .failure(let e):
            let d = Diagnostic(at: e.location, e.message, help: e.help)
            io.err(DiagnosticRenderer.render(d, path: path, lines: loaded.lines, style: errStyle))
            io.err("\(path): not exported to \(lang.rawValue).\n")
            return ExitCode.unusable
        case .success(let program):
            if let out = parsed.options["output"] {
                do {
                    try program.write(toFile: out, atomically: true, encoding: .utf8)
                    if lang == .python { Files.setMode(out, 0o755) }
                } catch {
                    io.err("Error: cannot write \(out): \(ErrorText.describe(error))\n")
                    return ExitCode.unusable
                }
                io.err("Wrote \(out) (\(doc.steps.count) steps in \(lang.rawValue)).\n")
            } else {
                io.out(program)
            }
            return ExitCode.ok
        }
    }
}

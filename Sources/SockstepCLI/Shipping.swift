import FoundationEssentials
import Grader
import Render
import Ship
import Sockets

/// What `sockstep gradescope` and `sockstep classroom` share: the exercise checked as `grade`
/// checks it, the program's command, and the sockstep binary that goes along.
enum Shipping {
    static let spec = ArgumentParser.Spec(
        flags: ["--force": "force", "--ascii": "ascii"],
        options: ["--command": "command", "-c": "command", "--output": "output", "-o": "output", "--binary": "binary"])

    /// The shipment, or the exit code after the problem was printed.
    static func prepare(_ args: [String], command: any Command.Type, io: IO) -> Result<(Shipment, ArgumentParser), Shipping.Exit> {
        let parsed: ArgumentParser
        switch ArgumentParser.parse(args, spec: spec) {
        case .success(let p): parsed = p
        case .failure(.message(let m)): return .failure(Exit(usageError(m, command: command, io: io)))
        }
        if command == GradescopeCommand.self && parsed.flags.contains("force") {
            return .failure(Exit(usageError("unknown option '--force' (a zip is always written anew)", command: command, io: io)))
        }
        guard let exercisePath = parsed.positional.first else {
            return .failure(Exit(usageError("no exercise given, like `sockstep \(command.name) scenarios/exercises/echo-server.md --command 'python3 server.py'`", command: command, io: io)))
        }
        if parsed.positional.count > 1 {
            return .failure(Exit(usageError("unexpected argument '\(parsed.positional[1])'; give one exercise, and the program's command with --command 'python3 server.py'", command: command, io: io)))
        }
        if !parsed.rest.isEmpty {
            return .failure(Exit(usageError("the program's command goes in --command, as one argument: --command '\(parsed.rest.joined(separator: " "))'", command: command, io: io)))
        }
        guard let line = parsed.options["command"] else {
            return .failure(Exit(usageError("no --command: say how a student's program starts, like --command 'python3 server.py'", command: command, io: io)))
        }
        let program: ProgramCommand
        do { program = try ProgramCommand.parse(line) } catch {
            return .failure(Exit(usageError("--command `\(line)`: \(error); write it as a shell would read it, like --command 'python3 server.py'", command: command, io: io)))
        }

        let loaded = ExerciseLoader.load(path: exercisePath)
        let style = io.style(forStdout: false, ascii: parsed.flags.contains("ascii"))
        guard !loaded.hasErrors, let exercise = loaded.exercise,
              let data = FileManager.default.contents(atPath: exercisePath) else {
            io.err(DiagnosticRenderer.renderAll(loaded.diagnostics, path: exercisePath, lines: loaded.lines, style: style) + "\n")
            io.err("Error: the exercise \(exercisePath) cannot be used until these problems are fixed.\nCheck it with 'sockstep check \(exercisePath)'.\n")
            return .failure(Exit(ExitCode.unusable))
        }
        let warnings = loaded.diagnostics.filter { $0.severity != .error }
        if !warnings.isEmpty { io.err(DiagnosticRenderer.renderAll(warnings, path: exercisePath, lines: loaded.lines, style: style) + "\n") }
        guard !exercise.checks.isEmpty else {
            io.err("error: \(exercisePath) has no checks, so there is nothing to grade\n = help: each `## ` section with a steps block is one check, like `## Echoes one message (2 points)`; see scenarios/README.md\n")
            return .failure(Exit(ExitCode.unusable))
        }

        let binaryPath = parsed.options["binary"] ?? SockstepBinary.current
        let binary: SockstepBinary
        do { binary = try SockstepBinary.load(binaryPath) } catch {
            io.err("error: \(error)\n = help: give the sockstep to ship with --binary, best a release build with the Swift runtime inside: swift build -c release --static-swift-stdlib, then --binary .build/release/sockstep\n")
            return .failure(Exit(ExitCode.unusable))
        }
        let name = URL(fileURLWithPath: exercisePath).lastPathComponent
        return .success((Shipment(exercise: exercise, exerciseBytes: [UInt8](data), exerciseName: name, command: program, binary: binary, version: CLI.version), parsed))
    }

    struct Exit: Error {
        let code: Int32
        init(_ code: Int32) { self.code = code }
    }

    /// Why a file cannot be written at `path`, said before anything is made (nil: it can be).
    static func unwritable(_ path: String) -> String? {
        let fm = FileManager.default
        var isDirectory = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory { return "it is a folder" }
            return fm.isWritableFile(atPath: path) ? nil : "the file is not writable"
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard fm.fileExists(atPath: parent, isDirectory: &isDirectory) else { return "the folder \(parent) does not exist" }
        guard isDirectory else { return "\(parent) is not a folder" }
        return fm.isWritableFile(atPath: parent) ? nil : "the folder \(parent) is not writable"
    }

    /// The reason a write failed, in words: the system's (`No such file or directory (ENOENT)`).
    static func reason(_ error: any Error) -> String {
        let posix = (error as? POSIXError) ?? ((error as? CocoaError)?.underlying as? POSIXError)
        guard let code = posix?.code.rawValue else { return "\(error)" }
        let e = Errno(rawValue: code)
        return "\(e.message) (\(e.name))"
    }

    static func write(_ bytes: [UInt8], to path: String, mode: UInt16) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)   // never half a zip
        try FileManager.default.setAttributes([.posixPermissions: Int(mode)], ofItemAtPath: path)
    }
}

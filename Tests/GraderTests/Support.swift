import Foundation
import Testing
@testable import Grader
import Sockets

/// Paths and helpers shared by the grader's tests.
enum Fixtures {
    /// The package root (Tests/GraderTests/Support.swift is two levels down).
    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let exercises = root + "/scenarios/exercises"

    /// The real Python interpreter (not a version manager's shell shim, which adds 100 ms a start).
    static let python: String = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sys; print(sys.executable)"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try? p.run()
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return out.isEmpty ? "python3" : out
    }()

    /// True when `python3` (and, when asked, a module) can be imported here: tests of a tool that is
    /// missing skip with a message instead of failing (`.ci/run` installs what they need).
    static func pythonHas(_ module: String? = nil) -> Bool {
        run(["python3", "-c", module.map { "import \($0)" } ?? "pass"], input: "").status == 0
    }
    static let hasTapPy = pythonHas("tap")
    /// The exercises' reference and broken solutions are Python programs.
    static let hasPython = pythonHas()
    static let noPython: Comment = "python3 is not installed: the exercises' solutions are Python programs (apt-get install python3); .ci/run has it"
    static let hasPerlTAP = run(["perl", "-MTAP::Parser", "-e", "1"], input: "").status == 0

    static func exercise(_ name: String) throws -> Exercise {
        let r = ExerciseLoader.load(path: "\(exercises)/\(name).md")
        guard let e = r.exercise else {
            throw Failure(message: "\(name): " + r.diagnostics.map { "\($0.location): \($0.message)" }.joined(separator: "; "))
        }
        return e
    }

    static func solution(_ exercise: String, _ file: String) -> String { "\(exercises)/solutions/\(exercise)/\(file)" }

    static func grade(_ name: String, _ file: String, timeScale: Double = 1, startTimeout: Double? = nil) throws -> Grade {
        var e = try exercise(name)
        if let s = startTimeout { e.startTimeout = s }
        var o = GradeOptions(command: [python, solution(name, file)])
        o.timeScale = timeScale
        o.grace = 0.2
        return Grader.grade(e, o)
    }

    /// Writes a throwaway program and returns its path.
    static func script(_ text: String, name: String = "program.py") throws -> String {
        let dir = TestScratch.rootPath + "sockstep-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs a command to completion and returns its status and output (for the report consumers).
    static func run(_ args: [String], input: String) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let inPipe = Pipe(), outPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        p.standardError = outPipe
        do { try p.run() } catch { return (-1, "\(error)") }
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try? inPipe.fileHandleForWriting.close()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    struct Failure: Error, CustomStringConvertible { var message: String; var description: String { message } }

    /// Waits (polling the process table with a deadline) until the group is empty.
    static func groupIsGone(_ pgid: Int32, within seconds: Double = 2) -> Bool {
        let deadline = MonotonicInstant.now().adding(seconds: seconds)
        while MonotonicInstant.now() < deadline {
            if Processes.members(ofGroup: pgid).isEmpty { return true }
            _ = Posix.poll([], timeoutMs: 10)
        }
        return Processes.members(ofGroup: pgid).isEmpty
    }
}

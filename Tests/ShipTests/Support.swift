import Foundation

/// One scratch folder for this test process, removed when the process exits.
enum TestScratch {
    static let root: URL = {
        let dir = URL(fileURLWithPath: TestScratch.path)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestScratch.path) }
        return dir
    }()
    static var path: String { NSTemporaryDirectory() + "sockstep-tests-\(getpid())" }

    /// A new empty folder inside the scratch folder.
    static func folder(_ name: String) throws -> String {
        let dir = root.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

enum Fixtures {
    /// The package root (Tests/ShipTests/Support.swift is two levels down).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let exercises = root + "/scenarios/exercises"
    static func solution(_ exercise: String, _ file: String) -> String { "\(exercises)/solutions/\(exercise)/\(file)" }

    /// The built `sockstep`, next to the test bundle.
    static var sockstep: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("sockstep").path
    }

    /// A program on PATH, or nil (the test that needs it then skips, saying so).
    static func tool(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to its end, draining both pipes while it runs.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], cwd: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let e = Box()
        let group = DispatchGroup()
        group.enter()
        let errHandle = err.fileHandleForReading
        DispatchQueue.global().async { e.data = errHandle.readDataToEndOfFile(); group.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e.data, as: UTF8.self))
    }

    static func sockstep(_ args: [String], cwd: String? = nil) throws -> Output {
        try run(sockstep, args, environment: ["NO_COLOR": "1"], cwd: cwd)
    }

    static func copy(_ from: String, to: String) throws {
        try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: to).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    struct Failure: Error, CustomStringConvertible { var description: String }
}

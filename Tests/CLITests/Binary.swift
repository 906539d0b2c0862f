import Foundation

/// Runs the built `sockstep` binary (next to the test bundle) and captures what it printed.
struct Binary {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var path: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The test bundle may sit inside `X.xctest/` on some layouts.
        if dir.lastPathComponent.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("sockstep").path
    }

    /// Runs the built `sockstep` (or `executable`: tcpdump, setpriv) and collects what it printed.
    static func run(_ args: [String], executable: String = path, environment: [String: String] = [:], stdin: String? = nil, cwd: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NO_COLOR")
        // The width output is laid out for comes from COLUMNS: a test sets it, never the caller's shell.
        env.removeValue(forKey: "COLUMNS")
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        // Read both pipes fully before waiting, so a large output cannot deadlock.
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

    /// Writes `text` to a fresh temporary file and returns its path.
    static func fixture(_ name: String, _ text: String) throws -> String {
        let dir = TestScratch.root.appendingPathComponent("sockstep-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}

extension Binary.Output {
    /// stdout with every run of spaces and line breaks as one space: prose wraps at the width
    /// (80 columns in a pipe), so a sentence is compared without its line breaks.
    var words: String { stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
}

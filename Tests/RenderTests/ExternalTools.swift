import Foundation

/// Programs some tests use when the machine has them (CI installs them: see .ci/run):
/// Debian's `tidy` (HTML validator) and `chromium` (headless browser).
enum ExternalTools {
    static func find(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in names {
            for dir in path.split(separator: ":") {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    static let tidy = find(["tidy"])
    static let chromium = find(["chromium", "chromium-browser", "google-chrome"])

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// Runs a program, draining its output while it runs, killing it after `seconds`.
    static func run(_ executable: String, _ arguments: [String], seconds: Double = 90) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        final class Box: @unchecked Sendable { var data = Data() }
        let o = Box(), e = Box()
        let group = DispatchGroup()
        for (pipe, box) in [(out, o), (err, e)] {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        try p.run()
        let deadline = Date().addingTimeInterval(seconds)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline { timedOut = true; p.terminate(); break }
            usleep(20_000)
        }
        p.waitUntilExit()
        _ = group.wait(timeout: .now() + 10)
        return Output(status: p.terminationStatus, stdout: String(decoding: o.data, as: UTF8.self),
                      stderr: String(decoding: e.data, as: UTF8.self), timedOut: timedOut)
    }

    static func temporaryDirectory() throws -> URL {
        let dir = TestScratch.root.appendingPathComponent("sockstep-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Sockets

/// Runs a program to completion with its output discarded (or read up to a marker), timing it with
/// the monotonic clock. posix_spawn and wait4 directly: Foundation's `Process` polls for the exit.
enum Spawn {
    struct Outcome {
        var status: Int32
        var seconds: Double
        /// Seconds from the spawn to the first time `marker` appeared in stdout (nil if never).
        var markerSeconds: Double?
        /// The child's peak resident memory, in KiB (wait4's ru_maxrss).
        var maxRSSKiB: Int
        var stdout: String
        /// With `measuringMemory`: the intermediary's own peak, the least `maxRSSKiB` can be.
        var floorKiB = 0
    }

    /// `keepOutput`: stdout is read (and returned) instead of going to /dev/null.
    /// `measuringMemory`: the program is started by a copy of this benchmark in its intermediary
    /// mode (`PeakMemory`), so that `maxRSSKiB` is the program's own peak and not this process's
    /// (wait4's ru_maxrss of a posix_spawned child starts at its parent's size). Not for timing.
    static func run(_ argv: [String], keepOutput: Bool = false, marker: String? = nil, environment: [String: String] = [:],
                    measuringMemory: Bool = false) -> Outcome {
        var argv = argv
        var reportFDs: [Int32] = [-1, -1]
        if measuringMemory {
            _ = reportFDs.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
            _ = fcntl(reportFDs[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(reportFDs[1], F_SETFD, FD_CLOEXEC)
            argv = [PeakMemory.executable, PeakMemory.flag, String(PeakMemory.reportFD), "--"] + argv
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeFDs: [Int32] = [-1, -1]
        let reading = keepOutput || marker != nil
        if reading {
            _ = pipeFDs.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
            _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        if measuringMemory { posix_spawn_file_actions_adddup2(&actions, reportFDs[1], PeakMemory.reportFD) }

        var env = [String: String]()
        var i = 0
        while let p = environ[i] {
            let s = String(cString: p)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            i += 1
        }
        for (k, v) in environment { env[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }

        let start = MonotonicInstant.now()
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, cEnv)
        if reading { close(pipeFDs[1]) }
        if measuringMemory { close(reportFDs[1]) }
        guard rc == 0 else {
            if reading { close(pipeFDs[0]) }
            if measuringMemory { close(reportFDs[0]) }
            return Outcome(status: 127, seconds: 0, markerSeconds: nil, maxRSSKiB: 0, stdout: "")
        }
        var output: [UInt8] = []
        var markerSeconds: Double?
        if reading {
            let needle = Array((marker ?? "").utf8)
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(pipeFDs[0], &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                output += buffer[0..<n]
                if markerSeconds == nil, !needle.isEmpty, contains(output, needle) {
                    markerSeconds = MonotonicInstant.now().seconds(since: start)
                }
                if output.count > 64 * 1024 * 1024 { output.removeFirst(output.count / 2) }
            }
            close(pipeFDs[0])
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = MonotonicInstant.now().seconds(since: start)
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        var maxRSS = Int(usage.ru_maxrss), floor = 0
        if measuringMemory {
            // The intermediary wrote "CHILD_MAXRSS OWN_PEAK" in KiB (0 when it could not start it).
            var report = [UInt8](repeating: 0, count: 64)
            let n = read(reportFDs[0], &report, report.count)
            close(reportFDs[0])
            let numbers = String(decoding: report[0..<max(n, 0)], as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
            maxRSS = numbers.first ?? 0
            floor = numbers.count > 1 ? numbers[1] : 0
        }
        var outcome = Outcome(status: exit, seconds: seconds, markerSeconds: markerSeconds, maxRSSKiB: maxRSS,
                              stdout: String(decoding: output, as: UTF8.self))
        outcome.floorKiB = floor
        return outcome
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return true }
        }
        return false
    }

    /// This process's peak resident memory (VmHWM in /proc/self/status), in KiB.
    static func peakMemoryKiB() -> Int {
        guard let f = fopen("/proc/self/status", "r") else { return 0 }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), f) != nil {
            let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if s.hasPrefix("VmHWM:") { return Int(s.dropFirst(6).filter(\.isNumber)) ?? 0 }
        }
        return 0
    }
}

/// The benchmark's intermediary mode, `sockstep-bench --peak-memory-of FD -- PROGRAM ARGS...`:
/// starts PROGRAM with the same standard streams, waits, writes PROGRAM's ru_maxrss (KiB) to FD
/// and exits with PROGRAM's status. Needed because a spawned child's peak memory starts at its
/// parent's resident size: the benchmark holds every lesson's figures (13 MiB), this fresh
/// process holds almost nothing (its own size, the floor of the figure, is reported too).
enum PeakMemory {
    static let flag = "--peak-memory-of"
    static let reportFD: Int32 = 3
    static var executable: String { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0] }

    /// Runs the intermediary mode if this process was started in it (never returns then).
    static func serveIfAsked() {
        let args = CommandLine.arguments
        guard args.count >= 5, args[1] == flag, let fd = Int32(args[2]), args[3] == "--" else { return }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addclose(&actions, fd)
        let cArgs = args.dropFirst(4).map { strdup($0) } + [nil]
        var pid: pid_t = 0
        var report = "0\n"
        var exitStatus: Int32 = 127
        if posix_spawnp(&pid, args[4], &actions, nil, cArgs, environ) == 0 {
            var status: Int32 = 0
            var usage = rusage()
            while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
            report = "\(usage.ru_maxrss) \(Spawn.peakMemoryKiB())\n"
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
        _ = report.withCString { write(fd, $0, strlen($0)) }
        exit(exitStatus)
    }
}

#if canImport(Glibc)
import Glibc
#endif
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
    }

    /// `keepOutput`: stdout is read (and returned) instead of going to /dev/null.
    static func run(_ argv: [String], keepOutput: Bool = false, marker: String? = nil, environment: [String: String] = [:]) -> Outcome {
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
        guard rc == 0 else {
            if reading { close(pipeFDs[0]) }
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
        return Outcome(status: exit, seconds: seconds, markerSeconds: markerSeconds, maxRSSKiB: Int(usage.ru_maxrss),
                       stdout: String(decoding: output, as: UTF8.self))
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

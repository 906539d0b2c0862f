#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    /// "status 1", "signal 9 (SIGKILL)".
    public var description: String {
        switch self {
        case .exited(let c): return "status \(c)"
        case .signaled(let s): return "signal \(s)\(ExitStatus.signalName(s).map { " (\($0))" } ?? "")"
        }
    }

    public static func signalName(_ s: Int32) -> String? {
        switch s {
        case SIGHUP: return "SIGHUP"
        case SIGINT: return "SIGINT"
        case SIGQUIT: return "SIGQUIT"
        case SIGILL: return "SIGILL"
        case SIGABRT: return "SIGABRT"
        case SIGFPE: return "SIGFPE"
        case SIGKILL: return "SIGKILL"
        case SIGSEGV: return "SIGSEGV"
        case SIGPIPE: return "SIGPIPE"
        case SIGALRM: return "SIGALRM"
        case SIGTERM: return "SIGTERM"
        case SIGBUS: return "SIGBUS"
        default: return nil
        }
    }
}

/// Child processes for the grader: spawned as the leader of a new process group, with stdin from
/// /dev/null and stdout/stderr on pipes, so that the whole group can be signalled and nothing leaks.
public enum Processes {
    /// A started child: its pid (also its process group id) and the read ends of its output pipes.
    public struct Spawned: Sendable {
        public let pid: Int32
        public let stdout: Int32
        public let stderr: Int32
    }

    public enum SpawnError: Error, Sendable, Hashable {
        /// The executable was not found on PATH (or at the path given).
        case notFound
        /// Found, but not executable (EACCES) or not a program the kernel can run (ENOEXEC).
        case notExecutable(Errno)
        /// The directory to run in does not exist.
        case badDirectory
        case failed(Errno)
    }

    /// Held while descriptors are created and a child is spawned, so that a child started on another
    /// thread never inherits this child's pipe ends (Swift's Glibc has no `pipe2`).
    nonisolated(unsafe) private static var spawnLock: pthread_mutex_t = {
        var m = pthread_mutex_t()
        pthread_mutex_init(&m, nil)
        return m
    }()

    /// Starts `arguments[0]` (looked up on PATH unless it contains a `/`) with `environment`, in
    /// `directory`, as the leader of its own process group.
    public static func spawn(arguments: [String], environment: [String: String], directory: String?) -> Result<Spawned, SpawnError> {
        PrivateNetwork.settle()   // the program starts in the private network
        guard let program = arguments.first, !program.isEmpty else { return .failure(.notFound) }
        if let dir = directory {
            var st = stat()
            guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return .failure(.badDirectory) }
        }
        pthread_mutex_lock(&spawnLock)
        defer { pthread_mutex_unlock(&spawnLock) }

        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { return .failure(.failed(Errno(rawValue: errno))) }
        guard pipe(&errPipe) == 0 else {
            let e = errno
            close(outPipe[0]); close(outPipe[1])
            return .failure(.failed(Errno(rawValue: e)))
        }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        if let dir = directory { _ = glibc_posix_spawn_file_actions_addchdir_np(&actions, dir) }

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setpgroup(&attr, 0)
        // The grader ignores SIGPIPE; the child must start with every signal at its default.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = program.contains("/")
            ? posix_spawn(&pid, program, &actions, &attr, argv, envp)
            : posix_spawnp(&pid, program, &actions, &attr, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            switch rc {
            case ENOENT, ENOTDIR: return .failure(.notFound)
            case EACCES, ENOEXEC, EISDIR: return .failure(.notExecutable(Errno(rawValue: rc == EISDIR ? EACCES : rc)))
            default: return .failure(.failed(Errno(rawValue: rc)))
            }
        }
        return .success(Spawned(pid: pid, stdout: outPipe[0], stderr: errPipe[0]))
    }

    /// Blocks until `pid` has ended, without reaping it (the zombie keeps the process group id
    /// reserved until `reap`, so a later `kill(-pgid)` can never reach an unrelated group).
    public static func waitForExitWithoutReaping(_ pid: Int32) -> ExitStatus? {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 {
            if errno != EINTR { return nil }
        }
        let status = info._sifields._sigchld.si_status
        return Int32(info.si_code) == Int32(CLD_EXITED) ? .exited(status) : .signaled(status)
    }

    /// Collects the ended child's status so that no zombie stays behind.
    public static func reap(_ pid: Int32) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
    }

    /// Sends `signal` to every process of the group; false if no process was left in it.
    @discardableResult
    public static func signalGroup(_ pgid: Int32, _ signal: Int32) -> Bool {
        guard pgid > 1 else { return false }
        return kill(-pgid, signal) == 0
    }

    public static let SIGTERM_ = SIGTERM
    public static let SIGKILL_ = SIGKILL

    /// Reads what is there (up to `max` bytes) from a pipe; nil at end of file or on error.
    public static func read(_ fd: Int32, max: Int = 65536) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: max)
        while true {
            let n = Glibc.read(fd, &buf, max)
            if n > 0 { return Array(buf[0..<n]) }
            if n == 0 { return nil }
            if errno == EINTR { continue }
            return nil
        }
    }

    public static func closeDescriptor(_ fd: Int32) { _ = close(fd) }

    /// A pipe whose ends are close-on-exec: a wake-up channel for the threads that drain output.
    public static func makePipe() -> (read: Int32, write: Int32)? {
        pthread_mutex_lock(&spawnLock)
        defer { pthread_mutex_unlock(&spawnLock) }
        var p: [Int32] = [-1, -1]
        guard pipe(&p) == 0 else { return nil }
        for fd in p { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (p[0], p[1])
    }

    public static func write(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    // MARK: the kernel's view of processes (Linux /proc)

    /// Live (not zombie) processes whose process group is `pgid`.
    public static func members(ofGroup pgid: Int32) -> [Int32] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var out: [Int32] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = Int32(name), let stat = ProcNet.readFile("/proc/\(name)/stat"),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After the command: state, ppid, pgrp.
            guard fields.count > 2, fields[0] != "Z", fields[0] != "X", Int32(fields[2]) == pgid else { continue }
            out.append(pid)
        }
        return out
    }

    /// The inodes of the sockets a process has open (from the links in /proc/PID/fd).
    public static func socketInodes(of pid: Int32) -> Set<UInt64> {
        let base = "/proc/\(pid)/fd"
        guard let dir = opendir(base) else { return [] }
        defer { closedir(dir) }
        var out: Set<UInt64> = []
        var buf = [CChar](repeating: 0, count: 128)
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let n = readlink(base + "/" + name, &buf, buf.count - 1)
            guard n > 0 else { continue }
            let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if target.hasPrefix("socket:["), target.hasSuffix("]"), let inode = UInt64(target.dropFirst(8).dropLast()) {
                out.insert(inode)
            }
        }
        return out
    }
}

extension ProcNet {
    /// A socket the kernel lists as listening (TCP) or bound (UDP).
    public struct Listener: Sendable, Hashable {
        public var address: SocketAddress
        public var inode: UInt64
    }

    /// TCP sockets in LISTEN, or UDP sockets bound to a port, from /proc/net/{tcp,tcp6,udp,udp6}.
    /// Parsed as bytes: on a busy machine the files hold thousands of TIME_WAIT lines.
    public static func listeners(udp: Bool) -> [Listener] {
        PrivateNetwork.settle()
        var out: [Listener] = []
        for (file, v6) in [(udp ? "/proc/net/udp" : "/proc/net/tcp", false), (udp ? "/proc/net/udp6" : "/proc/net/tcp6", true)] {
            guard let bytes = Files.contents(file) else { continue }
            // TCP_LISTEN is 0x0A; an unconnected UDP socket shows TCP_CLOSE (0x07).
            let want: (UInt8, UInt8) = udp ? (0x30, 0x37) : (0x30, 0x41)
            var lineStart = 0
            var first = true
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != 10 { lineEnd += 1 }
                defer { lineStart = lineEnd + 1 }
                if first { first = false; continue }
                // Fields: sl, local, remote, st, ..., inode (the 10th).
                var fields: [Range<Int>] = []
                var i = lineStart
                while i < lineEnd, fields.count < 10 {
                    while i < lineEnd, bytes[i] == 32 { i += 1 }
                    let f = i
                    while i < lineEnd, bytes[i] != 32 { i += 1 }
                    if f < i { fields.append(f..<i) }
                }
                guard fields.count == 10, fields[3].count == 2,
                      bytes[fields[3].lowerBound] == want.0, bytes[fields[3].lowerBound + 1] == want.1 else { continue }
                let local = String(decoding: bytes[fields[1]], as: UTF8.self)
                let parts = local.split(separator: ":")
                guard parts.count == 2, let port = UInt16(parts[1], radix: 16), port != 0,
                      let inode = UInt64(String(decoding: bytes[fields[9]], as: UTF8.self)),
                      let host = decodeHost(String(parts[0]), v6: v6) else { continue }
                out.append(Listener(address: v6 ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port), inode: inode))
            }
        }
        return out
    }


    /// The kernel prints addresses as 32-bit words in host byte order.
    static func decodeHost(_ hex: String, v6: Bool) -> String? {
        let words = stride(from: 0, to: hex.count, by: 8).compactMap { i -> UInt32? in
            let s = hex.index(hex.startIndex, offsetBy: i)
            return UInt32(hex[s..<hex.index(s, offsetBy: 8)], radix: 16)
        }
        var buf = [CChar](repeating: 0, count: 64)
        if !v6 {
            guard words.count == 1 else { return nil }
            var a = in_addr(s_addr: words[0])
            guard inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count)) != nil else { return nil }
        } else {
            guard words.count == 4 else { return nil }
            var a = in6_addr()
            withUnsafeMutableBytes(of: &a) { raw in for (i, w) in words.enumerated() { raw.storeBytes(of: w, toByteOffset: i * 4, as: UInt32.self) } }
            guard inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count)) != nil else { return nil }
        }
        return stringFromCBuffer(buf)
    }
}

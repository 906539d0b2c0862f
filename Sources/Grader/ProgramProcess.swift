import FoundationEssentials
import ScenarioFormat
import Sockets

/// What a program wrote on one stream: the first `limit` bytes, the last few KiB, and the total.
public final class CapturedOutput: @unchecked Sendable {
    public let limit: Int
    private let lock = Lock()
    private var head: [UInt8] = []
    private var tailRing: [UInt8] = []
    private var total = 0
    static let tailSize = 4096

    init(limit: Int) { self.limit = limit }

    func append(_ bytes: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        total += bytes.count
        if head.count < limit { head += bytes.prefix(limit - head.count) }
        tailRing += bytes.suffix(CapturedOutput.tailSize)
        if tailRing.count > CapturedOutput.tailSize { tailRing.removeFirst(tailRing.count - CapturedOutput.tailSize) }
    }

    /// Bytes written in all, kept or not.
    public var byteCount: Int { lock.lock(); defer { lock.unlock() }; return total }
    /// True when the program wrote more than `limit` bytes: the rest was read and thrown away.
    public var wasCut: Bool { byteCount > limit }
    /// The kept beginning, as text (invalid UTF-8 shown as U+FFFD).
    public var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: head, as: UTF8.self) }

    /// The last `lines` lines written (from the end of the stream, even when the middle was cut).
    public func tail(lines: Int) -> String {
        lock.lock()
        let bytes = total > head.count ? tailRing : head
        lock.unlock()
        let all = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let trimmed = Array(all.reversed().drop { $0.trimmingWhitespace.isEmpty }.reversed())
        return trimmed.suffix(lines).joined(separator: "\n")
    }
}

/// Why a program could not be started at all.
public enum LaunchProblem: Error, Sendable, Hashable {
    case emptyCommand
    case notFound(String, suggestion: String?)
    case notExecutable(String)
    case badDirectory(String)
    case other(String, Errno)
}

/// A student's program, running as the leader of its own process group. Its stdout and stderr are
/// drained by a thread while it runs; a second thread notices its exit at once. `stop` always ends
/// with TERM to the group, a grace period, then KILL, so forked children and programs that ignore
/// TERM leave nothing behind.
public final class RunningProgram: @unchecked Sendable {
    public let pid: Int32
    public let command: [String]
    public let stdout: CapturedOutput
    public let stderr: CapturedOutput
    public let started = MonotonicInstant.now()

    private let lock = Lock()
    private var status: ExitStatus?
    private var exitedAt: MonotonicInstant?
    private var stoppedByGrader = false
    private var reaped = false
    /// Written to by the exit thread when the program ends: poll it to wait for the exit.
    private let exitPipe: (read: Int32, write: Int32)
    /// Written to by `stop` to end the drain thread when an escaped process still holds the pipes.
    private let wakePipe: (read: Int32, write: Int32)
    private let drained = Semaphore(value: 0)

    public static func start(_ command: [String], environment: [String: String], directory: String?, outputLimit: Int) -> Result<RunningProgram, LaunchProblem> {
        guard let first = command.first, !first.isEmpty else { return .failure(.emptyCommand) }
        guard let exitPipe = Processes.makePipe(), let wakePipe = Processes.makePipe() else {
            return .failure(.other(first, .EMFILE))
        }
        switch Processes.spawn(arguments: command, environment: environment, directory: directory) {
        case .success(let s):
            let p = RunningProgram(pid: s.pid, command: command, outFD: s.stdout, errFD: s.stderr, limit: outputLimit, exitPipe: exitPipe, wakePipe: wakePipe)
            return .success(p)
        case .failure(let e):
            for fd in [exitPipe.read, exitPipe.write, wakePipe.read, wakePipe.write] { Processes.closeDescriptor(fd) }
            switch e {
            case .notFound: return .failure(.notFound(first, suggestion: first.contains("/") ? nil : suggestCommand(first, path: environment["PATH"])))
            case .notExecutable: return .failure(.notExecutable(first))
            case .badDirectory: return .failure(.badDirectory(directory ?? "."))
            case .failed(let err): return .failure(.other(first, err))
            }
        }
    }

    private init(pid: Int32, command: [String], outFD: Int32, errFD: Int32, limit: Int, exitPipe: (read: Int32, write: Int32), wakePipe: (read: Int32, write: Int32)) {
        self.pid = pid
        self.command = command
        self.stdout = CapturedOutput(limit: limit)
        self.stderr = CapturedOutput(limit: limit)
        self.exitPipe = exitPipe
        self.wakePipe = wakePipe
        Threads.start(name: "sockstep-exit-\(pid)") { [self] in
            let st = Processes.waitForExitWithoutReaping(pid) ?? .exited(-1)
            self.lock.lock()
            self.status = st
            self.exitedAt = MonotonicInstant.now()
            self.lock.unlock()
            Processes.write(exitPipe.write, [1])
        }
        let draining = Threads.start(name: "sockstep-drain-\(pid)") { [self] in
            self.drain(outFD, errFD)
        }
        if !draining {
            // No thread for the output (the system is out of them): drop it rather than block the child.
            Processes.closeDescriptor(outFD)
            Processes.closeDescriptor(errFD)
            drained.signal()
        }
    }

    deinit {
        for fd in [exitPipe.read, exitPipe.write, wakePipe.read, wakePipe.write] { Processes.closeDescriptor(fd) }
    }

    private func drain(_ outFD: Int32, _ errFD: Int32) {
        var open: [(Int32, CapturedOutput)] = [(outFD, stdout), (errFD, stderr)]
        loop: while !open.isEmpty {
            let items = open.map { (SocketFD(rawValue: $0.0), Posix.PollEvents.readable) } + [(SocketFD(rawValue: wakePipe.read), .readable)]
            guard case .success(let rev) = Posix.poll(items, timeoutMs: 60_000) else { break }
            if !rev[rev.count - 1].isEmpty { break loop }
            var next: [(Int32, CapturedOutput)] = []
            for (i, (fd, sink)) in open.enumerated() {
                if rev[i].isEmpty { next.append((fd, sink)); continue }
                if let bytes = Processes.read(fd) { sink.append(bytes); next.append((fd, sink)) }
                else { Processes.closeDescriptor(fd) }
            }
            open = next
        }
        for (fd, _) in open { Processes.closeDescriptor(fd) }
        drained.signal()
    }

    /// The exit status, once the program has ended.
    public var exitStatus: ExitStatus? { lock.lock(); defer { lock.unlock() }; return status }
    /// Seconds from the start to the exit, if it has ended.
    public var exitedAfter: Double? { lock.lock(); defer { lock.unlock() }; return exitedAt?.seconds(since: started) }
    /// True when the exit was caused by the grader's TERM or KILL.
    public var wasStoppedByGrader: Bool { lock.lock(); defer { lock.unlock() }; return stoppedByGrader }

    /// Waits for the program to end until `deadline`; its status, or nil if it is still running.
    @discardableResult
    public func waitForExit(until deadline: MonotonicInstant) -> ExitStatus? {
        if let s = exitStatus { return s }
        _ = Posix.wait(SocketFD(rawValue: exitPipe.read), for: .readable, deadline: deadline)
        return exitStatus
    }

    /// Live processes of the program's group (the program and whatever it forked).
    public var groupMembers: [Int32] { Processes.members(ofGroup: pid) }

    /// Ends the program and everything it started: TERM to the group, up to `grace` seconds for the
    /// program to exit, then KILL to whatever is left of the group. Reaps the program and finishes
    /// reading its output. Safe to call more than once.
    public func stop(grace: Double) {
        lock.lock()
        if reaped { lock.unlock(); return }
        let running = status == nil
        if running { stoppedByGrader = true }
        lock.unlock()
        if running {
            Processes.signalGroup(pid, Processes.SIGTERM_)
            waitForExit(until: MonotonicInstant.now().adding(seconds: grace))
        }
        // Children that ignored TERM, or outlived the program: KILL cannot be ignored.
        Processes.signalGroup(pid, Processes.SIGKILL_)
        if waitForExit(until: MonotonicInstant.now().adding(seconds: 5)) != nil {
            Processes.reap(pid)
        }
        lock.lock(); reaped = true; lock.unlock()
        // Output still in the pipes arrives at once; a process that left the group may hold them open.
        if !drained.wait(seconds: 0.5) {
            Processes.write(wakePipe.write, [1])
            drained.wait()
        }
    }

    /// "did you mean" for a command that is not on PATH: the closest executable name.
    static func suggestCommand(_ name: String, path: String?) -> String? {
        let dirs = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        var names: Set<String> = []
        for d in dirs { for n in (try? FileManager.default.contentsOfDirectory(atPath: d)) ?? [] { names.insert(n) } }
        return Suggest.closestCommand(to: name, in: names.sorted())
    }
}

extension Suggest {
    static func closestCommand(to name: String, in names: [String]) -> String? {
        closest(to: name, in: names, maxDistance: name.count <= 3 ? 1 : 2)
    }
}

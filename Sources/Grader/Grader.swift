import FoundationEssentials
import Runner
import ScenarioFormat
import Sockets

/// How to run the student's program.
public struct GradeOptions: Sendable {
    /// The command and its arguments, run directly (no shell). `{port}`, `{host}` and `{dir}` are replaced.
    public var command: [String]
    /// The directory the program runs in (nil: the grader's own).
    public var directory: String?
    /// What `{dir}` stands for (the submission's folder when grading many).
    public var submissionDirectory: String?
    /// The environment the program starts with, before PORT, HOST and TMPDIR are added.
    public var environment: [String: String]
    /// Seconds between TERM and KILL at the end.
    public var grace: Double = 0.5
    /// A pass mark that overrides the exercise's.
    public var passAt: Exercise.PassAt?
    /// Multiplies every time limit of the exercise (slow machines, CI).
    public var timeScale: Double = 1
    /// Read the kernel's view after every step (the HTML page's diagram needs it; off for speed).
    public var snapshots = false

    public init(command: [String], directory: String? = nil, submissionDirectory: String? = nil,
                environment: [String: String] = Console.environment()) {
        self.command = command
        self.directory = directory
        self.submissionDirectory = submissionDirectory
        self.environment = environment
    }
}

/// Runs an exercise's checks against a student's program over real loopback sockets.
public enum Grader {
    public static func grade(_ exercise: Exercise, _ options: GradeOptions) -> Grade {
        var run = GradingRun(exercise: exercise, options: options)
        return run.grade()
    }
}

struct GradingRun {
    let exercise: Exercise
    let options: GradeOptions
    let start = MonotonicInstant.now()
    var port: UInt16 = 0
    var program: RunningProgram?
    var readyAfter: Double?
    /// The check during which the program was first seen to have exited.
    var exitNoticedIn: Int?

    init(exercise: Exercise, options: GradeOptions) {
        self.exercise = exercise
        self.options = options
    }

    var scale: Double { max(0.1, options.timeScale) }
    var exerciseDeadline: MonotonicInstant { start.adding(seconds: exercise.timeout * scale) }

    mutating func grade() -> Grade {
        let tmp = TempDirectory.make(prefix: "sockstep-grade-")
        defer {
            program?.stop(grace: options.grace)
            if let tmp { try? FileManager.default.removeItem(atPath: tmp) }
        }
        switch exercise.kind {
        case .server: return gradeServer(tmp: tmp)
        case .client: return gradeClient(tmp: tmp)
        }
    }

    // MARK: starting the program

    func environment(tmp: String?, port: UInt16) -> [String: String] {
        var env = options.environment
        env["PORT"] = String(port)
        env["HOST"] = "127.0.0.1"
        if let tmp { env["TMPDIR"] = tmp }
        // Python buffers a pipe's output until exit: a program killed at the end would lose it.
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env
    }

    func command(port: UInt16) -> [String] {
        options.command.map { arg in
            var a = arg.replacingAll("{port}", with: String(port)).replacingAll("{host}", with: "127.0.0.1")
            if let dir = options.submissionDirectory { a = a.replacingAll("{dir}", with: dir) }
            return a
        }
    }

    mutating func launch(tmp: String?) -> Feedback? {
        switch RunningProgram.start(command(port: port), environment: environment(tmp: tmp, port: port), directory: options.directory, outputLimit: exercise.outputLimit) {
        case .success(let p):
            program = p
            return nil
        case .failure(let problem):
            return Messages.launch(problem, command: command(port: port))
        }
    }

    // MARK: server exercises

    mutating func gradeServer(tmp: String?) -> Grade {
        guard let p = FreePorts.pick(udp: exercise.transport == .udp) else {
            return finish(checks: notRun("no free port could be found on 127.0.0.1"), problem: Feedback("sockstep could not find a free port on 127.0.0.1", help: "too many sockets are open on this machine; try again"), unusable: true)
        }
        port = p
        if let problem = launch(tmp: tmp) {
            return finish(checks: notRun("the program could not be started"), problem: problem, unusable: true)
        }
        let program = self.program!
        let startDeadline = min(exerciseDeadline, start.adding(seconds: exercise.startTimeout * scale))
        switch Launch.waitUntilListening(program, port: port, udp: exercise.transport == .udp, deadline: startDeadline) {
        case .ready(let after):
            readyAfter = after
        case .exited(let status):
            let problem = Messages.exitedBeforeListening(status, stderr: program.stderr, port: port)
            return finish(checks: notRun(problem.message), problem: problem)
        case .elsewhere(let addresses):
            program.stop(grace: options.grace)
            let problem = Messages.listensElsewhere(addresses, port: port, udp: exercise.transport == .udp, command: options.command)
            return finish(checks: notRun(problem.message), problem: problem)
        case .neverListened:
            let problem = Messages.neverListened(seconds: startDeadline.seconds(since: start), port: port, udp: exercise.transport == .udp, program: program, command: options.command)
            program.stop(grace: options.grace)
            return finish(checks: notRun(problem.message), problem: problem)
        }

        var results: [CheckResult] = []
        for check in exercise.checks {
            if let status = program.exitStatus, let n = exitNoticedIn {
                results.append(result(check, .failed, Feedback("Not run: your program is no longer running (it exited with \(status) during check \(n))."), [], 0))
                continue
            }
            if MonotonicInstant.now() >= exerciseDeadline {
                results.append(result(check, .notRun, Feedback("Not run: the exercise's time limit of \(Messages.seconds(exercise.timeout * scale)) ran out."), [], 0))
                continue
            }
            let session = Session(options: runOptions)
            session.defineExternal("program", address: .ipv4(host: "127.0.0.1", port: port))
            var r = runSteps(check, session: session)
            session.finishGently()
            if r.result.status == .failed {
                // A closed or reset connection may mean the program is ending: let its exit arrive.
                if r.endedByPeer { program.waitForExit(until: MonotonicInstant.now().adding(seconds: 0.1)) }
                if program.exitStatus != nil {
                    exitNoticedIn = check.number
                    r.result.feedback = Messages.appendExit(r.result.feedback, program: program)
                }
            }
            results.append(r.result)
        }
        program.stop(grace: options.grace)
        return finish(checks: results, problem: nil)
    }

    var runOptions: RunOptions {
        var o = RunOptions()
        o.snapshots = options.snapshots
        return o
    }

    // MARK: client exercises

    mutating func gradeClient(tmp: String?) -> Grade {
        let session = Session(options: runOptions)
        defer { session.finish() }
        for (i, step) in exercise.setup.enumerated() {
            let event = session.execute(step, index: i + 1)
            if !event.verdict.isSuccess {
                let problem = Feedback("The exercise's setup failed at line \(step.location.line): `\(step.source)` gave \(Messages.describe(event.outcome)).",
                                       help: "this is a problem with the exercise, not with your program; tell your instructor")
                return finish(checks: notRun("the exercise's setup failed"), problem: problem, unusable: true)
            }
        }
        guard let serverPort = Self.serverPort(session, udp: exercise.transport == .udp) else {
            let problem = Feedback("The exercise's setup did not create a \(exercise.transport == .udp ? "bound UDP" : "listening TCP") socket for the program to talk to.",
                                   help: "the `## Setup` steps must bind a socket (and listen, for TCP): its port is handed to the program as PORT")
            return finish(checks: notRun("the exercise's setup is incomplete"), problem: problem, unusable: true)
        }
        port = serverPort
        if let problem = launch(tmp: tmp) {
            return finish(checks: notRun("the program could not be started"), problem: problem, unusable: true)
        }
        let program = self.program!

        var results: [CheckResult] = []
        var failedBefore: CheckResult?
        // First every check's socket steps, in order, in the one session with the scenario's server.
        for check in exercise.checks {
            if check.steps.isEmpty { results.append(result(check, .passed, nil, [], 0)); continue }
            if let f = failedBefore {
                results.append(result(check, .failed, Feedback("Not graded: this check continues check \(f.number) (\(f.name)), which failed."), [], 0))
                continue
            }
            if MonotonicInstant.now() >= exerciseDeadline {
                results.append(result(check, .notRun, Feedback("Not run: the exercise's time limit of \(Messages.seconds(exercise.timeout * scale)) ran out."), [], 0))
                continue
            }
            let r = runSteps(check, session: session).result
            if r.status != .passed { failedBefore = r }
            results.append(r)
        }
        // Closing the server's sockets lets a program that reads until the end finish.
        session.finishGently()
        let checkLimit = exercise.checkTimeout * scale
        let exitDeadline = min(exerciseDeadline, MonotonicInstant.now().adding(seconds: checkLimit))
        let stillRunning = program.waitForExit(until: exitDeadline) == nil
        program.stop(grace: options.grace)
        if failedBefore != nil, let status = program.exitStatus, !program.wasStoppedByGrader,
           let i = results.firstIndex(where: { $0.status == .failed }) {
            results[i].feedback = Messages.appendExit(results[i].feedback, program: program, status: status, client: true)
        }
        // Then what the program printed and how it ended.
        for (i, check) in exercise.checks.enumerated() where check.stdout != nil || check.exitStatus != nil {
            guard results[i].status == .passed else { continue }
            if let f = Messages.output(check, program: program, stillRunning: stillRunning, waited: checkLimit) {
                results[i].status = .failed
                results[i].score = 0
                results[i].feedback = f
            }
        }
        return finish(checks: results, problem: nil)
    }

    /// The scenario server's port: its first listening TCP socket (or bound UDP socket).
    static func serverPort(_ session: Session, udp: Bool) -> UInt16? {
        for s in session.snapshot() where !s.closed {
            guard let local = s.local, let colon = local.lastIndex(of: ":"), let p = UInt16(local[local.index(after: colon)...]), p != 0 else { continue }
            if udp ? s.type == "SOCK_DGRAM" : (s.state == "LISTEN") { return p }
        }
        return nil
    }

    // MARK: running a check's steps

    static let waitingCalls: Set<String> = ["accept", "recv", "recvfrom"]

    struct StepsOutcome {
        var result: CheckResult
        /// The failing step saw the program close or reset the connection, or refuse it.
        var endedByPeer = false
    }

    mutating func runSteps(_ check: Check, session: Session) -> StepsOutcome {
        let checkStart = MonotonicInstant.now()
        let limit = (check.within ?? exercise.checkTimeout) * scale
        let deadline = min(exerciseDeadline, checkStart.adding(seconds: limit))
        var transcript: [TranscriptLine] = []
        var events: [Event] = []
        func result(_ check: Check, _ status: CheckResult.Status, _ feedback: Feedback?, _ transcript: [TranscriptLine], _ duration: Double) -> CheckResult {
            var r = self.result(check, status, feedback, transcript, duration)
            r.events = events
            return r
        }
        for (i, step) in check.steps.enumerated() {
            let stepStart = MonotonicInstant.now()
            var event = execute(step, index: i + 1, session: session, deadline: deadline)
            var continuation: Outcome?
            (event, continuation) = readRest(event, step: step, session: session, deadline: deadline)
            let waited = MonotonicInstant.now().seconds(since: stepStart)
            transcript.append(Messages.transcriptLine(step, event, waited: waited))
            events.append(event)
            if !event.verdict.isSuccess {
                let f = Messages.stepFailure(step, event, continuation: continuation, limit: limit, within: check.within != nil,
                                             port: port, program: program, exercise: exercise)
                let peer: Bool = {
                    switch continuation ?? event.outcome {
                    case .value(.bytes([])): return true
                    case .error(let e): return [.ECONNRESET, .ECONNREFUSED, .EPIPE].contains(e)
                    default: return false
                    }
                }()
                var failed = result(check, .failed, f, transcript, MonotonicInstant.now().seconds(since: checkStart))
                failed.packets = PacketLine.lines(events, trailing: session.drainPackets())
                return StepsOutcome(result: failed, endedByPeer: peer)
            }
            if MonotonicInstant.now() > deadline, check.within != nil {
                let f = Feedback("Too slow: this check must finish within \(Messages.seconds(limit)), and it took \(Messages.milliseconds(MonotonicInstant.now().seconds(since: checkStart))).")
                return StepsOutcome(result: result(check, .failed, f, transcript, MonotonicInstant.now().seconds(since: checkStart)))
            }
        }
        return StepsOutcome(result: result(check, .passed, nil, transcript, MonotonicInstant.now().seconds(since: checkStart)))
    }

    /// Runs a step; a call that waits for the program waits until the check's deadline (a `blocks`
    /// expectation waits only the exercise's `quiet` time). The wait is cut into slices so that a
    /// program that exits meanwhile is noticed at once instead of at the deadline.
    func execute(_ step: Step, index: Int, session: Session, deadline: MonotonicInstant) -> Event {
        if step.expectation == .blocks {
            session.peerWait = min(exercise.quiet * scale, max(0.001, Double(deadline.millisecondsLeft) / 1000))
            return session.execute(step, index: index)
        }
        let call = step.call.methodCall?.method ?? ""
        guard Self.waitingCalls.contains(call) else {
            session.peerWait = max(0.001, Double(deadline.millisecondsLeft) / 1000)
            return session.execute(step, index: index)
        }
        var slice = 0.05
        while true {
            let left = Double(deadline.millisecondsLeft) / 1000
            let exited = program?.exitStatus != nil
            session.peerWait = exited ? 0.001 : max(0.001, min(slice, left))
            let event = session.execute(step, index: index)
            guard case .blocked = event.outcome, !exited, left > slice else { return event }
            slice = min(slice * 2, 0.4)
        }
    }

    /// For `recv(n) -> b"..."` on a stream: the program may send its answer in pieces, and TCP
    /// keeps no message boundaries, so the grader reads until it has as many bytes as expected,
    /// the bytes stop matching, the program closes, or the deadline passes.
    func readRest(_ first: Event, step: Step, session: Session, deadline: MonotonicInstant) -> (Event, Outcome?) {
        guard exercise.transport == .tcp, first.call == "recv",
              case .value(let node)? = step.expectation, let want = Self.literalBytes(node),
              case .value(.bytes(var got)) = first.outcome, !got.isEmpty, got.count < want.count, want.starts(with: got) else {
            return (first, nil)
        }
        var event = first
        var last: Outcome?
        while got.count < want.count, want.starts(with: got) {
            let next = execute(step, index: first.index, session: session, deadline: deadline)
            event.syscalls += next.syscalls
            event.notes += next.notes
            guard case .value(.bytes(let more)) = next.outcome, !more.isEmpty else { last = next.outcome; break }
            got += more
        }
        event.outcome = .value(.bytes(got))
        event.verdict = session.verdict(for: event.outcome, expected: step.expectation)
        return (event, last)
    }

    /// The bytes an expectation spells out: `b"..."`, `b"ab" * 1000`, `b"a" + b"b"`.
    static func literalBytes(_ node: Node) -> [UInt8]? {
        switch node.expr {
        case .bytes(let b): return b
        case .binary(.add, let a, let b):
            guard let x = literalBytes(a), let y = literalBytes(b) else { return nil }
            return x + y
        case .binary(.multiply, let a, let b):
            let (bytes, count): ([UInt8]?, Int?) = {
                if case .int(let n) = b.expr { return (literalBytes(a), n) }
                if case .int(let n) = a.expr { return (literalBytes(b), n) }
                return (nil, nil)
            }()
            guard let bytes, let count, count >= 0, bytes.count * count <= Checker.maximumPayload else { return nil }
            return Array([[UInt8]](repeating: bytes, count: count).joined())
        default: return nil
        }
    }

    // MARK: results

    func result(_ check: Check, _ status: CheckResult.Status, _ feedback: Feedback?, _ transcript: [TranscriptLine], _ duration: Double) -> CheckResult {
        CheckResult(number: check.number, name: check.name, points: check.points, score: status == .passed ? check.points : 0, status: status,
                    hidden: check.hidden, feedback: feedback, hint: status == .passed ? nil : check.hint, transcript: transcript, duration: duration, line: check.line)
    }

    func notRun(_ why: String) -> [CheckResult] {
        exercise.checks.map { result($0, .failed, Feedback("Not run: \(why.prefix(1).lowercased() + why.dropFirst())"), [], 0) }
    }

    func finish(checks: [CheckResult], problem: Feedback?, unusable: Bool = false) -> Grade {
        program?.stop(grace: options.grace)
        let score = checks.reduce(0) { $0 + $1.score }
        let summary: ProgramSummary = program.map { p in
            ProgramSummary(exitStatus: p.exitStatus?.description, stoppedByGrader: p.wasStoppedByGrader, readyAfter: readyAfter,
                           stdout: p.stdout.text, stderr: p.stderr.text, stdoutBytes: p.stdout.byteCount, stderrBytes: p.stderr.byteCount,
                           stdoutCut: p.stdout.wasCut, stderrCut: p.stderr.wasCut, outputLimit: exercise.outputLimit, processGroup: p.pid)
        } ?? .none
        return Grade(exercise: exercise.title, exercisePath: exercise.path, command: options.command, port: port == 0 ? nil : Int(port),
                     checks: checks, score: score, maxScore: exercise.maxScore,
                     passed: !unusable && exercise.passes(score, passAt: options.passAt), problem: problem, unusable: unusable,
                     program: summary, duration: MonotonicInstant.now().seconds(since: start))
    }
}

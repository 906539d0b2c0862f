import ScenarioFormat
import Sockets

public struct RunOptions: Sendable {
    /// How long to wait, with poll, for something known to be in flight (a handshake, bytes).
    /// On loopback that is microseconds; the deadline only matters on a loaded machine.
    public var inFlightDeadline: Double = 2.0
    /// The longest real wait a `settimeout` may cause (lessons should keep theirs at 50 ms or less).
    public var maximumTimeout: Double = 5.0
    /// Read the kernel's view of every socket after each step (the benchmark can turn it off).
    public var snapshots: Bool = true
    /// Capture the run's packets on the loopback when the process has its private network.
    public var capture: Bool = true
    /// Capture on the machine's shared loopback too (root only; tests), keeping only the run's ports.
    public var captureOnSharedLoopback: Bool = false
    /// The capture's bounds per run: packets, bytes kept, and bytes kept of each frame.
    public var captureMaximumPackets: Int = 10_000
    public var captureMaximumBytes: Int = 4 << 20
    public var captureSnapLength: Int = 1024
    public init() {}
}

/// Signals that a step ends with this outcome (a refusal, a Python exception, an errno).
struct StepStop: Error { let outcome: Outcome }

/// A run in progress: the table of named sockets, the values steps produced, the run's own
/// directory for Unix-domain paths. Executes one step at a time (the shell and learn mode use it
/// directly); `finish()` closes everything it opened, whatever happened.
public final class Session {
    public let options: RunOptions
    var byName: [String: SocketEntry] = [:]
    var values: [String: Value] = [:]
    var entries: [SocketEntry] = []
    var runDirectory: String?
    var nextID = 1
    var finished = false
    /// Endpoints outside the run (the program under test): `name.address` reads their address.
    var externals: [String: SocketAddress] = [:]
    /// Each socket's state as the last snapshot read it (keys as in `stateMap`).
    var lastStates: [String: String]?
    /// Names the steps gave, in creation order, used when a call's result is not assigned.
    var autoNameCounter: [String: Int] = [:]
    /// How long a blocking call waits, with poll, for a peer outside the run (the program under
    /// test) before it counts as blocked. Lessons keep 0: nothing outside the run can end a wait,
    /// so `blocks` is proven at once. The grader sets it before each step.
    public var peerWait: Double = 0
    /// The run's packet capture (see Packets.swift); nil when turned off.
    var recorder: PacketRecorder?
    var trailingNotes: [Note] = []

    public init(options: RunOptions = RunOptions()) {
        self.options = options
        Posix.ignoreSIGPIPE()
        if options.capture { recorder = PacketRecorder(options: options) }
    }

    deinit { finish() }

    /// Closes every socket still open and removes the run's directory.
    public func finish() {
        guard !finished else { return }
        finished = true
        for e in entries where !e.closed {
            _ = Posix.close(e.fd)
            e.closed = true
        }
        if let dir = runDirectory { TempDirectory.remove(dir) }
        finishCapture()
    }

    /// Like `finish`, but first reads (and drops) what is still queued on each socket, so that the
    /// close is a FIN, not the RST that Linux sends for a socket closed with unread data: a check
    /// that stops early must not make the program under test see "connection reset".
    public func finishGently() {
        guard !finished else { return }
        for e in entries where !e.closed && e.isStream {
            var budget = Checker.maximumPayload
            while budget > 0, case .done(let r) = Posix.receive(e.fd, max: 65536, flags: SocketConstants.named("MSG_DONTWAIT")!.value), !r.bytes.isEmpty {
                budget -= r.bytes.count
            }
        }
        finish()
    }

    /// Makes `name.address` (and `name.peer`) resolve to `address`: the grader's `program`.
    public func defineExternal(_ name: String, address: SocketAddress) {
        externals[name] = address
    }

    /// The run's directory for Unix socket paths, created on first use.
    func directory() throws -> String {
        if let d = runDirectory { return d }
        guard let d = TempDirectory.make(prefix: "sockstep-") else {
            throw StepStop(outcome: .refused(message: "could not create a temporary directory for Unix socket paths", help: "check that TMPDIR (or /tmp) is writable"))
        }
        runDirectory = d
        return d
    }

    public var runDirectoryPath: String? { runDirectory }

    // MARK: executing a step

    /// Runs one step and returns its event. Never throws, never crashes on bad input.
    public func execute(_ step: Step, index: Int) -> Event {
        let start = MonotonicInstant.now()
        // The states before this step are the ones the previous step's snapshot read: reading them
        // again would double the cost of the kernel's view. A change that happened between steps
        // (a delayed ACK) is then reported with the next step, which is when the learner sees it.
        let before = options.snapshots ? (lastStates ?? stateMap()) : [:]
        var ctx = CallContext(step: step)
        let outcome: Outcome
        do {
            outcome = try perform(step, &ctx)
        } catch let stop as StepStop {
            outcome = stop.outcome
        } catch {
            outcome = .refused(message: "internal error: \(error)", help: "please report this")
        }
        let verdict = Expectations.verdict(for: outcome, expected: step.expectation, session: self)
        let snapshots = options.snapshots ? snapshot() : []
        if options.snapshots {
            var states: [String: String] = [:]
            for row in snapshots { if let st = row.state { states[row.closed ? "\(row.name)#closed" : row.name] = st } }
            lastStates = states
        }
        // What in this run caused the outcome, from the history of the steps before; then this step
        // joins the history.
        let ref = StepRef(index: index, step: step, call: ctx.callName, socket: ctx.receiver)
        let cause = self.cause(of: ref, outcome, ctx)
        record(ref, outcome, ctx)
        var changes: [StateChange] = []
        if options.snapshots {
            for s in snapshots {
                guard let st = s.state else { continue }
                let key = s.closed ? "\(s.name)#closed" : s.name
                let old = before[key] ?? (s.closed ? before[s.name] : nil)
                if old != st {
                    var change = StateChange(socket: s.name, from: old, to: st)
                    change.cause = stateCause(change)
                    changes.append(change)
                }
            }
        }
        var event = Event(index: index, step: step, call: ctx.callName, receiver: ctx.receiver, syscalls: ctx.syscalls,
                          outcome: outcome, verdict: verdict, notes: ctx.notes, facts: ctx.facts, sockets: snapshots, stateChanges: changes,
                          duration: 0)
        event.cause = cause
        attachPackets(&event)
        event.duration = MonotonicInstant.now().seconds(since: start)
        return event
    }

    /// An event for a step that was not run because an earlier one stopped the run.
    public func skipped(_ step: Step, index: Int) -> Event {
        Event(index: index, step: step, call: step.call.methodCall?.method ?? step.call.functionCall?.name ?? "",
              receiver: step.call.methodCall?.receiver, syscalls: [], outcome: .notRun, verdict: .skipped, notes: [], facts: [:],
              sockets: [], stateChanges: [], duration: 0)
    }

    func perform(_ step: Step, _ ctx: inout CallContext) throws -> Outcome {
        let call = step.call
        var result: Outcome
        if let m = call.methodCall {
            ctx.callName = m.method
            ctx.receiver = m.receiver
            guard let entry = byName[m.receiver] else {
                if values[m.receiver] != nil {
                    throw StepStop(outcome: .pythonError(name: "AttributeError", message: "`\(m.receiver)` is not a socket, so it has no `\(m.method)`"))
                }
                throw StepStop(outcome: .pythonError(name: "NameError", message: "name '\(m.receiver)' is not defined"))
            }
            let args = try m.args.map { try evaluate($0) }
            ctx.facts["socket"] = entry.name
            ctx.facts["kind"] = kindDescription(entry)
            if !entry.closed { ctx.facts["fd"] = String(entry.fd.rawValue) }
            result = try method(m.method, on: entry, args: args, ctx: &ctx)
        } else if let f = call.functionCall {
            ctx.callName = f.name
            let args = try f.args.map { try evaluate($0) }
            result = try function(f.name, args: args, ctx: &ctx)
        } else if case .attribute(let base, let attr) = call.expr, case .name(let n) = base.expr {
            ctx.callName = attr
            ctx.receiver = n
            guard let entry = byName[n] else { throw StepStop(outcome: .pythonError(name: "NameError", message: "name '\(n)' is not defined")) }
            ctx.facts["socket"] = entry.name
            ctx.facts["kind"] = kindDescription(entry)
            if attr == "state", case .value(let node)? = step.expectation, case .name(let want) = node.expr {
                waitForState(entry, want, ctx: &ctx)
            }
            result = .value(try attribute(attr, of: entry))
        } else if case .name(let n) = call.expr {
            // A bare name reads a value an earlier step returned: to see it, or to check it.
            ctx.callName = "value"
            ctx.receiver = byName[n] != nil ? n : nil
            result = .value(try evaluate(call))
        } else if Session.isValue(call) {
            // `PORT = 0`, `HOST = "127.0.0.1"`, `data = b"x" * size`: a value, named or shown.
            ctx.callName = "value"
            result = .value(try evaluate(call))
        } else {
            throw StepStop(outcome: .pythonError(name: "SyntaxError", message: "a step must be a call"))
        }
        if case .value(let v) = result, !step.targets.isEmpty {
            assign(step.targets, v, ctx: &ctx)
        }
        return result
    }

    /// A step that computes a value without a call (literals, names, arithmetic on them).
    static func isValue(_ node: Node) -> Bool {
        switch node.expr {
        case .int, .float, .string, .bytes, .bool, .none, .name: return true
        case .attribute(let base, _): if case .name = base.expr { return true }; return false
        case .tuple(let items), .list(let items): return items.allSatisfy(isValue)
        case .binary(_, let a, let b): return isValue(a) && isValue(b)
        case .negate(let a): return isValue(a)
        case .call: return false
        }
    }

    func assign(_ targets: [String], _ value: Value, ctx: inout CallContext) {
        if targets.count == 1 {
            bind(targets[0], value)
            return
        }
        if case .tuple(let items) = value, items.count == targets.count {
            for (t, v) in zip(targets, items) { bind(t, v) }
        }
    }

    func bind(_ name: String, _ value: Value) {
        if case .socket(let sname) = value, let e = byName[sname] {
            if sname != name {
                // The socket was created under a provisional name: give it the file's name.
                byName[sname] = nil
                e.name = name
            }
            if let old = byName[name], old !== e, !old.closed {
                // Python drops the old object and closes its socket when a name is reused.
                _ = Posix.close(old.fd)
                old.closed = true
            }
            byName[name] = e
            values[name] = nil
        } else {
            values[name] = value
        }
    }

    /// A provisional name for a socket whose creating call is not assigned (`server.accept()` alone).
    func provisionalName(_ base: String) -> String {
        let n = (autoNameCounter[base] ?? 0) + 1
        autoNameCounter[base] = n
        var name = "\(base)\(n)"
        while byName[name] != nil { name += "_" }
        return name
    }

    func register(fd: SocketFD, family: Int32, type: Int32, name: String) -> SocketEntry {
        _ = Posix.setNonBlocking(fd, true)
        let e = SocketEntry(id: nextID, name: name, fd: fd, family: family, type: type)
        nextID += 1
        entries.append(e)
        if let old = byName[name], !old.closed {
            _ = Posix.close(old.fd)
            old.closed = true
        }
        byName[name] = e
        return e
    }

    // MARK: evaluating arguments

    func evaluate(_ node: Node) throws -> Value {
        switch node.expr {
        case .int(let v): return .int(v)
        case .float(let v): return .float(v)
        case .string(let s): return .string(s)
        case .bytes(let b): return .bytes(b)
        case .bool(let b): return .bool(b)
        case .none: return .none
        case .name(let n):
            if let c = SocketConstants.named(n) { return .int(Int(c.value)) }
            if byName[n] != nil { return .socket(n) }
            if let v = values[n] { return v }
            if let st = TCPState(name: n) { return .string(st.name) }
            throw StepStop(outcome: .pythonError(name: "NameError", message: "name '\(n)' is not defined"))
        case .attribute(let base, let attr):
            if case .name("socket") = base.expr, let c = SocketConstants.named(attr) { return .int(Int(c.value)) }
            if case .name(let n) = base.expr, let ext = externals[n], attr == "address" || attr == "peer" {
                return .from(ext, runDirectory: runDirectory)
            }
            guard case .name(let n) = base.expr, let e = byName[n] else {
                throw StepStop(outcome: .pythonError(name: "AttributeError", message: "only socket names have attributes"))
            }
            return try attribute(attr, of: e)
        case .tuple(let items): return .tuple(try items.map(evaluate))
        case .list(let items): return .list(try items.map(evaluate))
        case .negate(let a):
            switch try evaluate(a) {
            case .int(let v): return .int(-v)
            case .float(let v): return .float(-v)
            default: throw StepStop(outcome: .pythonError(name: "TypeError", message: "bad operand type for unary -"))
            }
        case .binary(let op, let a, let b):
            return try binary(op, try evaluate(a), try evaluate(b))
        case .call:
            throw StepStop(outcome: .pythonError(name: "SyntaxError", message: "calls inside arguments are not supported"))
        }
    }

    func binary(_ op: Expr.BinaryOp, _ x: Value, _ y: Value) throws -> Value {
        let limit = Checker.maximumPayload
        switch (op, x, y) {
        case (.add, .int(let a), .int(let b)): return .int(a &+ b)
        case (.add, .bytes(let a), .bytes(let b)):
            guard a.count + b.count <= limit else { throw tooBig(a.count + b.count) }
            return .bytes(a + b)
        case (.add, .string(let a), .string(let b)): return .string(a + b)
        case (.multiply, .int(let a), .int(let b)): return .int(a &* b)
        case (.multiply, .bytes(let a), .int(let n)), (.multiply, .int(let n), .bytes(let a)):
            let (total, overflow) = a.count.multipliedReportingOverflow(by: max(0, n))
            guard !overflow, total <= limit else { throw tooBig(overflow ? Int.max : total) }
            guard total > 0 else { return .bytes([]) }
            if a.count == 1 { return .bytes([UInt8](repeating: a[0], count: total)) }
            // Doubling: a handful of large copies instead of one small append per repetition.
            var out = a
            out.reserveCapacity(total)
            while out.count * 2 <= total { out += out }
            out += out[0..<(total - out.count)]
            return .bytes(out)
        case (.power, .int(let a), .int(let b)):
            guard b >= 0 else { return .float(1.0 / Double(a)) }
            var r = 1
            for _ in 0..<min(b, 64) { let m = r.multipliedReportingOverflow(by: a); if m.overflow { return .int(Int.max) }; r = m.partialValue }
            return .int(r)
        case (.bitOr, .int(let a), .int(let b)): return .int(a | b)
        default:
            throw StepStop(outcome: .pythonError(name: "TypeError", message: "unsupported operand types for \(op.rawValue): '\(x.typeName)' and '\(y.typeName)'"))
        }
    }

    func tooBig(_ n: Int) -> StepStop {
        StepStop(outcome: .refused(message: "this data would be \(n == Int.max ? "too many" : String(n)) bytes; sockstep handles at most \(Checker.maximumPayload / 1024 / 1024) MiB in one step",
                                   help: "1 MiB (`b\"x\" * 1048576`) is enough to fill the socket buffers"))
    }

    /// "a TCP socket over IPv4", for explanations.
    func kindDescription(_ e: SocketEntry) -> String {
        let fam = e.family == SocketConstants.named("AF_INET6")!.value ? "IPv6" : e.family == SocketConstants.named("AF_UNIX")!.value ? "Unix-domain" : "IPv4"
        let kind = e.isStream ? (e.isTCP ? "TCP" : "stream") : e.type == SocketConstants.named("SOCK_DGRAM")!.value ? (fam == "Unix-domain" ? "datagram" : "UDP") : "seqpacket"
        return fam == "Unix-domain" ? "a Unix-domain \(kind) socket" : "a \(kind) socket over \(fam)"
    }

    // MARK: the kernel's view

    /// The states a TCP connection passes through on its way to each state, when packets (a delayed
    /// ACK, a FIN) are still in flight: FIN_WAIT1 becomes FIN_WAIT2 when the peer's ACK arrives,
    /// which Linux may delay by up to 40 ms.
    static let onTheWayTo: [String: Set<String>] = [
        "ESTABLISHED": ["SYN_SENT", "SYN_RECV"],
        "FIN_WAIT2": ["FIN_WAIT1"],
        "TIME_WAIT": ["FIN_WAIT1", "FIN_WAIT2", "CLOSING"],
        "CLOSED": ["LAST_ACK", "FIN_WAIT1", "CLOSING"],
        "CLOSE_WAIT": ["ESTABLISHED"],
    ]

    /// When a state expectation names a state the socket is on its way to, re-reads the kernel's view
    /// until it gets there or the in-flight deadline passes: a loaded machine makes this slower, not wrong.
    func waitForState(_ e: SocketEntry, _ want: String, ctx: inout CallContext) {
        guard let target = TCPState(name: want)?.name, let via = Session.onTheWayTo[target] else { return }
        let start = MonotonicInstant.now()
        let deadline = start.adding(seconds: options.inFlightDeadline)
        while let now = kernelState(e), now != target, via.contains(now), MonotonicInstant.now() < deadline {
            // Wait on the socket itself when it is open (a FIN wakes it); otherwise a short poll
            // timeout paces the re-reads of /proc/net/tcp.
            if !e.closed { _ = Posix.poll([(e.fd, [.readable, .peerClosed])], timeoutMs: 2) } else { _ = Posix.poll([], timeoutMs: 2) }
        }
        let ms = Int(MonotonicInstant.now().seconds(since: start) * 1000)
        if ms > 0 { ctx.notes.append(.waitedInFlight(milliseconds: ms, what: "the TCP state to change (an ACK or FIN in flight)")) }
    }

    func stateMap() -> [String: String] {
        var m: [String: String] = [:]
        for e in entries {
            if !e.closed, byName[e.name] === e { m[e.name] = kernelState(e) ?? unconnectedDatagramState(e) }
            else if e.closed, let st = closedState(e) { m["\(e.name)#closed"] = st }
        }
        return m
    }

    /// BOUND or UNBOUND for a datagram socket without a peer, as the snapshot shows it, so that the
    /// state before a step compares equal to the state after it (no "now BOUND" on every step).
    func unconnectedDatagramState(_ e: SocketEntry) -> String? {
        guard !e.isStream else { return nil }
        guard case .success(let local) = Posix.localAddress(e.fd) else { return "UNBOUND" }
        if case .unix(let p) = local { return p.isEmpty ? "UNBOUND" : "BOUND" }
        return local.port == 0 ? "UNBOUND" : "BOUND"
    }

    /// `tcpInfo` and `peer`: TCP_INFO and getpeername already read for this socket (the snapshot
    /// reads each once for all it shows).
    func kernelState(_ e: SocketEntry, tcpInfo: TCPInfo?? = nil, peer: SocketAddress?? = nil) -> String? {
        if e.closed { return closedState(e) ?? "CLOSED" }
        if e.isTCP {
            let st = (tcpInfo ?? Posix.tcpInfo(e.fd))?.state
            // After the FIN exchange the kernel moves the connection to a TIME_WAIT entry of its own
            // and reports the still-open descriptor as CLOSED: show the connection's real state.
            if st == .closed, let l = e.lastLocal, let p = e.lastPeer, ProcNet.tcpState(local: l, peer: p) == .timeWait {
                return TCPState.timeWait.name
            }
            return st?.name
        }
        if e.isStream {
            if case .success(let l) = Posix.getOption(e.fd, level: SocketConstants.named("SOL_SOCKET")!.value, name: SocketConstants.named("SO_ACCEPTCONN")!.value), l != 0 { return "LISTENING" }
            return connected(e, peer: peer) ? "CONNECTED" : "UNCONNECTED"
        }
        return connected(e, peer: peer) ? "CONNECTED" : nil
    }

    private func connected(_ e: SocketEntry, peer: SocketAddress??) -> Bool {
        if let known = peer { return known != nil }
        if case .success = Posix.peerAddress(e.fd) { return true }
        return false
    }

    /// For a closed TCP socket: the state the kernel still keeps (TIME_WAIT, FIN_WAIT2...), if any.
    func closedState(_ e: SocketEntry) -> String? {
        guard e.isTCP, !e.goneFromKernel, let l = e.lastLocal, let p = e.lastPeer else { return nil }
        let st = ProcNet.tcpState(local: l, peer: p)
        if st == nil { e.goneFromKernel = true }
        return st?.name
    }

    /// Every open socket, and closed ones the kernel still tracks, in creation order.
    public func snapshot() -> [SocketSnapshot] {
        var rows: [SocketSnapshot] = []
        for e in entries {
            if e.closed {
                guard byName[e.name] === e || !entries.contains(where: { $0 !== e && $0.name == e.name && !$0.closed }),
                      let st = closedState(e) else { continue }
                rows.append(SocketSnapshot(name: e.name, fd: nil, family: Strace.family(e.family), type: Strace.type(e.type),
                                           local: e.lastLocal.map(describe), peer: e.lastPeer.map(describe), state: st,
                                           readable: nil, unacked: nil, pending: nil, backlog: nil, parent: e.parent,
                                           mode: e.mode.description, closed: true))
                continue
            }
            let local: SocketAddress? = { if case .success(let a) = Posix.localAddress(e.fd) { return a }; return nil }()
            let peer: SocketAddress? = { if case .success(let a) = Posix.peerAddress(e.fd) { return a }; return nil }()
            if let local { e.lastLocal = local }
            if let peer { e.lastPeer = peer }
            let tcpInfo = e.isTCP ? Posix.tcpInfo(e.fd) : nil
            var state = kernelState(e, tcpInfo: .some(tcpInfo), peer: .some(peer))
            // In SYN_SENT getpeername fails; the table still shows where the handshake is going.
            let peerShown = peer ?? (state == "SYN_SENT" ? e.connectTarget : nil)
            var pending: Int?
            var backlog: Int?
            var unacked: Int?
            if let info = tcpInfo {
                if info.state == .listen {
                    pending = Int(info.unacked)
                    backlog = Int(info.sacked)
                }
            }
            if state == "LISTENING" { backlog = e.backlog }
            if e.isTCP && peer != nil && state != "LISTEN" { unacked = Posix.bytesUnacknowledged(e.fd) }
            let readable = (state == "LISTEN" || state == "LISTENING") ? nil : Posix.bytesReadable(e.fd)
            let unbound: Bool = {
                guard let local else { return true }
                if case .unix(let p) = local { return p.isEmpty }
                return local.port == 0
            }()
            if state == nil && !e.isStream { state = unbound ? "UNBOUND" : "BOUND" }
            rows.append(SocketSnapshot(name: e.name, fd: e.fd.rawValue, family: Strace.family(e.family), type: Strace.type(e.type),
                                       local: unbound ? nil : local.map(describe), peer: peerShown.map(describe), state: state,
                                       readable: readable, unacked: unacked, pending: pending, backlog: backlog,
                                       parent: e.parent, mode: e.mode.description, closed: false))
        }
        return rows
    }

    /// An address as the learner wrote it: Unix paths relative to the run's directory.
    func describe(_ a: SocketAddress) -> String {
        if case .unix(let p) = a, let dir = runDirectory, p.hasPrefix(dir + "/") { return String(p.dropFirst(dir.count + 1)) }
        return a.description
    }
}

/// What a call collects while it runs: its system calls and the facts for the explanation.
struct CallContext {
    let step: Step
    var callName = ""
    var receiver: String?
    var syscalls: [String] = []
    var notes: [Note] = []
    var facts: [String: String] = [:]
    /// The address the call was given (bind, connect, sendto), for the run's history.
    var target: SocketAddress?
    /// The value given to setsockopt.
    var optionValue: Value?
    init(step: Step) { self.step = step }
}

/// Runs a whole document.
public enum Runner {
    public static func run(_ document: Document, options: RunOptions = RunOptions(), onEvent: ((Event) -> Void)? = nil) -> RunResult {
        let start = MonotonicInstant.now()
        let session = Session(options: options)
        defer { session.finish() }
        var events: [Event] = []
        var stopped = false
        for (i, step) in document.steps.enumerated() {
            let event = stopped ? session.skipped(step, index: i + 1) : session.execute(step, index: i + 1)
            if event.verdict == .unexpected { stopped = true }
            if case .failed = event.verdict, Expectations.stopsRun(event.outcome) { stopped = true }
            events.append(event)
            onEvent?(event)
        }
        session.finish()
        var result = RunResult(document: document, events: events, duration: MonotonicInstant.now().seconds(since: start))
        result.capture = session.captureRecord
        return result
    }
}

import ScenarioFormat
import Sockets

/// One step of the run as the history remembers it: enough to name it in an explanation
/// ("`client.shutdown(SHUT_WR)` at line 34").
public struct StepRef: Sendable, Hashable {
    /// 1-based position of the step in the file (or the shell session).
    public var index: Int
    public var line: Int
    /// The step as written, without its expectation (`client.shutdown(SHUT_WR)`).
    public var code: String
    public var call: String
    public var socket: String?

    public init(index: Int, line: Int, code: String, call: String, socket: String?) {
        self.index = index
        self.line = line
        self.code = code
        self.call = call
        self.socket = socket
    }

    init(index: Int, step: Step, call: String, socket: String?) {
        self.init(index: index, line: step.location.line, code: StepRef.code(of: step), call: call, socket: socket)
    }

    /// A step's text without its `-> expectation` (an arrow inside a string stays).
    static func code(of step: Step) -> String { code(ofSource: step.source) }

    static func code(ofSource source: String) -> String {
        trimmingTrailingBlanks(CodeScan.code(source, endingAt: .expectation))
    }

    /// The reference scan, Character by Character (a quote with a combining accent is no quote).
    static func codeByCharacters(of source: String) -> String {
        trimmingTrailingBlanks(CodeScan.codeByCharacter(source, endingAt: .expectation))
    }

    private static func trimmingTrailingBlanks(_ code: String) -> String {
        var out = code
        while let l = out.last, l == " " || l == "\t" { out.removeLast() }
        return out
    }
}

/// What in this run made a step turn out as it did, found by the runner in its own history (which
/// step closed or shut down which socket, who holds a port, what the peer sent). Explain words it;
/// when the runner cannot tell, an event has no cause and the explanation gives the general ones.
public struct RunCause: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// EPIPE: this socket shut down writing (`step`).
        case shutDownWriting(socket: String)
        /// b'': this socket shut down reading (`step`).
        case shutDownReading(socket: String)
        /// b'' or EPIPE: the other end was closed (`step`).
        case peerClosed(peer: String, socket: String)
        /// b'': the other end shut down writing (`step`).
        case peerShutDown(peer: String, socket: String)
        /// ECONNRESET: the other end was closed (`step`) with `unread` bytes it never read.
        case peerClosedUnread(peer: String, socket: String, unread: Int?)
        /// ECONNRESET: the other end set SO_LINGER 0 (`earlier`) and closed (`step`).
        case peerLingerReset(peer: String, socket: String)
        /// EBADF: the name is used after its close() (`step`).
        case closed(socket: String)
        /// EADDRINUSE: an open socket of this run holds the address (bound at `step`).
        case addressHeld(holder: String, address: String)
        /// EADDRINUSE: a closed connection on that port is still in `state` (TIME_WAIT) since `step`.
        case lingering(holder: String, address: String, state: String)
        /// EADDRINUSE on a Unix path: an earlier bind (`earlier`) left its file, the socket closed at `step` (or still open).
        case socketFileLeft(holder: String, path: String, open: Bool)
        /// ECONNREFUSED: the listener of this run on that port (listening since `earlier`) was closed at `step`.
        case listenerClosed(listener: String, address: String)
        /// ECONNREFUSED: a socket of this run is bound there (`step`) but never called listen.
        case boundNotListening(socket: String, address: String)
        /// ECONNREFUSED: no socket of this run was ever bound there (no step: the general causes follow).
        case nothingThere(address: String)
        /// ECONNREFUSED on UDP: the datagram sent at `step` reached a port where nothing is bound
        /// (`earlier`: where its receiver was closed).
        case datagramUnreachable(socket: String, address: String, receiver: String?)
        /// ENOTCONN: the other end was closed (`step`), and this side ended sending too (`earlier`, if it did).
        case connectionOver(peer: String, socket: String)
        /// timeout: `step` set the socket's timeout.
        case timeoutSet(socket: String)
        /// EISCONN: connected already at `step`.
        case alreadyConnected(socket: String)
        /// ENOTCONN, blocks: the socket listens (since `step`): it has no peer.
        case listening(socket: String)
        /// ENOTCONN, blocks: no connect ever ran on it (created at `step`).
        case neverConnected(socket: String)
        /// ENOTCONN: its connect at `step` failed with `errno`.
        case connectFailed(socket: String, errno: String)
        /// EINVAL on bind: it got its address at `step` (a bind, or a connect or listen that chose one).
        case alreadyBound(socket: String)
        /// EINVAL on accept: created at `step`, never listened.
        case notListening(socket: String)
        /// EINVAL on accept: `step` shut the listener down.
        case listenerShutDown(socket: String)
        /// EINVAL on listen: connected at `step`.
        case connectedCannotListen(socket: String)
        /// blocks (or EAGAIN): the other end (from `step`) has sent nothing yet and has not closed.
        case nothingSent(peer: String, socket: String)
        /// blocks (or EAGAIN): what the peer sent (last at `earlier`) was all read at `step`.
        case allRead(peer: String, socket: String)
        /// accept blocks: no client connected since `step` (listen, or the accept that took the last one).
        case noClientSince(socket: String, taken: Bool)
        /// TIME_WAIT: this side's FIN went first (`step`).
        case closedFirst(socket: String)
    }
    public var kind: Kind
    /// The step that caused it, when the run knows one.
    public var step: StepRef?
    /// A second step the explanation names (where a listener started, where data went out).
    public var earlier: StepRef?

    public init(_ kind: Kind, step: StepRef?, earlier: StepRef? = nil) {
        self.kind = kind
        self.step = step
        self.earlier = earlier
    }
}

/// What the history keeps of one socket: the steps that changed it.
struct SocketHistory {
    var created: StepRef?
    /// The step that gave it its address: an explicit bind, or a connect or listen that chose one.
    var addressed: StepRef?
    var bound: StepRef?
    var listened: StepRef?
    var connected: StepRef?
    var connectFailed: (StepRef, String)?
    var shutWrite: StepRef?
    var shutRead: StepRef?
    var closed: StepRef?
    var closeKind: String?
    var unreadAtClose: Int?
    var lingerZero: StepRef?
    /// The settimeout that gave it its current timeout.
    var timeoutSet: StepRef?
    var lastSent: StepRef?
    /// Where the last datagram went (sendto's address, or the connected peer).
    var lastDestination: SocketAddress?
    var lastRead: StepRef?
    /// For a listener: the accept that took the last connection.
    var lastAccept: StepRef?
    /// The other end of its connection, when it is a socket of this run.
    var peerID: Int?

    /// The step that sent this side's first FIN: a shutdown that ended sending, or the close.
    var firstFIN: StepRef? {
        switch (shutWrite, closed) {
        case (let s?, let c?): return s.index < c.index ? s : c
        case (let s?, nil): return s
        case (nil, let c): return c
        }
    }
}

extension Session {
    /// The entry a step acted on.
    func receiverEntry(_ ctx: CallContext) -> SocketEntry? {
        (ctx.receiver ?? ctx.facts["socket"]).flatMap { byName[$0] }
    }

    func peerEntry(of e: SocketEntry) -> SocketEntry? {
        guard let id = e.history.peerID else { return nil }
        return entries.first { $0.id == id }
    }

    func currentLocal(_ e: SocketEntry) -> SocketAddress? {
        if !e.closed, case .success(let a) = Posix.localAddress(e.fd) { return a }
        return e.lastLocal
    }

    /// Remembers what the step did to its sockets, for the explanations of later steps.
    func record(_ ref: StepRef, _ outcome: Outcome, _ ctx: CallContext) {
        let e = receiverEntry(ctx)
        if case .error(let err) = outcome {
            if (ref.call == "connect" || ref.call == "create_connection"), let e { e.history.connectFailed = (ref, err.name) }
            return
        }
        guard case .value(let value) = outcome else { return }
        switch ref.call {
        case "socket":
            e?.history.created = ref
        case "socketpair":
            if case .tuple(let items) = value, items.count == 2, case .socket(let a) = items[0], case .socket(let b) = items[1],
               let ea = byName[a], let eb = byName[b] {
                for (x, y) in [(ea, eb), (eb, ea)] {
                    x.history.created = ref
                    x.history.connected = ref
                    x.history.peerID = y.id
                }
            }
        case "create_server":
            if case .socket(let n) = value, let s = byName[n] {
                s.history.created = ref
                s.history.bound = ref
                s.history.addressed = ref
                s.history.listened = ref
                s.lastLocal = currentLocal(s)
            }
        case "create_connection":
            if case .socket(let n) = value, let s = byName[n] { connected(s, ref); s.history.created = ref }
        case "bind":
            guard let e else { return }
            e.history.bound = ref
            e.history.addressed = ref
            e.lastLocal = currentLocal(e)
        case "listen":
            guard let e else { return }
            e.history.listened = ref
            if e.history.addressed == nil { e.history.addressed = ref }
            e.lastLocal = currentLocal(e)
        case "connect", "connect_ex":
            guard let e else { return }
            if case .int(let n) = value, n != 0 {
                e.history.connectFailed = (ref, Errno(rawValue: Int32(truncatingIfNeeded: n)).name)
                return
            }
            connected(e, ref)
        case "accept":
            guard let e, case .tuple(let items) = value, case .socket(let n)? = items.first, let conn = byName[n] else { return }
            e.history.lastAccept = ref
            conn.history.created = ref
            conn.history.connected = ref
            conn.history.addressed = ref
            pairAccepted(conn, listener: e)
        case "send", "sendall", "sendto":
            guard let e else { return }
            e.history.lastSent = ref
            e.history.lastDestination = ctx.target ?? e.connectTarget
        case "recv", "recvfrom", "recvall":
            guard let e else { return }
            var data: [UInt8] = []
            if case .bytes(let b) = value { data = b } else if case .tuple(let t) = value, case .bytes(let b)? = t.first { data = b }
            if !data.isEmpty { e.history.lastRead = ref }
        case "shutdown":
            guard let e, let how = ctx.facts["how"] else { return }
            if how != "SHUT_RD" { e.history.shutWrite = ref }
            if how != "SHUT_WR" { e.history.shutRead = ref }
        case "close":
            guard let e, let kind = ctx.facts["close"] else { return }   // a second close() changes nothing
            e.history.closed = ref
            e.history.closeKind = kind
            e.history.unreadAtClose = ctx.facts["unread"].flatMap { Int($0) }
        case "settimeout", "setblocking":
            guard let e else { return }
            if case .timeout = e.mode { e.history.timeoutSet = ref } else { e.history.timeoutSet = nil }
        case "setsockopt":
            if let e, ctx.facts["option"] == "SO_LINGER", case .tuple(let v)? = ctx.optionValue, v.count == 2 {
                e.history.lingerZero = (v[0] != .int(0) && v[1] == .int(0)) ? ref : nil
            }
        default:
            break
        }
    }

    private func connected(_ e: SocketEntry, _ ref: StepRef) {
        e.history.connected = ref
        if e.history.addressed == nil { e.history.addressed = ref }
        if !e.closed {
            if case .success(let l) = Posix.localAddress(e.fd) { e.lastLocal = l }
            if case .success(let p) = Posix.peerAddress(e.fd) { e.lastPeer = p }
        }
    }

    /// Finds the client of this run that an accepted connection belongs to.
    private func pairAccepted(_ conn: SocketEntry, listener: SocketEntry) {
        if case .success(let l) = Posix.localAddress(conn.fd) { conn.lastLocal = l }
        let remote: SocketAddress? = { if case .success(let p) = Posix.peerAddress(conn.fd) { return p }; return nil }()
        conn.lastPeer = remote
        let client: SocketEntry?
        if conn.isTCP, let remote {
            client = entries.first { $0 !== conn && $0.isTCP && $0.history.peerID == nil && currentLocal($0) == remote }
        } else {
            // Unix clients have no address of their own: the queue is first in, first out, so the
            // earliest client connected to this listener and not yet paired is the one accepted.
            let here = currentLocal(listener)
            client = entries.filter { $0 !== conn && $0.history.peerID == nil && $0.history.connected != nil && $0.connectTarget == here && $0.family == conn.family }
                .min { ($0.history.connected?.index ?? 0) < ($1.history.connected?.index ?? 0) }
        }
        if let client {
            conn.history.peerID = client.id
            client.history.peerID = conn.id
        }
    }

    // MARK: finding the cause

    /// The cause of the step's outcome in this run's history, before the step itself is recorded.
    func cause(of ref: StepRef, _ outcome: Outcome, _ ctx: CallContext) -> RunCause? {
        let e = receiverEntry(ctx)
        switch outcome {
        case .error(let err):
            return errnoCause(err, ref, e, ctx)
        case .blocked:
            guard let e else { return nil }
            return waitCause(ref, e)
        case .timedOut:
            guard let e, let t = e.history.timeoutSet else { return nil }
            return RunCause(.timeoutSet(socket: e.name), step: t)
        case .value(let value):
            guard let e else { return nil }
            if ref.call == "connect_ex", case .int(let n) = value, n != 0 {
                return errnoCause(Errno(rawValue: Int32(truncatingIfNeeded: n)), ref, e, ctx)
            }
            if ref.call == "state", case .string("TIME_WAIT") = value, let fin = e.history.firstFIN {
                return RunCause(.closedFirst(socket: e.name), step: fin)
            }
            guard e.isStream, ["recv", "recvfrom", "recvall"].contains(ref.call) else { return nil }
            var data: [UInt8]?
            if case .bytes(let b) = value { data = b } else if case .tuple(let t) = value, case .bytes(let b)? = t.first { data = b }
            guard let data else { return nil }
            let ended = data.isEmpty || (ref.call == "recvall" && data.count < Int(ctx.facts["total"] ?? "") ?? 0)
            return ended && !(data.isEmpty && ctx.step.call.methodCall?.args.first?.expr == .int(0)) ? endCause(e) : nil
        default:
            return nil
        }
    }

    /// Why a recv returned b'': this side or the other ended the stream.
    func endCause(_ e: SocketEntry) -> RunCause? {
        if let s = e.history.shutRead { return RunCause(.shutDownReading(socket: e.name), step: s) }
        guard let p = peerEntry(of: e) else { return nil }
        if let s = p.history.shutWrite, p.history.closed.map({ s.index < $0.index }) ?? true {
            return RunCause(.peerShutDown(peer: p.name, socket: e.name), step: s)
        }
        if let c = p.history.closed { return RunCause(.peerClosed(peer: p.name, socket: e.name), step: c) }
        return nil
    }

    /// Why a call would wait (or, non-blocking, failed with EAGAIN).
    func waitCause(_ ref: StepRef, _ e: SocketEntry) -> RunCause? {
        switch ref.call {
        case "recv", "recvfrom", "recvall":
            guard e.isStream else { return nil }
            if let l = e.history.listened { return RunCause(.listening(socket: e.name), step: l) }
            if let p = peerEntry(of: e) {
                guard let sent = p.history.lastSent else {
                    return RunCause(.nothingSent(peer: p.name, socket: e.name), step: p.history.connected ?? p.history.created)
                }
                if let read = e.history.lastRead, read.index > sent.index {
                    return RunCause(.allRead(peer: p.name, socket: e.name), step: read, earlier: sent)
                }
                return nil
            }
            if e.history.connected == nil, let c = e.history.created { return RunCause(.neverConnected(socket: e.name), step: c) }
            return nil
        case "accept":
            if let taken = e.history.lastAccept { return RunCause(.noClientSince(socket: e.name, taken: true), step: taken) }
            if let l = e.history.listened { return RunCause(.noClientSince(socket: e.name, taken: false), step: l) }
            if let c = e.history.created { return RunCause(.notListening(socket: e.name), step: c) }
            return nil
        default:
            return nil
        }
    }

    func errnoCause(_ err: Errno, _ ref: StepRef, _ e: SocketEntry?, _ ctx: CallContext) -> RunCause? {
        let sending = ["send", "sendall", "sendto"].contains(ref.call)
        switch err.name {
        case "EBADF":
            guard let e, e.closed, let c = e.history.closed else { return nil }
            return RunCause(.closed(socket: e.name), step: c)
        case "EPIPE":
            guard let e, sending else { return nil }
            if let s = e.history.shutWrite { return RunCause(.shutDownWriting(socket: e.name), step: s) }
            if let p = peerEntry(of: e), let c = p.history.closed { return RunCause(.peerClosed(peer: p.name, socket: e.name), step: c) }
            // Linux answers a send on a TCP socket that never connected with EPIPE.
            if e.isTCP, e.history.connected == nil, let c = e.history.created { return RunCause(.neverConnected(socket: e.name), step: c) }
            return nil
        case "ECONNRESET":
            guard let e, let p = peerEntry(of: e), let c = p.history.closed else { return nil }
            switch p.history.closeKind {
            case "reset": return RunCause(.peerClosedUnread(peer: p.name, socket: e.name, unread: p.history.unreadAtClose), step: c)
            case "linger-reset": return RunCause(.peerLingerReset(peer: p.name, socket: e.name), step: c, earlier: p.history.lingerZero)
            default: return RunCause(.peerClosed(peer: p.name, socket: e.name), step: c)
            }
        case "EISCONN":
            guard let e, let c = e.history.connected else { return nil }
            return RunCause(.alreadyConnected(socket: e.name), step: c)
        case "ENOTCONN":
            guard let e else { return nil }
            if let l = e.history.listened { return RunCause(.listening(socket: e.name), step: l) }
            if let (step, errno) = e.history.connectFailed, e.history.connected.map({ $0.index < step.index }) ?? true {
                return RunCause(.connectFailed(socket: e.name, errno: errno), step: step)
            }
            if e.history.connected == nil, let c = e.history.created { return RunCause(.neverConnected(socket: e.name), step: c) }
            if let p = peerEntry(of: e), let c = p.history.closed {
                return RunCause(.connectionOver(peer: p.name, socket: e.name), step: c, earlier: e.history.shutWrite)
            }
            return nil
        case "EINVAL":
            guard let e else { return nil }
            switch ref.call {
            case "bind":
                guard let a = e.history.addressed else { return nil }
                return RunCause(.alreadyBound(socket: e.name), step: a)
            case "accept":
                if e.history.listened != nil, let s = e.history.shutRead { return RunCause(.listenerShutDown(socket: e.name), step: s) }
                if e.history.listened == nil, let c = e.history.created { return RunCause(.notListening(socket: e.name), step: c) }
                return nil
            case "listen":
                guard let c = e.history.connected else { return nil }
                return RunCause(.connectedCannotListen(socket: e.name), step: c)
            default:
                return nil
            }
        case "EAGAIN":
            guard let e, e.mode == .nonBlocking else { return nil }
            return waitCause(ref, e)
        case "EADDRINUSE":
            guard ref.call == "bind", let e, let target = ctx.target else { return nil }
            return addressInUseCause(e, target)
        case "ECONNREFUSED":
            guard let e else { return nil }
            if e.isStream {
                guard ref.call == "connect" || ref.call == "connect_ex" || ref.call == "create_connection", let target = ctx.target else { return nil }
                return refusedCause(e, target)
            }
            // UDP: the error belongs to the last datagram this socket sent.
            guard let sent = e.history.lastSent, let dest = e.history.lastDestination else { return nil }
            let gone = holders(of: dest, excluding: e).first { $0.closed && $0.history.closed != nil }
            return RunCause(.datagramUnreachable(socket: e.name, address: describe(dest), receiver: gone?.name), step: sent, earlier: gone?.history.closed)
        default:
            return nil
        }
    }

    /// The sockets of this run (open, or closed with their last address) on `address`'s port.
    func holders(of address: SocketAddress, excluding e: SocketEntry) -> [SocketEntry] {
        entries.filter { o in
            guard o !== e, let l = currentLocal(o) else { return false }
            if case .unix(let p) = address { return l == .unix(path: p) }
            guard l.port == address.port, l.family == address.family else { return false }
            return l.host == address.host || l.isWildcard || address.isWildcard
        }
    }

    func addressInUseCause(_ e: SocketEntry, _ target: SocketAddress) -> RunCause? {
        let all = holders(of: target, excluding: e)
        if case .unix(let p) = target {
            guard let h = all.first(where: { $0.history.bound != nil }) else { return nil }
            return RunCause(.socketFileLeft(holder: h.name, path: describe(.unix(path: p)), open: !h.closed), step: h.history.closed ?? h.history.bound, earlier: h.history.bound)
        }
        // An open socket bound there (a listener before the connections it accepted).
        let open = all.filter { !$0.closed }
        if let h = open.first(where: { $0.history.listened != nil }) ?? open.first(where: { $0.history.bound != nil }) ?? open.first,
           let step = h.history.bound ?? h.history.addressed {
            return RunCause(.addressHeld(holder: h.name, address: currentLocal(h).map(describe) ?? describe(target)), step: step)
        }
        // A closed connection that the kernel still keeps (TIME_WAIT...).
        for h in all where h.closed && h.isTCP {
            guard let l = h.lastLocal, let p = h.lastPeer, let st = ProcNet.tcpState(local: l, peer: p), let fin = h.history.firstFIN else { continue }
            return RunCause(.lingering(holder: h.name, address: "\(describe(l)) ↔ \(describe(p))", state: st.name), step: fin)
        }
        return nil
    }

    func refusedCause(_ e: SocketEntry, _ target: SocketAddress) -> RunCause {
        let all = holders(of: target, excluding: e)
        if let h = all.first(where: { !$0.closed && $0.history.listened == nil && $0.history.bound != nil }), let b = h.history.bound {
            return RunCause(.boundNotListening(socket: h.name, address: currentLocal(h).map(describe) ?? describe(target)), step: b)
        }
        if let h = all.last(where: { $0.closed && $0.history.listened != nil }), let c = h.history.closed {
            return RunCause(.listenerClosed(listener: h.name, address: h.lastLocal.map(describe) ?? describe(target)), step: c, earlier: h.history.listened)
        }
        return RunCause(.nothingThere(address: describe(target)), step: nil)
    }

    /// The step whose FIN put a socket in TIME_WAIT, for the state changes of an event.
    func stateCause(_ change: StateChange) -> StepRef? {
        guard change.to == "TIME_WAIT" else { return nil }
        return entries.last { $0.name == change.socket && $0.history.firstFIN != nil }?.history.firstFIN
    }
}

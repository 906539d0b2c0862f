import Runner
import Sockets

/// This run's cause of a step's outcome, in words, with the step that caused it.
public struct Cause: Sendable, Hashable {
    /// One or two sentences naming the step and line ("because `client.shutdown(SHUT_WR)` at line 34…").
    public var text: String
    /// The causing step's line and 1-based index; nil when the run knows a fact but not a step
    /// (then the general causes follow).
    public var line: Int?
    public var index: Int?
    /// The causing step as written.
    public var step: String?
}

/// Words for `RunCause`, the cause the runner found in the run's history. Pure, like the rest of Explain.
enum CauseText {
    static func make(_ c: RunCause, _ e: Event) -> Cause {
        Cause(text: text(c, e), line: c.step?.line, index: c.step?.index, step: c.step?.code)
    }

    /// "`client.shutdown(SHUT_WR)` at line 34"; a long step is cut.
    static func at(_ s: StepRef?) -> String {
        guard let s else { return "an earlier step" }
        let code = s.code.count > 48 ? String(s.code.prefix(44)) + "…" : s.code
        return "`\(code)` at line \(s.line)"
    }

    static func text(_ c: RunCause, _ e: Event) -> String {
        let step = at(c.step)
        let errno: String? = {
            if case .error(let err) = e.outcome { return err.name }
            if e.call == "connect_ex", case .value(.int(let n)) = e.outcome, n != 0 { return Errno(rawValue: Int32(truncatingIfNeeded: n)).name }
            return nil
        }()
        let waits: Bool = { if case .blocked = e.outcome { return true }; return errno == "EAGAIN" }()
        let lead = waits ? "It would wait because" : errno != nil ? "It failed because" : "The stream ended because"
        switch c.kind {
        case .shutDownWriting(let s):
            return "\(lead) \(step) ended sending on `\(s)`; after a shutdown the kernel refuses to send more, though `\(s)` can still receive."
        case .shutDownReading(let s):
            return "\(lead) \(step) ended reading on `\(s)`: recv returns b'' from then on."
        case .peerClosed(let p, let s):
            switch errno {
            case "EPIPE": return "\(lead) \(step) closed the other end, `\(p)`: its kernel answered with a reset, so `\(s)` cannot send any more."
            case nil: return "The stream ended because \(step) closed the other end, `\(p)`."
            default: return "\(lead) \(step) closed the other end, `\(p)`."
            }
        case .peerShutDown(let p, _):
            return "The stream ended because \(step) ended sending at the other end, `\(p)`; `\(p)` can still receive, so this side may still answer."
        case .peerClosedUnread(let p, _, let unread):
            let bytes = unread.map { " with \($0) unread byte\($0 == 1 ? "" : "s")" } ?? " with unread data"
            return "\(lead) \(step) closed the other end, `\(p)`,\(bytes) still in its receive buffer: its kernel sent a reset (RST) instead of a FIN."
        case .peerLingerReset(let p, _):
            let linger = c.earlier.map { " after \(at($0)) set SO_LINGER to 0" } ?? " with SO_LINGER set to 0"
            return "\(lead) \(step) closed the other end, `\(p)`,\(linger): its kernel sent a reset (RST) instead of a FIN."
        case .closed(let s):
            return "\(lead) \(step) closed `\(s)`."
        case .addressHeld(let h, let a):
            return "\(lead) `\(h)` holds \(a) since \(step), and is still open."
        case .lingering(let h, let a, let st):
            return "A connection on that port (`\(h)`, \(a)) is in \(st) since \(step); the kernel keeps its addresses reserved after the close, for about a minute in TIME_WAIT."
        case .socketFileLeft(let h, let path, let open):
            if open { return "\(lead) `\(h)` bound the path \(path) (\(step)) and is still open." }
            return "\(lead) \(at(c.earlier)) created the file \(path), and it stays on disk after \(step) closed `\(h)`."
        case .listenerClosed(let l, let a):
            let since = c.earlier.map { " (listening since \(at($0)))" } ?? ""
            return "No socket of this run listens on \(a) any more: `\(l)`\(since) was closed by \(step)."
        case .boundNotListening(let s, let a):
            return "`\(s)` is bound to \(a) (\(step)) but never called listen, so the kernel refuses connections to it."
        case .nothingThere(let a):
            return "No socket of this run is bound to \(a)."
        case .datagramUnreachable(_, let a, let r):
            let gone = r.map { " (`\($0)` was closed\(c.earlier.map { " by \(at($0))" } ?? ""))" } ?? ""
            return "The error belongs to the datagram sent by \(step) to \(a), where no socket of this run is bound\(gone)."
        case .connectionOver(let p, let s):
            let own = c.earlier.map { ", and \(at($0)) ended `\(s)`'s sending" } ?? ""
            return "It failed: the connection is over, because \(step) closed the other end, `\(p)`\(own)."
        case .timeoutSet(let s):
            let seconds: String = { if case .timedOut(let t) = e.outcome { return " \(Explainer.format(t)) s" }; return "" }()
            return "It gave up because \(step) limited every wait on `\(s)` to\(seconds)."
        case .alreadyConnected(let s):
            return "\(lead) \(step) already connected `\(s)`."
        case .listening(let s):
            return "`\(s)` listens (since \(step)), and a listening socket never has a peer: talk to a client on the socket accept returns."
        case .neverConnected(let s):
            return "`\(s)` was never connected: no connect ran on it since \(step) created it."
        case .connectFailed(let s, let err):
            return "\(step) failed (\(err)), so `\(s)` has no connection."
        case .alreadyBound(let s):
            if c.step?.call == "bind" || c.step?.call == "create_server" { return "\(lead) \(step) already gave `\(s)` its address, and a socket is bound only once." }
            return "\(lead) `\(s)` already got an address from \(step) (the kernel picks one for a connect or listen), and a socket is bound only once."
        case .notListening(let s):
            return "`\(s)` never called listen (it was created by \(step)), and accept works only on a listening socket."
        case .listenerShutDown(let s):
            return "\(lead) \(step) stopped `\(s)` listening."
        case .connectedCannotListen(let s):
            return "\(lead) \(step) connected `\(s)`, and a connected socket cannot listen."
        case .nothingSent(let p, _):
            return "The other end, `\(p)` (from \(step)), has sent nothing yet and has not closed."
        case .allRead(let p, _):
            return "\(step) already read everything the other end, `\(p)`, sent (last by \(at(c.earlier))), and `\(p)` has sent nothing since and has not closed."
        case .noClientSince(_, let taken):
            if taken { return "\(step) took the last waiting connection, and no client has connected since." }
            return "No client has connected since \(step)."
        case .closedFirst(let s):
            return "`\(s)` is there because it closed first: \(step) sent its FIN before the other side did."
        }
    }

    /// A sentence for a state change whose cause the run knows (TIME_WAIT: the close that sent the first FIN).
    static func stateChange(_ c: StateChange) -> String? {
        guard let s = c.cause, c.to == "TIME_WAIT" else { return nil }
        return "It is there because \(at(s)) sent `\(c.socket)`'s FIN first."
    }
}

import Runner
import ScenarioFormat
import Sockets

/// A step's result in plain words: what happened, why, what to do, and the same step in Python and C.
public struct Explanation: Sendable, Hashable {
    /// One sentence: what happened.
    public var summary: String
    /// More sentences: why, and what the kernel did.
    public var details: [String]
    /// For errors and surprises: what to do.
    public var fix: String?
    /// The Python exception a real program would see, for errors.
    public var pythonException: String?
    public var manPages: [String]
    /// The step written as plain Python (`server.getsockname()` for `server.address`).
    public var python: String
    /// The same call in C.
    public var c: String?
    /// Sentences about TCP state changes the step caused.
    public var stateChanges: [String]
    /// What in this run caused the outcome (the step and its line), when the run knows it. When it
    /// names a step, the general causes are left out of `details`.
    public var cause: Cause? = nil
}

/// Pure: turns events into explanations. Never touches sockets.
public enum Explainer {
    public static func explain(_ e: Event) -> Explanation {
        let f = e.facts
        let sock = f["socket"].map { "`\($0)`" } ?? "the socket"
        var summary = ""
        var details: [String] = []
        var fix: String?
        var pyExc: String?
        var man: [String] = CallCatalog.entry(e.call).map { [$0.manPage] } ?? []
        let runCause = e.cause.map { CauseText.make($0, e) }
        // The run knows the step that caused it: the list of what can cause it in general is left out.
        let causeKnown = runCause?.line != nil

        switch e.outcome {
        case .notRun:
            summary = "Not run: an earlier step stopped the run."
        case .refused(let message, let help):
            summary = "sockstep refused to run this step: \(message)."
            fix = help
        case .pythonError(let name, let message):
            summary = "Python raises \(name) before any system call: \(message)"
            pyExc = name
            if name == "OverflowError" {
                details.append("A port is a 16-bit number in the TCP and UDP headers, so it can only be 0 to 65535; the call never reaches the kernel.")
                // A client needs the server's real port; only bind takes 0 (the kernel then picks one).
                fix = ["connect", "connect_ex", "sendto", "create_connection"].contains(e.call)
                    ? "Use the port the server really got: `\(e.receiver ?? "c").\(e.call)(server.address)` (or `server.getsockname()`)."
                    : "Bind to port 0: the kernel picks a free port, and `.address` (getsockname) tells which."
            }
            if name == "TypeError", message.contains("bytes-like") {
                fix = "Sockets carry bytes: write b\"…\", or turn text into bytes with .encode()."
            }
        case .blocked(let reason):
            summary = "This call would wait — \(reason)."
            details.append("sockstep proved it with a non-blocking attempt instead of waiting; a real program would hang here until something changes.")
            if e.verdict == .unexpected || { if case .failed = e.verdict { return true }; return false }() {
                fix = fixForBlocked(e)
            }
        case .timedOut(let t):
            summary = "The call waited \(format(t)) s and gave up: the timeout set with settimeout expired."
            details.append("Python raises TimeoutError (socket.timeout); the socket is still usable.")
            pyExc = "TimeoutError"
        case .error(let errno):
            let entry = ErrnoCatalog.entry(errno.name)
            // Datagram sockets have no connections: some errnos mean something else for them.
            let datagram = f["kind"].map { $0.contains("UDP") || $0.contains("datagram") } ?? false
            let meaning = (datagram ? entry?.datagramMeaning : nil) ?? entry?.meaning ?? errno.message
            summary = "\(entry?.title ?? errno.message) (\(errno.name)): \(meaning)"
            var cause = entry?.byCall[e.call] ?? entry?.cause ?? ""
            if let addr = f["address"], runCause == nil, e.call == "connect" || e.call == "connect_ex" || e.call == "bind" || e.call == "sendto" {
                cause = "The address was \(addr). " + cause
            }
            // Unix-domain sockets have paths and no TCP: their own causes for the errnos that differ.
            if f["kind"]?.contains("Unix") == true {
                switch errno.name {
                case "EADDRINUSE": cause = "A file already exists at \(f["address"] ?? "that path"): a Unix socket's file stays on disk after the socket is closed. Remove it (os.unlink) before binding again, or use a new name."
                case "EPIPE": cause = "The peer has closed its end, so nothing can be sent any more."
                case "ECONNREFUSED": cause = "The file exists, but no socket is listening on it (its server closed or never called listen)."
                default: break
                }
            }
            if !cause.isEmpty && !causeKnown { details.append(cause) }
            fix = (datagram ? entry?.datagramFix : nil) ?? entry?.fix
            if errno.name == "EPIPE", case .shutDownWriting(let s)? = e.cause?.kind {
                // This side ended its own sending: the conversation is not over, only this direction.
                fix = "Send everything before `\(s).shutdown(SHUT_WR)`: it tells the peer that no more data comes. After it, `\(s)` can only receive."
            }
            if errno.name == "ECONNREFUSED", e.call == "connect" || e.call == "connect_ex", f["address"]?.hasSuffix(":0") == true {
                // Port 0 only asks bind for a free port: no server ever listens there.
                details.append("Port 0 is nobody's port: it only asks bind to pick a free one, so nothing can listen there.")
                fix = "Connect to the port the server really got: `\(e.receiver ?? "c").\(e.call)(server.address)` (or `server.getsockname()`)."
            }
            pyExc = entry?.python ?? "OSError"
            man = entry?.manPages ?? man
        case .value(let v):
            summary = success(e, value: v, sock: sock)
        }

        for note in e.notes { if let s = describe(note, e) { details.append(s) } }
        details += PacketExplanations.details(e)

        var states: [String] = []
        for c in e.stateChanges where (c.from != nil || (c.to != "CLOSED" && c.to != "UNBOUND" && c.to != "UNCONNECTED")) && !(e.call == "state" && c.socket == e.receiver)
            && !(e.call == "listen" && c.socket == e.receiver) && !(e.call == "accept" && c.socket == e.facts["new"]) {
            guard let entry = StateCatalog.entry(c.to) else { continue }
            states.append("`\(c.socket)` is now \(c.to) — \(entry.meaning)" + (CauseText.stateChange(c).map { " " + $0 } ?? ""))
        }
        if case .failed(let m) = e.verdict, fix == nil { fix = hintForMismatch(e, m) }
        var x = Explanation(summary: summary, details: details, fix: fix, pythonException: pyExc, manPages: man,
                            python: python(e.step), c: cEquivalent(e), stateChanges: states)
        x.cause = runCause
        return x
    }

    static func format(_ d: Double) -> String {
        d == d.rounded() ? String(Int(d)) : String(d)
    }

    static func success(_ e: Event, value: Value, sock: String) -> String {
        let f = e.facts
        switch e.call {
        case "socket":
            let state = f["kind"]?.contains("TCP") == true ? " Its TCP state is CLOSED: not closed by anyone, just no connection yet." : ""
            return "Created \(sock), \(f["kind"] ?? "a socket") (descriptor \(f["fd"] ?? "?")). It has no address and no connection yet.\(state)"
        case "socketpair":
            return "Created two sockets already connected to each other: what one sends, the other receives."
        case "bind":
            return "Bound \(sock) to \(f["address"] ?? "its address")."
        case "listen":
            let backlog = Int(f["backlog"] ?? "128") ?? 128
            if f["kind"]?.contains("Unix") == true {
                return "\(sock) now listens\(f["address"].map { " at \($0)" } ?? ""): clients that connect to that path wait in its queue (up to \(backlog)) until accept takes them."
            }
            return "\(sock) now listens\(f["address"].map { " on \($0)" } ?? ""): the kernel completes handshakes on its own and queues up to \(backlog) finished connection\(backlog == 1 ? "" : "s") (the backlog) for accept; Linux lets one more in."
        case "connect":
            if f["kind"]?.contains("TCP") == true {
                return "Connected \(sock) to \(f["address"] ?? "the server"). The three-way handshake (SYN, SYN-ACK, ACK) completed inside the call, as it does on loopback."
            }
            if f["kind"]?.contains("UDP") == true || f["kind"]?.contains("datagram") == true {
                return "\(sock) is now associated with \(f["address"] ?? "that address"): no packet was sent; send() goes there by default and only datagrams from there are received."
            }
            return "Connected \(sock) to \(f["address"] ?? "the server")."
        case "connect_ex":
            if case .int(let n) = value, n != 0 { return "connect_ex returned \(n) (\(ErrnoCatalog.entries.first { Errno(name: $0.name).map { Int($0.rawValue) } == n }?.name ?? "an errno")) instead of raising." }
            return "Connected \(sock) to \(f["address"] ?? "the server"); connect_ex returned 0."
        case "accept":
            return "\(sock) handed out the next connection, from \(f["address"] ?? "a client"), as a new socket `\(f["new"] ?? "conn")` (descriptor \(f["newfd"] ?? "?")). \(sock) keeps listening for more."
        case "send", "sendall":
            let n: String = { if case .int(let n) = value { return String(n) }; return f["total"] ?? "the" }()
            let took = e.call == "send" && n != f["total"] ? "\(n) of \(f["total"] ?? n)" : n
            let kind = f["kind"] ?? ""
            if kind.contains("UDP") || kind.contains("datagram") {
                return "Sent one datagram of \(n) bytes\(f["address"].map { " to \($0)" } ?? " to the connected peer")."
            }
            let head = e.call == "send" ? "The kernel took \(took) bytes into \(sock)'s send buffer" : "Sent all \(n) bytes"
            if kind.contains("TCP") {
                if let q = Int(f["inflight"] ?? "0"), q > 0 {
                    return "\(head); \(q) of them are still on their way (not yet acknowledged by the peer)."
                }
                return "\(head); on loopback they have already reached the peer's receive buffer."
            }
            return "\(head); the peer can read them now."
        case "sendto":
            if case .int(let n) = value { return "Sent one datagram of \(n) bytes to \(f["address"] ?? "the address")." }
        case "recvall":
            if case .bytes(let b) = value {
                return "Received \(b.count) byte\(b.count == 1 ? "" : "s") in \(f["calls"] ?? "several") recv call\(f["calls"] == "1" ? "" : "s")\(b.count < Int(f["total"] ?? "") ?? 0 ? ", fewer than the \(f["total"]!) asked for: the peer closed first" : ""): \(Value.pythonRepr(bytes: b, limit: 40))."
            }
        case "recv", "recvfrom":
            let data: [UInt8]
            if case .bytes(let b) = value { data = b } else if case .tuple(let t) = value, case .bytes(let b)? = t.first { data = b } else { data = [] }
            if data.isEmpty {
                if f["kind"]?.contains("TCP") == true {
                    return "Received b'' — the end of the stream: the peer closed its side (its FIN arrived). There is nothing more to read; close the socket."
                }
                if f["kind"]?.contains("stream") == true {
                    return "Received b'' — the end of the stream: the peer closed its end. There is nothing more to read; close the socket."
                }
                return "Received an empty datagram."
            }
            var s = "Received \(data.count) byte\(data.count == 1 ? "" : "s"): \(Value.pythonRepr(bytes: data, limit: 60))."
            if e.call == "recvfrom", case .tuple(let t) = value, t.count > 1 { s += " The sender is \(t[1])." }
            return s
        case "shutdown":
            let how = e.step.call.methodCall?.args.first.map { "\($0.expr)" } ?? ""
            if how.contains("SHUT_WR") { return "\(sock) shut down writing: a FIN went to the peer, which will read end-of-stream (b''), but both can still send the other way." }
            if how.contains("SHUT_RDWR") { return "\(sock) shut down both directions: a FIN went to the peer, and reads here return b''." }
            return "\(sock) shut down reading: reads return b'' from now on."
        case "close":
            if e.notes.contains(where: { if case .text(let t) = $0 { return t.contains("already closed") }; return false }) {
                return "\(sock) was already closed; a second close() does nothing in Python."
            }
            switch f["close"] {
            case "listener": return "Closed \(sock): it stops listening, and connections still waiting in its queue are reset."
            case "reset": return "Closed \(sock) with \(f["unread"] ?? "some") unread byte\(f["unread"] == "1" ? "" : "s") still in its receive buffer: instead of a FIN, the kernel sent a reset (RST), and the peer's next call fails with ECONNRESET. Read everything before closing to avoid it."
            case "linger-reset": return "Closed \(sock) with SO_LINGER set to 0: the kernel sent a reset (RST) instead of a FIN; the peer's next call fails with ECONNRESET."
            case "fin": return "Closed \(sock): the kernel sent a FIN to the peer, which will read end-of-stream (b'') once it has read what was sent."
            case "fin-last": return "Closed \(sock): the peer had already closed, so this FIN ends the conversation in both directions."
            case "after-shutdown": return "Closed \(sock): its FIN already went at shutdown(); now the descriptor is free too."
            case "unix-eof": return "Closed \(sock): the peer will read end-of-stream (b'')."
            case "unix-listener": return "Closed \(sock): it stops listening. Its socket file stays on disk until it is removed."
            default: return "Closed \(sock): its descriptor is free again."
            }
        case "getsockname": return "\(sock)'s own address is \(value)."
        case "getpeername":
            if value == .string("") { return "\(sock) is connected to an unnamed socket (its peer never bound a path)." }
            return "\(sock) is connected to \(value)."
        case "setsockopt":
            if let real = f["real"] { return "Set \(f["option"] ?? "the option") on \(sock): asked for \(f["value"] ?? "a value"), the kernel uses \(real)." }
            return "Set \(f["option"] ?? "the option") to \(f["value"] ?? "the value") on \(sock)."
        case "getsockopt": return "\(f["option"] ?? "The option") of \(sock) is \(value)."
        case "settimeout":
            if case .none? = e.step.call.methodCall?.args.first?.expr { return "\(sock) is blocking again: calls wait as long as they need." }
            return "\(sock) now has a timeout: calls that would wait longer raise TimeoutError (0 means never wait: non-blocking)."
        case "setblocking":
            if case .bool(false)? = e.step.call.methodCall?.args.first?.expr {
                return "\(sock) is now non-blocking: calls that would wait fail at once with EAGAIN (BlockingIOError) instead."
            }
            return "\(sock) is blocking: calls wait until they can finish."
        case "select":
            if case .tuple(let t) = value, t.count == 3 {
                return "Ready to read: \(t[0]); ready to write: \(t[1]); exceptional: \(t[2])."
            }
        case "address": return "\(sock)'s own address is \(value)."
        case "peer": return "\(sock) is connected to \(value)."
        case "getservbyname":
            let service = e.step.call.functionCall?.args.first.map { StepPrinter.python($0) } ?? "the service"
            return "The service \(service) uses port \(value), as listed in /etc/services."
        case "gethostname": return "This machine is called \(value)."
        case "getaddrinfo":
            if case .list(let items) = value {
                let addrs = items.compactMap { item -> String? in
                    guard case .tuple(let t) = item, t.count == 5 else { return nil }
                    return "\(t[4]) (\(t[0]), \(t[1]))".replacingAll("'", with: "")
                }
                return "getaddrinfo gives \(items.count) address\(items.count == 1 ? "" : "es") to try, in order: \(addrs.joined(separator: "; "))."
            }
        case "value":
            if case .socket(let n) = value, let row = e.sockets.first(where: { $0.name == n && !$0.closed }) {
                // What Python's repr shows, in words: `conn` alone on a line.
                var repr = "<socket.socket fd=\(row.fd.map(String.init) ?? "-1"), family=\(row.family), type=\(row.type), proto=0"
                func py(_ a: String) -> String {
                    guard row.family != "AF_UNIX", let colon = a.lastIndex(of: ":"), let port = Int(a[a.index(after: colon)...]) else { return "'\(a)'" }
                    let host = a[..<colon].filter { $0 != "[" && $0 != "]" }
                    return row.family == "AF_INET6" ? "('\(host)', \(port), 0, 0)" : "('\(host)', \(port))"
                }
                if let l = row.local { repr += ", laddr=\(py(l))" }
                if let p = row.peer { repr += ", raddr=\(py(p))" }
                repr += ">"
                return "`\(n)` is a socket: \(row.family == "AF_UNIX" ? "Unix-domain" : row.family == "AF_INET6" ? "IPv6" : "IPv4") \(row.type), descriptor \(row.fd.map(String.init) ?? "-1")\(row.state.map { ", \($0)" } ?? ""). Python prints it as \(repr)."
            }
            let targets = e.step.targets
            if targets.count > 1, case .tuple(let items) = value, items.count == targets.count {
                return zip(targets, items).map { "`\($0)` is \($1)" }.joined(separator: ", ") + "."
            }
            return "`\(targets.first ?? e.step.source.split(separator: " ").first.map(String.init) ?? "")` is \(value)."
        case "state":
            if case .string(let st) = value, let entry = StateCatalog.entry(st) { return "\(sock) is \(st) — \(entry.meaning)" }
        case "readable": return "\(value) bytes are waiting to be read in \(sock)'s receive buffer."
        case "unacked": return "\(value) bytes sent by \(sock) are not yet acknowledged."
        case "pending":
            var text = "\(value) finished connection\(value == .int(1) ? "" : "s") wait\(value == .int(1) ? "s" : "") in \(sock)'s accept queue: each handshake is complete, and accept hands them out oldest first."
            if case .int(let n) = value, let row = e.sockets.first(where: { $0.name == e.receiver }), let b = row.backlog, n > b {
                text += " That is one more than the backlog of \(b): Linux counts the queue as full only when it holds more than the backlog. Further clients stay in SYN_SENT: their SYNs are dropped until accept makes room, and they retry after a second."
            }
            return text
        default: break
        }
        if let entry = CallCatalog.entry(e.call) {
            let v = value == .none ? "" : " Result: \(value)."
            return "`\(e.call)` \(entry.summary)\(v)"
        }
        return value == .none ? "Done." : "Result: \(value)."
    }


    static func describe(_ note: Note, _ e: Event) -> String? {
        switch note {
        case .portChosen(let p):
            return "You asked for port 0, so the kernel chose a free port: \(p). Read it back with `\(e.facts["socket"] ?? "s").address` (getsockname); a client must be told this port to reach it."
        case .truncated(let kept, let full):
            return "The datagram was \(full) bytes but the buffer held only \(kept): the other \(full - kept) bytes are lost. UDP never splits a datagram across reads."
        case .shortRead(let got, let asked, let queued):
            if queued > 0 { return "recv returns at most what you ask for (\(asked)); \(queued) more bytes are still waiting. TCP is a stream: call recv again for the rest." }
            return "recv returned \(got) bytes, fewer than the \(asked) asked for: it hands out what has arrived so far, not a whole message."
        case .partialSend(let sent, let total):
            return "Only \(sent) of \(total) bytes went into the buffers: they are full until the peer reads."
        case .waitedInFlight(let ms, let what):
            return "sockstep waited \(ms) ms for \(what), with poll and a deadline."
        case .acceptedFrom:
            return nil
        case .waitedTimeout(let s):
            return "The socket's SO_RCVTIMEO (\(format(s)) s) expired."
        case .peerClosed:
            return nil
        case .text(let t) where e.call == "close" && t.contains("already closed"):
            return nil   // the summary says it
        case .text(let t):
            // String + String only: String + Substring is the generic append(contentsOf:), whose
            // first call resolves its types by name at run time (0.05 ms of every start).
            var sentence = t.prefix(1).uppercased()
            sentence += String(t.dropFirst())
            if !t.hasSuffix(".") { sentence += "." }
            return sentence
        }
    }

    static func fixForBlocked(_ e: Event) -> String {
        switch e.call {
        case "recv", "recvfrom": return "Make the peer send something (or close) before this recv, or expect it: `-> blocks`."
        case "accept": return "Connect a client before accepting, or expect it: `-> blocks`."
        case "send", "sendall": return "Have the peer recv to make room, or expect it: `-> blocks`."
        case "connect": return "The server must accept to make room in its queue, or expect it: `-> blocks`."
        default: return "If waiting is the point of the step, write `-> blocks` after it."
        }
    }

    static func hintForMismatch(_ e: Event, _ m: Mismatch) -> String? {
        if (e.call == "recv" || e.call == "recvfrom"), case .value(.bytes(let got)) = e.outcome {
            if m.expected.count > m.actual.count, !got.isEmpty {
                return "recv returns what has arrived so far, not a whole message: read again (in a loop) for the rest."
            }
        }
        return nil
    }

    /// The step as plain Python: `socket.` prefixes and getsockname() for `.address`.
    public static func python(_ step: Step) -> String {
        var out = StepPrinter.python(step.call)
        if !step.targets.isEmpty { out = step.targets.joined(separator: ", ") + " = " + out }
        return out
    }

    /// The call in C, with the socket's name standing for its descriptor (`int server = socket(...)`).
    static func cEquivalent(_ e: Event) -> String? {
        guard let entry = CallCatalog.entry(e.call) else { return nil }
        if e.call == "socket", let f = e.step.call.functionCall {
            let args = f.args.map { StepPrinter.python($0).replacingAll("socket.", with: "") }
            let full = args + ["AF_INET", "SOCK_STREAM", "0"].dropFirst(args.count)
            return "int \(e.step.targets.first ?? "fd") = socket(\(full.joined(separator: ", ")));"
        }
        let name = e.receiver ?? "fd"
        let args = e.step.call.methodCall?.args.map { StepPrinter.python($0).replacingAll("socket.", with: "") } ?? []
        switch e.call {
        case "listen": return "listen(\(name), \(args.first ?? "128"));"
        case "shutdown": return "shutdown(\(name), \(args.first ?? "SHUT_WR"));"
        case "recv": return "ssize_t n = recv(\(name), buf, \(args.first ?? "sizeof buf"), \(args.count > 1 ? args[1] : "0"));"
        case "send": return "ssize_t n = send(\(name), buf, len, \(args.count > 1 ? args[1] : "0"));"
        case "settimeout":
            if args.first == "None" { return "fcntl(\(name), F_SETFL, fcntl(\(name), F_GETFL) & ~O_NONBLOCK);" }
            return "fcntl(\(name), F_SETFL, O_NONBLOCK); /* then poll(2) for up to \(args.first ?? "t") s before each call */"
        case "setblocking":
            let off = args.first == "False" || args.first == "0"
            return "fcntl(\(name), F_SETFL, fcntl(\(name), F_GETFL) \(off ? "| O_NONBLOCK" : "& ~O_NONBLOCK"));"
        default: break
        }
        if e.call == "setsockopt" || e.call == "getsockopt", let m = e.step.call.methodCall, m.args.count >= 2 {
            let level = StepPrinter.python(m.args[0]).replacingAll("socket.", with: "")
            let option = StepPrinter.python(m.args[1]).replacingAll("socket.", with: "")
            if e.call == "getsockopt" {
                return "int v; socklen_t len = sizeof v; getsockopt(\(name), \(level), \(option), &v, &len);"
            }
            let value = m.args.count > 2 ? StepPrinter.python(m.args[2]) : "1"
            return "int v = \(value); setsockopt(\(name), \(level), \(option), &v, sizeof v);"
        }
        return entry.c.replacingAll("FD", with: name)
    }
}

/// Prints expressions back as Python source.
public enum StepPrinter {
    public static func python(_ node: Node) -> String {
        switch node.expr {
        case .int(let v): return String(v)
        case .float(let d): return String(d)
        case .string(let s): return Value.pythonRepr(string: s)
        case .bytes(let b): return Value.pythonRepr(bytes: b)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .name(let n):
            if SocketConstants.named(n) != nil { return "socket.\(n)" }
            return n
        case .attribute(let base, let attr):
            let b = python(base)
            switch attr {
            case "address": return "\(b).getsockname()"
            case "peer": return "\(b).getpeername()"
            default:
                if case .name("socket") = base.expr { return "socket.\(attr)" }
                return "\(b).\(attr)"
            }
        case .call(let callee, let args):
            var c = python(callee)
            if case .name(let n) = callee.expr, Vocabulary.call(n)?.receiver == .function { c = "socket.\(n)" }
            if c == "socket.socket.socket" { c = "socket.socket" }
            return c + "(" + args.map(python).joined(separator: ", ") + ")"
        case .tuple(let items): return "(" + items.map(python).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(python).joined(separator: ", ") + "]"
        case .binary(let op, let a, let b): return "\(python(a)) \(op.rawValue) \(python(b))"
        case .negate(let a): return "-" + python(a)
        }
    }
}

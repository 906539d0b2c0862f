import ScenarioFormat

/// A lesson as a Python 3 program using the `socket` module: the code the learner would write,
/// each step wrapped so that its outcome is printed and checked against the lesson's expectation.
struct PythonExporter {
    let document: Document
    init(_ document: Document) { self.document = document }

    func program() throws -> String {
        let shapes = try document.steps.enumerated().map { try StepShape($0.element, number: $0.offset + 1) }
        var out = "#!/usr/bin/env python3\n"
        out += "\"\"\"\(document.title.replacingAll("\"\"\"", with: "'''")): exported by `sockstep export --lang python \(document.path)`.\n\n"
        if let s = document.meta("summary") { out += s + "\n\n" }
        out += """
        Makes the lesson's calls in the same order on real loopback sockets and checks the same
        expectations. Prints one line per step: `step N: ok`, `step N: ECONNREFUSED`, `step N: blocks`...
        Exit status 0 when every step did what the lesson expects.
        \"\"\"

        """
        out += PythonExporter.prelude
        out += "\n\ndef main():\n"
        var any = false
        for block in document.blocks {
            switch block {
            case .heading(let text, _, _):
                out += "    # \(String(repeating: "-", count: 4)) \(text)\n"
            case .prose(let text, _):
                // The lesson's prose, as comments: the program reads like the lesson.
                out += "\n" + text.split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !$0.hasPrefix("<!--") }
                    .map { $0.isEmpty ? "    #" : "    # " + $0 }.joined(separator: "\n") + "\n"
            case .steps(let steps, _):
                for step in steps {
                    guard let shape = shapes.first(where: { $0.step.location == step.location }) else { continue }
                    out += try code(shape)
                    any = true
                }
            }
        }
        if !any { out += "    pass\n" }
        out += """


        if __name__ == "__main__":
            run(main, total=\(shapes.count))

        """
        return out
    }

    func code(_ s: StepShape) throws -> String {
        var comment = "    # step \(s.number): \(s.step.source)"
        if let c = s.step.comment { comment += "  # " + c }
        if let note = s.packetsNote { comment += "\n    # " + note }
        var call: String
        var attemptOn: String?
        switch s.kind {
        case .method(let receiver, let name, let args):
            let a = try arguments(s, args)
            if s.definition?.python == .helper {
                // Python wants packed structs for some options, or a loop: helpers take sockstep's values.
                call = "\(name)(\(([receiver] + a).joined(separator: ", ")))"
            } else {
                call = "\(receiver).\(name)(\(a.joined(separator: ", ")))"
            }
            if s.definition?.attempts == true { attemptOn = receiver }
        case .function(let name, let args):
            var a = try arguments(s, args)
            if name == "select", s.step.expectation == .blocks {
                // Proven without waiting: a zero timeout, and nothing ready means it would wait.
                a = Array(a.prefix(3)) + ["0"]
                call = "nothing_ready(select.select(\(a.joined(separator: ", "))))"
            } else if case .function(let module)? = s.definition?.python {
                call = "\(module).\(name)(\(a.joined(separator: ", ")))"
            } else {
                call = "socket.\(name)(\(a.joined(separator: ", ")))"
            }
        case .attribute(let receiver, let name):
            call = try attribute(receiver, name, want: s.step.expectation)
        case .name(let n):
            call = n
        case .value(let n):
            call = try expr(n)
        }
        var args = "\(s.number), lambda: \(call)"
        if let e = s.step.expectation { args += ", " + (try expectation(e)) }
        if s.step.expectation == .blocks, let r = attemptOn { args += ", attempt_on=\(r)" }
        let targets = s.assigns ? s.step.targets.joined(separator: ", ") + " = " : ""
        return comment + "\n    " + targets + "step(\(args))\n"
    }

    /// A call's arguments in Python, its address (a Unix-domain path) in the run's own directory.
    func arguments(_ s: StepShape, _ args: [Node]) throws -> [String] {
        try args.enumerated().map { i, n in s.addressArgument == i ? try address(n) : try expr(n) }
    }

    func describe(_ e: Expectation) -> String {
        switch e {
        case .value(let n): return (try? expr(n, pattern: true)) ?? "?"
        case .error(let name, _, _), .pythonError(let name, _): return name
        case .blocks: return "blocks"
        case .timeout: return "timeout"
        case .eof: return "eof"
        case .ok: return "ok"
        }
    }

    func expectation(_ e: Expectation) throws -> String {
        switch e {
        case .value(let n): return "expect=Returns(\(try expr(n, pattern: true)))"
        case .error(let name, let errnos, _):
            return "expect=Raises(\(pyString(name)), \(errnos.map(pyString).joined(separator: ", ")))"
        case .pythonError(let name, _): return "expect=Raises(\(pyString(name)), \(pyString(name)))"
        case .blocks: return "expect=BLOCKS"
        case .timeout: return "expect=TIMEOUT"
        case .eof: return "expect=EOF"
        case .ok: return "expect=OK"
        }
    }

    /// An address argument: a string is a Unix-domain path, kept in the run's own directory.
    func address(_ n: Node) throws -> String {
        if case .string = n.expr { return "path(\(try expr(n)))" }
        return try expr(n)
    }

    func attribute(_ receiver: String, _ name: String, want: Expectation? = nil) throws -> String {
        switch name {
        case "address": return "\(receiver).getsockname()"
        case "peer": return "\(receiver).getpeername()"
        case "state":
            if case .value(let n)? = want, case .name(let s) = n.expr, stateNames.contains(s) { return "tcp_state(\(receiver), want=\(pyString(s)))" }
            return "tcp_state(\(receiver))"
        case "readable", "unacked", "pending", "backlog": return "\(name)(\(receiver))"
        case "family", "type": return "\(receiver).\(name)"
        case "closed": return "(\(receiver).fileno() == -1)"
        default: return "\(receiver).\(name)"
        }
    }

    func expr(_ n: Node, pattern: Bool = false) throws -> String {
        switch n.expr {
        case .int(let v): return String(v)
        case .float(let d): return String(d)
        case .string(let s): return pyString(s)
        case .bytes(let b): return pyBytes(b)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .name(let name):
            if pattern && name == "_" { return "ANY" }
            if pattern && stateNames.contains(name) { return pyString(name == "SYN_RECEIVED" ? "SYN_RECV" : name) }
            if name.first?.isUppercase == true, name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) { return "socket.\(name)" }
            return name
        case .attribute(let base, let attr):
            if case .name("socket") = base.expr { return "socket.\(attr)" }
            guard case .name(let r) = base.expr else {
                throw ExportError(message: "only a socket's name may have an attribute here", location: n.location, help: nil)
            }
            return try attribute(r, attr)
        case .call:
            throw ExportError(message: "a call inside an argument cannot be exported", location: n.location, help: "make it a step of its own and name its result")
        case .tuple(let items):
            return "(" + (try items.map { try expr($0, pattern: pattern) }).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items):
            return "[" + (try items.map { try expr($0, pattern: pattern) }).joined(separator: ", ") + "]"
        case .binary(let op, let a, let b):
            return "\(try expr(a, pattern: pattern)) \(op.rawValue) \(try expr(b, pattern: pattern))"
        case .negate(let a): return "-" + (try expr(a, pattern: pattern))
        }
    }

    /// The helpers every exported program starts with: running a step, judging its outcome,
    /// proving that a call would block, and the kernel's view (TCP state, queued bytes).
    static let prelude = #"""
    import errno
    import fcntl
    import os
    import select
    import signal
    import socket
    import struct
    import sys
    import tempfile
    import termios
    import time

    RUN_DIR = tempfile.mkdtemp(prefix="sockstep-")  # Unix-domain socket paths live here
    SOCKETS = []      # every socket the program made, to remember their addresses
    ADDRESSES = {}    # socket -> (local, peer), kept for the kernel's view after close()
    HANG_SECONDS = 10 # a call that waits this long is reported as `blocks`


    class Stop(Exception):
        """A step failed in a way a real program could not go on from."""
        def __init__(self, number):
            self.number = number


    class Hang(Exception):
        pass


    class Any:
        """`_` in an expected value: matches anything."""
        def __eq__(self, other):
            return True

        def __repr__(self):
            return "_"


    ANY = Any()
    BLOCKS, TIMEOUT, EOF, OK = "blocks", "timeout", "eof", "ok"


    class Returns:
        def __init__(self, value):
            self.value = value

        def __repr__(self):
            return repr(self.value)


    class Raises:
        def __init__(self, name, *errnos):
            self.name, self.errnos = name, errnos

        def __repr__(self):
            return self.name


    def path(name):
        """A Unix-domain socket path inside this run's own directory."""
        return os.path.join(RUN_DIR, name)


    def outcome_of(exc):
        """What a step's exception is called in sockstep's output: an errno name, timeout, or the exception."""
        if isinstance(exc, Hang):
            return "blocks"
        if isinstance(exc, socket.gaierror):
            return "socket.gaierror"
        if isinstance(exc, socket.timeout) and exc.errno is None:
            return "timeout"
        if isinstance(exc, OSError) and exc.errno:
            name = errno.errorcode.get(exc.errno, "E%d" % exc.errno)
            return {"EWOULDBLOCK": "EAGAIN", "ENOTSUP": "EOPNOTSUPP", "EDEADLOCK": "EDEADLK"}.get(name, name)
        return type(exc).__name__


    def relative(value):
        """Unix paths as the lesson wrote them, without this run's directory."""
        if isinstance(value, str) and value.startswith(RUN_DIR + "/"):
            return value[len(RUN_DIR) + 1:]
        if isinstance(value, tuple):
            return tuple(relative(v) for v in value)
        if isinstance(value, list):
            return [relative(v) for v in value]
        return value


    def same(value, pattern):
        if pattern is ANY:
            return True
        if isinstance(value, (tuple, list)) and isinstance(pattern, (tuple, list)):
            return len(value) == len(pattern) and all(same(v, p) for v, p in zip(value, pattern))
        return value == pattern


    def without_waiting(sock, call):
        """Proves that a call would block: tries it non-blocking; BlockingIOError means it would wait."""
        if sock is None or sock.gettimeout() == 0.0:
            return call()
        saved = sock.gettimeout()
        sock.setblocking(False)
        try:
            return call()
        except BlockingIOError as e:
            raise Hang() from e
        finally:
            if sock.fileno() != -1:
                sock.settimeout(saved)


    def nothing_ready(ready):
        if not any(ready):
            raise Hang()
        return ready


    def judge(outcome, value, expect):
        """(passed, stops): mirrors sockstep's verdicts."""
        if outcome == "ok":
            if expect is None or expect == OK:
                return True, False
            if expect == EOF:
                return value == b"" or (isinstance(value, tuple) and value[:1] == (b"",)), False
            if isinstance(expect, Returns):
                return same(relative(value), expect.value), False
            return False, False
        if expect is None:
            return False, True
        if outcome == "blocks":
            return expect == BLOCKS, expect != BLOCKS
        if outcome == "timeout":
            ok = expect == TIMEOUT or (isinstance(expect, Raises) and ("ETIMEDOUT" in expect.errnos or "*" in expect.errnos))
            return ok, not ok
        if isinstance(expect, Raises):
            ok = (outcome in expect.errnos or "*" in expect.errnos or outcome == expect.name
                  or (outcome == "EAGAIN" and "EWOULDBLOCK" in expect.errnos)
                  or (outcome == "socket.gaierror" and "EAI" in expect.errnos))
            return ok, not ok
        return False, True


    def remember():
        for s in SOCKETS:
            if s.fileno() == -1:
                continue
            try:
                local = s.getsockname()
            except OSError:
                local = None
            try:
                peer = s.getpeername()
            except OSError:
                peer = None
            old = ADDRESSES.get(s, (None, None))
            ADDRESSES[s] = (local or old[0], peer or old[1])


    def step(number, call, expect=None, attempt_on=None):
        """Runs one step, prints its outcome, checks the expectation; raises Stop where sockstep stops."""
        value, outcome = None, "ok"
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
        try:
            value = without_waiting(attempt_on, call) if expect == BLOCKS else call()
        except Exception as e:  # the outcome is reported, whatever it is
            outcome = outcome_of(e)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        made = value if isinstance(value, tuple) else (value,)
        SOCKETS.extend(s for s in made if isinstance(s, socket.socket))
        remember()
        passed, stops = judge(outcome, value, expect)
        line = "step %d: %s" % (number, outcome)
        if outcome == "ok" and value is not None and not any(isinstance(s, socket.socket) for s in made):
            line += " " + repr(relative(value))
        if not passed:
            line += " -- expected %r" % (expect,) if expect is not None else " -- unexpected"
        print(line, flush=True)
        if not passed:
            step.failures += 1
        if stops:
            raise Stop(number)
        return value


    step.failures = 0

    # The kernel's view, as sockstep shows it: TCP_INFO for the state, ioctls for queued bytes.
    TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT",
                  7: "CLOSED", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}
    ON_THE_WAY = {"ESTABLISHED": {"SYN_SENT", "SYN_RECV"}, "FIN_WAIT2": {"FIN_WAIT1"},
                  "TIME_WAIT": {"FIN_WAIT1", "FIN_WAIT2", "CLOSING"}, "CLOSED": {"LAST_ACK", "FIN_WAIT1", "CLOSING"},
                  "CLOSE_WAIT": {"ESTABLISHED"}}


    def tcp_info(s):
        return socket.socket.getsockopt(s, socket.IPPROTO_TCP, socket.TCP_INFO, 104)


    def is_tcp(s):
        return s.type == socket.SOCK_STREAM and s.family in (socket.AF_INET, socket.AF_INET6)


    def proc_net_state(local, peer):
        """The state Linux still keeps for a closed connection (TIME_WAIT...), from /proc/net/tcp."""
        def hexaddr(a):
            if len(a) == 2:
                return "%08X:%04X" % (struct.unpack("<I", socket.inet_aton(a[0]))[0], a[1])
            raw = socket.inet_pton(socket.AF_INET6, a[0])
            return "".join("%08X" % w for w in struct.unpack("<4I", raw)) + ":%04X" % a[1]
        want = (hexaddr(local), hexaddr(peer))
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    for row in f.readlines()[1:]:
                        cols = row.split()
                        if (cols[1], cols[2]) == want:
                            return TCP_STATES.get(int(cols[3], 16))
            except OSError:
                pass
        return None


    def current_state(s):
        if s.fileno() == -1:
            local, peer = ADDRESSES.get(s, (None, None))
            if is_tcp(s) and local and peer:
                return proc_net_state(local, peer) or "CLOSED"
            return "CLOSED" if s.type == socket.SOCK_STREAM else "UNCONNECTED"
        if is_tcp(s):
            state = TCP_STATES.get(tcp_info(s)[0], "CLOSED")
            local, peer = ADDRESSES.get(s, (None, None))
            if state == "CLOSED" and local and peer and proc_net_state(local, peer) == "TIME_WAIT":
                return "TIME_WAIT"   # the descriptor is done, the connection waits in TIME_WAIT
            return state
        try:
            s.getpeername()
            return "CONNECTED"
        except OSError:
            pass
        if s.type == socket.SOCK_STREAM:
            return "LISTENING" if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) else "UNCONNECTED"
        local = s.getsockname()
        bound = local[1] != 0 if isinstance(local, tuple) else bool(local)
        return "BOUND" if bound else "UNBOUND"


    def tcp_state(s, want=None):
        """The TCP state; when a packet is still in flight towards `want`, waits for it with a deadline."""
        deadline = time.monotonic() + 2
        state = current_state(s)
        while want and state != want and state in ON_THE_WAY.get(want, ()) and time.monotonic() < deadline:
            select.select([s] if s.fileno() != -1 else [], [], [], 0.002)
            state = current_state(s)
        return state


    def ioctl_int(s, request):
        return struct.unpack("i", fcntl.ioctl(s.fileno(), request, b"\0\0\0\0"))[0]


    def readable(s):
        return ioctl_int(s, termios.FIONREAD)


    def unacked(s):
        return ioctl_int(s, termios.TIOCOUTQ)


    def pending(s):
        info = tcp_info(s) if is_tcp(s) else b"\0" * 32
        return struct.unpack_from("I", info, 24)[0] if info[0] == 10 else 0


    def backlog(s):
        info = tcp_info(s) if is_tcp(s) else b"\0" * 32
        return struct.unpack_from("I", info, 28)[0] if info[0] == 10 else 0


    def setsockopt(s, level, option, value):
        """Like s.setsockopt, taking the values a lesson writes: (on, seconds) for SO_LINGER,
        seconds for SO_RCVTIMEO/SO_SNDTIMEO, (group, interface) for IP_ADD_MEMBERSHIP."""
        if option == socket.SO_LINGER and level == socket.SOL_SOCKET and isinstance(value, tuple):
            value = struct.pack("ii", *value)
        elif level == socket.SOL_SOCKET and option in (socket.SO_RCVTIMEO, socket.SO_SNDTIMEO):
            seconds, micro = value if isinstance(value, tuple) else (int(value), round((value - int(value)) * 1e6))
            value = struct.pack("ll", seconds, micro)
        elif level == socket.IPPROTO_IP and option in (socket.IP_ADD_MEMBERSHIP, socket.IP_DROP_MEMBERSHIP) and isinstance(value, tuple):
            value = socket.inet_aton(value[0]) + socket.inet_aton(value[1])
        elif level == socket.IPPROTO_IP and option == socket.IP_MULTICAST_IF and isinstance(value, str):
            value = socket.inet_aton(value)
        return s.setsockopt(level, option, value)


    def recvall(s, n, flags=0):
        """The loop every tutorial writes: recv until n bytes have arrived or the peer closed."""
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data), flags)
            if not chunk:
                break
            data += chunk
        return data


    def getsockopt(s, level, option, buflen=None):
        if level == socket.SOL_SOCKET and option == socket.SO_LINGER:
            return struct.unpack("ii", s.getsockopt(level, option, 8))
        if level == socket.SOL_SOCKET and option in (socket.SO_RCVTIMEO, socket.SO_SNDTIMEO):
            seconds, micro = struct.unpack("ll", s.getsockopt(level, option, 16))
            return seconds + micro / 1e6
        return s.getsockopt(level, option) if buflen is None else s.getsockopt(level, option, buflen)


    def on_hang(signum, frame):
        raise Hang()


    def run(main, total):
        signal.signal(signal.SIGALRM, on_hang)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # EPIPE as an error, as in sockstep
        try:
            main()
        except Stop as stop:
            for n in range(stop.number + 1, total + 1):
                print("step %d: not run" % n)
        finally:
            for s in SOCKETS:
                s.close()
            for name in os.listdir(RUN_DIR):
                os.unlink(os.path.join(RUN_DIR, name))
            os.rmdir(RUN_DIR)
        sys.exit(1 if step.failures else 0)
    """#
}

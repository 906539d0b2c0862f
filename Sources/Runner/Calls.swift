import ScenarioFormat
import Sockets

private let AF_INET_ = SocketConstants.named("AF_INET")!.value
private let AF_INET6_ = SocketConstants.named("AF_INET6")!.value
private let AF_UNIX_ = SocketConstants.named("AF_UNIX")!.value
private let AF_UNSPEC_ = SocketConstants.named("AF_UNSPEC")!.value
private let SOCK_STREAM_ = SocketConstants.named("SOCK_STREAM")!.value
private let SOCK_DGRAM_ = SocketConstants.named("SOCK_DGRAM")!.value
private let SOCK_SEQPACKET_ = SocketConstants.named("SOCK_SEQPACKET")!.value
private let SOL_SOCKET_ = SocketConstants.named("SOL_SOCKET")!.value
private let MSG_DONTWAIT_ = SocketConstants.named("MSG_DONTWAIT")!.value
private let MSG_WAITALL_ = SocketConstants.named("MSG_WAITALL")!.value

extension Session {
    // MARK: arguments

    func int(_ v: Value, _ what: String) throws -> Int {
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: throw StepStop(outcome: .pythonError(name: "TypeError", message: "\(what) must be an integer, not \(v.typeName)"))
        }
    }

    func bytes(_ v: Value, _ call: String) throws -> [UInt8] {
        switch v {
        case .bytes(let b): return b
        case .string: throw StepStop(outcome: .pythonError(name: "TypeError", message: "a bytes-like object is required, not 'str' (write b\"...\")"))
        default: throw StepStop(outcome: .pythonError(name: "TypeError", message: "a bytes-like object is required, not '\(v.typeName)'"))
        }
    }

    func seconds(_ v: Value) throws -> Double? {
        switch v {
        case .none: return nil
        case .int(let i): guard i >= 0 else { throw negativeTimeout }; return Double(i)
        case .float(let d): guard d >= 0 else { throw negativeTimeout }; return d
        default: throw StepStop(outcome: .pythonError(name: "TypeError", message: "a timeout must be a number or None"))
        }
    }
    var negativeTimeout: StepStop { StepStop(outcome: .pythonError(name: "ValueError", message: "Timeout value out of range")) }

    /// A Python address value to a kernel address for a socket of `family`, with the loopback policy.
    func address(_ v: Value, family: Int32, call: String) throws -> SocketAddress {
        if family == AF_UNIX_ {
            guard case .string(let path) = v else {
                throw StepStop(outcome: .pythonError(name: "TypeError", message: "a Unix-domain address must be a path string"))
            }
            if let r = AddressPolicy.check(unixPath: path) { throw StepStop(outcome: .refused(message: r.message, help: r.help)) }
            let full = try directory() + "/" + path
            guard full.utf8.count < 108 else { throw StepStop(outcome: .error(.ENAMETOOLONG)) }
            return .unix(path: full)
        }
        guard case .tuple(let items) = v, items.count >= 2 else {
            throw StepStop(outcome: .pythonError(name: "TypeError", message: "\(call)(): AF_INET address must be tuple, not \(v.typeName)"))
        }
        guard case .string(var host) = items[0] else {
            throw StepStop(outcome: .pythonError(name: "TypeError", message: "the host must be a string"))
        }
        let port = try int(items[1], "the port")
        guard (0...65535).contains(port) else {
            throw StepStop(outcome: .pythonError(name: "OverflowError", message: "\(call)(): port must be 0-65535."))
        }
        if let r = AddressPolicy.check(host: host) { throw StepStop(outcome: .refused(message: r.message, help: r.help)) }
        if host == "localhost" || host == "ip6-localhost" { host = family == AF_INET6_ ? "::1" : "127.0.0.1" }
        if family == AF_INET6_ {
            if SocketAddress.isValidIPv4(host) {
                // Python resolves an IPv4 text for an AF_INET6 socket as an IPv4-mapped address.
                return .ipv6(host: "::ffff:" + host, port: UInt16(port))
            }
            return .ipv6(host: host, port: UInt16(port))
        }
        guard SocketAddress.isValidIPv4(host) else {
            throw StepStop(outcome: .pythonError(name: "socket.gaierror", message: "[Errno -9] Address family for hostname not supported"))
        }
        return .ipv4(host: host, port: UInt16(port))
    }

    func entry(_ v: Value, _ what: String) throws -> SocketEntry {
        guard case .socket(let n) = v, let e = byName[n] else {
            throw StepStop(outcome: .pythonError(name: "TypeError", message: "\(what) must be a socket"))
        }
        return e
    }

    /// A closed socket's calls fail with EBADF, without touching the old descriptor number (the kernel
    /// may have reused it for another socket).
    func requireOpen(_ e: SocketEntry, _ ctx: inout CallContext, _ call: String) throws {
        if e.closed {
            // Python really makes the call with descriptor -1; so does sockstep, and the kernel answers.
            var err = Errno.EBADF
            if case .failure(let real) = Posix.localAddress(SocketFD(rawValue: -1)) { err = real }
            ctx.syscalls.append("\(call)(-1, ...) = \(Strace.error(err))")
            // Which step closed it is the event's cause (when the run knows it); the note says what follows.
            ctx.notes.append(.text(e.history.closed == nil ? "`\(e.name)` was closed: Python sets its descriptor to -1, so every call fails with EBADF"
                                                       : "Python sets a closed socket's descriptor to -1, so every call on it fails with EBADF"))
            throw StepStop(outcome: .error(err))
        }
    }

    // MARK: waiting, only for what is known to be in flight

    /// Waits for `events` on `e` until the deadline; true if they came. Records how long it took.
    func waitInFlight(_ e: SocketEntry, _ events: Posix.PollEvents, seconds: Double, what: String, ctx: inout CallContext) -> Bool {
        let start = MonotonicInstant.now()
        let ok = Posix.wait(e.fd, for: events, deadline: start.adding(seconds: seconds))
        let ms = Int(MonotonicInstant.now().seconds(since: start) * 1000)
        if ms > 0 { ctx.notes.append(.waitedInFlight(milliseconds: ms, what: what)) }
        return ok
    }

    /// The sockets of this run connected to `e` (the other end of its connection).
    func peers(of e: SocketEntry) -> [SocketEntry] {
        guard case .success(let local) = Posix.localAddress(e.fd) else { return [] }
        // Every client of a server has the server's address as its peer: when `e` is connected,
        // the other end must also have `e`'s peer as its own address.
        let remote: SocketAddress? = { if case .success(let p) = Posix.peerAddress(e.fd) { return p }; return nil }()
        return entries.filter { other in
            other !== e && !other.closed && {
                guard case .success(let p) = Posix.peerAddress(other.fd), p == local else { return false }
                guard let remote, e.family != AF_UNIX_ else { return true }
                if case .success(let l) = Posix.localAddress(other.fd) { return l == remote }
                return true
            }()
        }
    }

    /// Bytes sent towards `e` by a socket of this run that the kernel has not delivered yet.
    func bytesInFlight(to e: SocketEntry) -> Bool {
        peers(of: e).contains { ($0.isTCP ? (Posix.bytesUnacknowledged($0.fd) ?? 0) : 0) > 0 }
    }

    /// A handshake with listener `e` that has started but not finished (a non-blocking connect).
    func handshakeInFlight(to e: SocketEntry) -> Bool {
        guard case .success(let local) = Posix.localAddress(e.fd) else { return false }
        if let info = Posix.tcpInfo(e.fd), info.state == .listen, info.unacked > info.sacked { return false } // queue full: SYNs are dropped
        return entries.contains { other in
            guard !other.closed, other.isTCP, Posix.tcpInfo(other.fd)?.state == .synSent else { return false }
            // getpeername fails in SYN_SENT (ENOTCONN), so use where the connect went.
            let target: SocketAddress?
            if case .success(let p) = Posix.peerAddress(other.fd) { target = p } else { target = other.connectTarget }
            guard let p = target else { return false }
            return p == local || (local.isWildcard && p.port == local.port)
        }
    }

    /// The listener of this run at `address`, if any.
    func listener(at address: SocketAddress) -> SocketEntry? {
        entries.first { e in
            guard !e.closed, e.isTCP, Posix.tcpInfo(e.fd)?.state == .listen, case .success(let l) = Posix.localAddress(e.fd) else { return false }
            return l == address || (l.port == address.port && l.isWildcard)
        }
    }

    // MARK: socket methods

    func method(_ name: String, on e: SocketEntry, args: [Value], ctx: inout CallContext) throws -> Outcome {
        let fd = e.fd.rawValue
        switch name {
        case "close":
            if e.closed {
                ctx.notes.append(.text("`\(e.name)` was already closed: Python ignores a second close()"))
                return .value(.none)
            }
            if case .success(let l) = Posix.localAddress(e.fd) { e.lastLocal = l }
            if case .success(let p) = Posix.peerAddress(e.fd) { e.lastPeer = p }
            ctx.facts["close"] = closeKind(e)
            if let sharer = otherDescriptor(of: e) {
                ctx.facts["close"] = "shared"
                ctx.notes.append(.text("`\(sharer.name)` still refers to this socket (a dup), so nothing is sent to the peer yet: the connection ends when `\(sharer.name)` is closed too"))
            }
            if let unread = Posix.bytesReadable(e.fd), unread > 0 { ctx.facts["unread"] = String(unread) }
            // This close sends a FIN or a reset to a peer of this run: it is in flight until the
            // peer's kernel has it (at once on loopback, later on a loaded machine), and the next
            // step may read it there.
            let told = ["fin", "fin-last", "reset", "linger-reset"].contains(ctx.facts["close"] ?? "") ? peers(of: e) : []
            let r = Posix.close(e.fd)
            e.closed = true
            ctx.syscalls.append("close(\(fd)) = \(Strace.result(r.map { 0 }))")
            if case .failure(let err) = r { return .error(err) }
            for p in told where !p.closed {
                _ = waitInFlight(p, [.peerClosed, .hangup, .error], seconds: options.inFlightDeadline,
                                 what: "`\(p.name)` to get the \(ctx.facts["close"] == "fin" || ctx.facts["close"] == "fin-last" ? "FIN" : "reset")", ctx: &ctx)
            }
            return .value(.none)
        case "fileno":
            return .value(.int(e.closed ? -1 : Int(fd)))
        case "gettimeout":
            switch e.mode {
            case .blocking: return .value(.none)
            case .nonBlocking: return .value(.float(0))
            case .timeout(let t): return .value(.float(t))
            }
        case "getblocking":
            return .value(.bool(e.mode != .nonBlocking))
        case "settimeout":
            try requireOpen(e, &ctx, "fcntl")
            let t = try seconds(args[0])
            e.mode = t == nil ? .blocking : (t == 0 ? .nonBlocking : .timeout(t!))
            ctx.syscalls.append("fcntl(\(fd), F_SETFL, O_RDWR\(t == nil ? "" : "|O_NONBLOCK")) = 0")
            return .value(.none)
        case "setblocking":
            try requireOpen(e, &ctx, "fcntl")
            let on: Bool
            switch args[0] {
            case .bool(let b): on = b
            case .int(let i): on = i != 0
            default: throw StepStop(outcome: .pythonError(name: "TypeError", message: "setblocking takes True or False"))
            }
            e.mode = on ? .blocking : .nonBlocking
            ctx.syscalls.append("fcntl(\(fd), F_SETFL, O_RDWR\(on ? "" : "|O_NONBLOCK")) = 0")
            return .value(.none)
        default: break
        }
        if name == "connect_ex", e.closed {
            // connect_ex returns the errno instead of raising, on a closed socket too (9, EBADF).
            do { try requireOpen(e, &ctx, "connect") } catch let stop as StepStop {
                if case .error(let err) = stop.outcome { return .value(.int(Int(err.rawValue))) }
                throw stop
            }
        }
        try requireOpen(e, &ctx, Vocabulary.call(name)?.syscall ?? name)

        switch name {
        case "bind":
            let a = try address(args[0], family: e.family, call: "bind")
            let r = Posix.bind(e.fd, a)
            ctx.target = a
            ctx.facts["address"] = describe(a)
            ctx.syscalls.append("bind(\(fd), \(a.straceText), \(a.straceLength)) = \(Strace.result(r.map { 0 }))")
            if case .failure(let err) = r { return .error(err) }
            if case .success(let got) = Posix.localAddress(e.fd) { ctx.facts["address"] = describe(got) }
            if a.port == 0, case .success(let got) = Posix.localAddress(e.fd), let p = got.port { ctx.notes.append(.portChosen(Int(p))) }
            return .value(.none)

        case "listen":
            let backlog = args.isEmpty ? 128 : try int(args[0], "backlog")
            let r = Posix.listen(e.fd, backlog: Int32(clamping: max(0, backlog)))
            ctx.syscalls.append("listen(\(fd), \(max(0, backlog))) = \(Strace.result(r.map { 0 }))")
            if case .failure(let err) = r { return .error(err) }
            e.backlog = max(0, backlog)
            ctx.facts["backlog"] = String(max(0, backlog))
            if case .success(let a) = Posix.localAddress(e.fd) { ctx.facts["address"] = describe(a) }
            return .value(.none)

        case "connect", "connect_ex":
            let a = try address(args[0], family: e.family, call: name)
            let outcome = try connect(e, to: a, ctx: &ctx)
            if name == "connect_ex" {
                switch outcome {
                case .value: return .value(.int(0))
                case .error(let err): return .value(.int(Int(err.rawValue)))
                case .timedOut: return .value(.int(Int(Errno.EAGAIN.rawValue)))
                default: return outcome
                }
            }
            return outcome

        case "accept":
            return try accept(e, ctx: &ctx)

        case "send", "sendall", "sendto":
            let data = try bytes(args[0], name)
            var flags: Int32 = 0
            var dest: SocketAddress?
            if name == "sendto" {
                if args.count == 3 { flags = Int32(truncatingIfNeeded: try int(args[1], "flags")) }
                dest = try address(args[args.count - 1], family: e.family, call: "sendto")
                if let d = dest, case .ipv4(let h, _) = d, SocketAddress.isMulticastIPv4(h) {
                    // A group on loopback only: leave by 127.0.0.1, with TTL 0 so no router would ever forward it.
                    _ = Posix.setMulticastInterface(e.fd, interface: "127.0.0.1")
                    _ = Posix.setOption(e.fd, level: SocketConstants.named("IPPROTO_IP")!.value, name: SocketConstants.named("IP_MULTICAST_TTL")!.value, value: 0)
                    ctx.syscalls.append("setsockopt(\(fd), IPPROTO_IP, IP_MULTICAST_IF, inet_addr(\"127.0.0.1\"), 4) = 0")
                    ctx.syscalls.append("setsockopt(\(fd), IPPROTO_IP, IP_MULTICAST_TTL, [0], 4) = 0")
                    ctx.notes.append(.text("sockstep sends multicast by the loopback interface only, with a TTL of 0: every member of the group on this machine gets one copy, and no router would forward it"))
                }
            } else if args.count > 1 {
                flags = Int32(truncatingIfNeeded: try int(args[1], "flags"))
            }
            return try send(e, data, flags: flags, to: dest, all: name == "sendall", ctx: &ctx)

        case "recv", "recvfrom", "recvall":
            let n = try int(args[0], "bufsize")
            guard n >= 0 else { throw StepStop(outcome: .pythonError(name: "ValueError", message: "negative buffersize in \(name)")) }
            guard n <= Checker.maximumPayload else {
                throw StepStop(outcome: .refused(message: "\(name)(\(n)) asks for more than the \(Checker.maximumPayload / 1024 / 1024) MiB sockstep allows in one call",
                                                 help: "a socket hands out what has arrived whatever you ask: recv(4096) in a loop is the usual way"))
            }
            let flags = args.count > 1 ? Int32(truncatingIfNeeded: try int(args[1], "flags")) : 0
            if name == "recvall" { return try receiveAll(e, count: n, flags: flags, ctx: &ctx) }
            return try receive(e, max: n, flags: flags, from: name == "recvfrom", ctx: &ctx)

        case "shutdown":
            let how = Int32(truncatingIfNeeded: try int(args[0], "how"))
            let r = Posix.shutdown(e.fd, how: how)
            let howName = SocketConstants.name(of: how, kind: .how) ?? String(how)
            ctx.facts["how"] = howName
            ctx.syscalls.append("shutdown(\(fd), \(howName)) = \(Strace.result(r.map { 0 }))")
            if case .failure(let err) = r { return .error(err) }
            return .value(.none)

        case "dup":
            switch Posix.dup(e.fd) {
            case .success(let newFD):
                ctx.syscalls.append("fcntl(\(fd), F_DUPFD_CLOEXEC, 0) = \(newFD.rawValue)")
                let copy = register(fd: newFD, family: e.family, type: e.type, name: ctx.step.targets.first ?? provisionalName("dup"))
                copy.mode = e.mode          // Python's dup() keeps the timeout
                copy.backlog = e.backlog
                ctx.facts["socket"] = copy.name
                ctx.facts["fd"] = String(newFD.rawValue)
                ctx.notes.append(.text("`\(copy.name)` (descriptor \(newFD.rawValue)) and `\(e.name)` (descriptor \(fd)) are one socket: the connection ends only when both are closed"))
                return .value(.socket(copy.name))
            case .failure(let err):
                ctx.syscalls.append("fcntl(\(fd), F_DUPFD_CLOEXEC, 0) = \(Strace.error(err))")
                return .error(err)
            }

        case "getsockname", "getpeername":
            let r = name == "getsockname" ? Posix.localAddress(e.fd) : Posix.peerAddress(e.fd)
            switch r {
            case .success(let a):
                ctx.syscalls.append("\(name)(\(fd), \(a.straceText), [\(a.straceLength)]) = 0")
                return .value(.from(a, runDirectory: runDirectory))
            case .failure(let err):
                ctx.syscalls.append("\(name)(\(fd), ...) = \(Strace.error(err))")
                return .error(err)
            }

        case "setsockopt":
            return try setOption(e, level: Int32(truncatingIfNeeded: try int(args[0], "level")),
                                 option: Int32(truncatingIfNeeded: try int(args[1], "option")), value: args[2], ctx: &ctx)
        case "getsockopt":
            return try getOption(e, level: Int32(truncatingIfNeeded: try int(args[0], "level")),
                                 option: Int32(truncatingIfNeeded: try int(args[1], "option")), ctx: &ctx)
        default:
            throw StepStop(outcome: .pythonError(name: "AttributeError", message: "'socket' object has no attribute '\(name)'"))
        }
    }

    /// What close() will do to the peer, known before the descriptor goes: the explanation says it.
    /// Another open name of this run for the same socket (made by `dup()`), if any.
    func otherDescriptor(of e: SocketEntry) -> SocketEntry? {
        guard let inode = Posix.inode(e.fd) else { return nil }
        return entries.first { $0 !== e && !$0.closed && Posix.inode($0.fd) == inode }
    }

    func closeKind(_ e: SocketEntry) -> String {
        guard e.isStream else { return "datagram" }
        if e.isTCP {
            guard let info = Posix.tcpInfo(e.fd), let st = info.state else { return "plain" }
            if st == .listen { return "listener" }
            if case .success((true, 0)) = Posix.getLinger(e.fd), st == .established || st == .closeWait { return "linger-reset" }
            if let unread = Posix.bytesReadable(e.fd), unread > 0, st != .closed { return "reset" }
            switch st {
            case .established: return "fin"
            case .closeWait: return "fin-last"
            case .finWait1, .finWait2: return "after-shutdown"
            default: return "plain"
            }
        }
        if case .success(let l) = Posix.getOption(e.fd, level: SOL_SOCKET_, name: SocketConstants.named("SO_ACCEPTCONN")!.value), l != 0 { return "unix-listener" }
        if case .success = Posix.peerAddress(e.fd) { return "unix-eof" }
        return "plain"
    }

    func connect(_ e: SocketEntry, to a: SocketAddress, ctx: inout CallContext) throws -> Outcome {
        let fd = e.fd.rawValue
        ctx.facts["address"] = describe(a)
        ctx.target = a
        e.connectTarget = a
        let r = Posix.connect(e.fd, a)
        let head = "connect(\(fd), \(a.straceText), \(a.straceLength))"
        switch r {
        case .success:
            ctx.syscalls.append("\(head) = 0")
            return .value(.none)
        case .failure(let err) where err == .EAGAIN && e.mode == .blocking:
            // A Unix-domain listener whose backlog is full: a blocking connect waits in the kernel
            // until the server accepts (Python with a timeout gets this EAGAIN at once, as here).
            ctx.syscalls.append("\(head) = ? <blocks>")
            return .blocked(reason: "the server's backlog is full: the connect waits until the server accepts a connection")
        case .failure(let err) where err == .EINPROGRESS || (err == .EALREADY && e.mode == .blocking):
            // EALREADY: an earlier attempt (one that timed out) is still going; a blocking connect
            // waits for it in the kernel, as it waits for its own.
            switch e.mode {
            case .nonBlocking:
                ctx.syscalls.append("\(head) = \(Strace.error(err))")
                if err == .EINPROGRESS, Posix.tcpInfo(e.fd)?.state == .established {
                    ctx.notes.append(.text("on loopback the handshake has in fact already completed; a later call will see the connection ready"))
                }
                return .error(err)
            case .blocking, .timeout:
                var limit = options.inFlightDeadline
                if case .timeout(let t) = e.mode { limit = min(t, options.maximumTimeout) }
                if e.isTCP, let l = listener(at: a), let info = Posix.tcpInfo(l.fd), info.unacked > info.sacked,
                   Posix.tcpInfo(e.fd)?.state == .synSent {
                    // The listener's accept queue is full: Linux drops the SYN and retries only after a second.
                    if case .timeout(let t) = e.mode {
                        _ = waitInFlight(e, .writable, seconds: min(t, options.maximumTimeout), what: "the handshake", ctx: &ctx)
                        ctx.syscalls.append("\(head) = -1 EINPROGRESS (Operation now in progress)")
                        ctx.syscalls.append("poll([{fd=\(fd), events=POLLOUT}], 1, \(Int(t * 1000))) = 0 (Timeout)")
                        return .timedOut(seconds: t)
                    }
                    ctx.syscalls.append("\(head) = ? <blocks>")
                    return .blocked(reason: "the server's accept queue is full (\(info.unacked) connections waiting, backlog \(info.sacked)): the kernel drops the SYN, so the handshake cannot finish until the server accepts")
                }
                guard waitInFlight(e, .writable, seconds: limit, what: "the handshake", ctx: &ctx) else {
                    if case .timeout(let t) = e.mode {
                        ctx.syscalls.append("\(head) = -1 EINPROGRESS (Operation now in progress)")
                        ctx.syscalls.append("poll([{fd=\(fd), events=POLLOUT}], 1, \(Int(t * 1000))) = 0 (Timeout)")
                        return .timedOut(seconds: t)
                    }
                    ctx.syscalls.append("\(head) = ? <still connecting>")
                    return .blocked(reason: "the handshake did not complete")
                }
                return finishConnect(e, to: a, ctx: &ctx)
            }
        case .failure(let err):
            ctx.syscalls.append("\(head) = \(Strace.error(err))")
            return .error(err)
        }
    }

    /// Ends a connect whose handshake is over (the socket became writable) the way Python would
    /// have: what the runner does inside must leave the socket exactly as Python's calls leave it,
    /// or a later step (a second connect, a retry after a refusal) would get another answer.
    ///
    /// - A blocking socket: Python's connect waits in the kernel, which ends the attempt itself
    ///   (the error is returned and cleared, the socket is unconnected again and can retry). A
    ///   second connect on the runner's non-blocking descriptor does exactly that and returns the
    ///   same result, so the strace line is the one blocking Python shows.
    /// - A socket with a timeout: Python's own descriptor is non-blocking, so it polls and reads
    ///   SO_ERROR, and the kernel still counts the attempt as in progress (a retry after a refusal
    ///   gets ECONNABORTED, as in CPython). The runner makes the same calls.
    func finishConnect(_ e: SocketEntry, to a: SocketAddress, ctx: inout CallContext) -> Outcome {
        let fd = e.fd.rawValue
        let head = "connect(\(fd), \(a.straceText), \(a.straceLength))"
        if case .timeout(let t) = e.mode {
            ctx.syscalls.append("\(head) = -1 EINPROGRESS (Operation now in progress)")
            ctx.syscalls.append("poll([{fd=\(fd), events=POLLOUT}], 1, \(Int(t * 1000))) = 1 ([{fd=\(fd), revents=POLLOUT}])")
            switch Posix.getOption(e.fd, level: SOL_SOCKET_, name: SocketConstants.named("SO_ERROR")!.value) {
            case .success(let soErr):
                ctx.syscalls.append("getsockopt(\(fd), SOL_SOCKET, SO_ERROR, [\(soErr)], [4]) = 0")
                if soErr != 0 { return .error(Errno(rawValue: soErr)) }
                return .value(.none)
            case .failure(let err):
                ctx.syscalls.append("getsockopt(\(fd), SOL_SOCKET, SO_ERROR, ...) = \(Strace.error(err))")
                return .error(err)
            }
        }
        switch Posix.connect(e.fd, a) {
        case .success:
            ctx.syscalls.append("\(head) = 0")
            return .value(.none)
        case .failure(let err) where err == .EALREADY || err == .EINPROGRESS:
            ctx.syscalls.append("\(head) = ? <still connecting>")
            return .blocked(reason: "the handshake did not complete")
        case .failure(let err):
            ctx.syscalls.append("\(head) = \(Strace.error(err))")
            return .error(err)
        }
    }

    func accept(_ e: SocketEntry, ctx: inout CallContext) throws -> Outcome {
        let fd = e.fd.rawValue
        var waited = false
        while true {
            switch Posix.accept(e.fd) {
            case .done(let (newFD, peer)):
                let name = ctx.step.targets.first ?? provisionalName("conn")
                let conn = register(fd: newFD, family: e.family, type: e.type, name: name)
                conn.parent = e.name
                ctx.facts["new"] = conn.name
                ctx.facts["newfd"] = String(newFD.rawValue)
                if let peer { ctx.facts["address"] = describe(peer) }
                let peerText = peer.map { $0.straceText } ?? "NULL"
                ctx.syscalls.append("accept4(\(fd), \(peerText), [\(peer?.straceLength ?? 0)], SOCK_CLOEXEC) = \(newFD.rawValue)")
                ctx.notes.append(.acceptedFrom(e.name))
                let addr: Value = peer.map { .from($0, runDirectory: runDirectory) } ?? .string("")
                return .value(.tuple([.socket(conn.name), addr]))
            case .wouldBlock:
                switch e.mode {
                case .nonBlocking:
                    ctx.syscalls.append("accept4(\(fd), ...) = -1 EAGAIN (Resource temporarily unavailable)")
                    return .error(.EAGAIN)
                case .timeout(let t):
                    if !waited, waitInFlight(e, .readable, seconds: min(t, options.maximumTimeout), what: "a connection", ctx: &ctx) { waited = true; continue }
                    ctx.syscalls.append("accept4(\(fd), ...) = ? <timed out after \(Value.formatFloat(t))s>")
                    return .timedOut(seconds: t)
                case .blocking:
                    if !waited, handshakeInFlight(to: e) {
                        waited = true
                        if waitInFlight(e, .readable, seconds: options.inFlightDeadline, what: "a handshake", ctx: &ctx) { continue }
                    }
                    if !waited, peerWait > 0 {
                        waited = true
                        if waitInFlight(e, .readable, seconds: peerWait, what: "a connection from the program", ctx: &ctx) { continue }
                    }
                    ctx.syscalls.append("accept4(\(fd), ...) = ? <blocks>")
                    let listening = Posix.tcpInfo(e.fd)?.state == .listen || e.backlog != nil
                    return .blocked(reason: listening ? "no client has connected yet: the accept queue is empty" : "the socket is not listening")
                }
            case .failed(let err):
                ctx.syscalls.append("accept4(\(fd), ...) = \(Strace.error(err))")
                return .error(err)
            }
        }
    }

    func send(_ e: SocketEntry, _ data: [UInt8], flags: Int32, to dest: SocketAddress?, all: Bool, ctx: inout CallContext) throws -> Outcome {
        let fd = e.fd.rawValue
        var sent = 0
        var waited = false
        ctx.facts["total"] = String(data.count)
        if let dest { ctx.facts["address"] = describe(dest); ctx.target = dest }
        func callText(_ n: Int, _ result: String) -> String {
            let chunk = Array(data[min(sent, data.count)..<min(data.count, sent + n)])
            let destText = dest.map { "\($0.straceText), \($0.straceLength)" } ?? "NULL, 0"
            return "sendto(\(fd), \(Strace.string(chunk)), \(n), \(Strace.flags(flags)), \(destText)) = \(result)"
        }
        defer {
            if e.isTCP, let q = Posix.bytesUnacknowledged(e.fd) { ctx.facts["inflight"] = String(q) }
        }
        repeat {
            let chunk = sent == 0 ? data : Array(data[sent...])
            switch Posix.send(e.fd, chunk, flags: flags | MSG_DONTWAIT_, to: dest) {
            case .done(let n):
                ctx.syscalls.append(callText(chunk.count, String(n)))
                sent += n
                // A blocking stream send waits in the kernel until every byte is in the buffers, as
                // sendall does; a short count is what a non-blocking socket or a timeout gets.
                if !all && !(e.mode == .blocking && e.isStream && sent < data.count) {
                    if sent < data.count { ctx.notes.append(.partialSend(sent: sent, total: data.count)) }
                    return .value(.int(sent))
                }
            case .wouldBlock:
                if sent > 0 || !all { ctx.notes.append(.partialSend(sent: sent, total: data.count)) }
                switch e.mode {
                case .nonBlocking:
                    ctx.syscalls.append(callText(data.count - sent, "-1 EAGAIN (Resource temporarily unavailable)"))
                    return .error(.EAGAIN)
                case .timeout(let t):
                    if !waited, waitInFlight(e, .writable, seconds: min(t, options.maximumTimeout), what: "room in the send buffer", ctx: &ctx) { waited = true; continue }
                    ctx.syscalls.append(callText(data.count - sent, "? <timed out>"))
                    return .timedOut(seconds: t)
                case .blocking:
                    if !waited, peerWait > 0 {
                        waited = true
                        if waitInFlight(e, .writable, seconds: peerWait, what: "room in the send buffer", ctx: &ctx) { continue }
                    }
                    if let t = e.sendTimeout, t > 0 {
                        // SO_SNDTIMEO: the kernel waits that long for room, then returns what it took
                        // (send) or EAGAIN when it took nothing in this call (Python: BlockingIOError).
                        if !waited, waitInFlight(e, .writable, seconds: min(t, options.maximumTimeout), what: "room in the send buffer", ctx: &ctx) { waited = true; continue }
                        ctx.notes.append(.waitedTimeout(seconds: t))
                        if !all && sent > 0 {
                            ctx.syscalls.append(callText(data.count - sent, "? <SO_SNDTIMEO expired>"))
                            return .value(.int(sent))
                        }
                        ctx.syscalls.append(callText(data.count - sent, "-1 EAGAIN (Resource temporarily unavailable)"))
                        return .error(.EAGAIN)
                    }
                    ctx.syscalls.append(callText(data.count - sent, "? <blocks>"))
                    return .blocked(reason: "the send buffer and the peer's receive buffer are full: \(sent) of \(data.count) bytes went out, and the rest can only go when the peer reads")
                }
            case .failed(let err):
                ctx.syscalls.append(callText(data.count - sent, Strace.error(err)))
                if sent > 0 { ctx.notes.append(.partialSend(sent: sent, total: data.count)) }
                return .error(err)
            }
        } while sent < data.count
        return .value(.none)
    }

    func receive(_ e: SocketEntry, max n: Int, flags: Int32, from: Bool, ctx: inout CallContext) throws -> Outcome {
        let fd = e.fd.rawValue
        if flags & MSG_WAITALL_ != 0, e.isStream, e.mode == .blocking, (e.receiveTimeout ?? 0) == 0, n > 0 {
            return receiveWaitAll(e, max: n, flags: flags, from: from, ctx: &ctx)
        }
        var waited = false
        while true {
            switch Posix.receive(e.fd, max: n, flags: flags | MSG_DONTWAIT_, datagram: !e.isStream) {
            case .done(let r):
                let shown = Strace.string(r.bytes)
                let fromText = from ? (r.from.map { "\($0.straceText), [\($0.straceLength)]" } ?? "NULL, NULL") : "NULL, NULL"
                ctx.syscalls.append("recvfrom(\(fd), \(shown), \(n), \(Strace.flags(flags)), \(fromText)) = \(r.bytes.count)")
                if r.truncated { ctx.notes.append(.truncated(kept: r.bytes.count, full: r.fullLength)) }
                else if e.isStream, !r.bytes.isEmpty, let left = Posix.bytesReadable(e.fd), left > 0 || (r.bytes.count < n && bytesInFlight(to: e)) {
                    // Only worth saying when the message really is split: more is queued or on its way.
                    ctx.notes.append(.shortRead(got: r.bytes.count, asked: n, stillQueued: left))
                }
                if r.bytes.isEmpty && n > 0 && e.isStream { ctx.notes.append(.peerClosed) }
                let data = Value.bytes(r.bytes)
                if from {
                    let addr: Value = r.from.map { .from($0, runDirectory: runDirectory) } ?? .none
                    return .value(.tuple([data, addr]))
                }
                return .value(data)
            case .wouldBlock:
                let timeout: Double? = {
                    if case .timeout(let t) = e.mode { return t }
                    if e.mode == .blocking, let t = e.receiveTimeout, t > 0 { return t }
                    return nil
                }()
                if e.mode == .nonBlocking {
                    ctx.syscalls.append("recvfrom(\(fd), ..., \(n), \(Strace.flags(flags)), NULL, NULL) = -1 EAGAIN (Resource temporarily unavailable)")
                    return .error(.EAGAIN)
                }
                if let t = timeout {
                    if !waited, waitInFlight(e, [.readable, .urgent], seconds: min(t, options.maximumTimeout), what: "data", ctx: &ctx) { waited = true; continue }
                    if e.mode == .blocking {
                        // SO_RCVTIMEO: the kernel gives up with EAGAIN; Python raises BlockingIOError.
                        ctx.syscalls.append("recvfrom(\(fd), ..., \(n), \(Strace.flags(flags)), NULL, NULL) = -1 EAGAIN (Resource temporarily unavailable)")
                        ctx.notes.append(.waitedTimeout(seconds: t))
                        return .error(.EAGAIN)
                    }
                    ctx.syscalls.append("recvfrom(\(fd), ..., \(n), \(Strace.flags(flags)), NULL, NULL) = ? <timed out after \(Value.formatFloat(t))s>")
                    return .timedOut(seconds: t)
                }
                if !waited, bytesInFlight(to: e) {
                    waited = true
                    if waitInFlight(e, .readable, seconds: options.inFlightDeadline, what: "bytes in flight", ctx: &ctx) { continue }
                }
                if !waited, peerWait > 0 {
                    waited = true
                    if waitInFlight(e, .readable, seconds: peerWait, what: "the program's answer", ctx: &ctx) { continue }
                }
                ctx.syscalls.append("recvfrom(\(fd), ..., \(n), \(Strace.flags(flags)), NULL, NULL) = ? <blocks>")
                let connected: Bool = { if case .success = Posix.peerAddress(e.fd) { return true }; return false }()
                let reason: String
                if flags & SocketConstants.named("MSG_OOB")!.value != 0 { reason = "no urgent data has arrived" }
                else if e.isStream && !connected { reason = "the socket is not connected" }
                else if e.isStream { reason = "nothing has arrived, and the peer has not closed its side" }
                else { reason = "no datagram has arrived" }
                return .blocked(reason: reason)
            case .failed(let err):
                ctx.syscalls.append("recvfrom(\(fd), ..., \(n), \(Strace.flags(flags)), NULL, NULL) = \(Strace.error(err))")
                return .error(err)
            }
        }
    }

    /// `recv(n, MSG_WAITALL)` on a blocking stream socket: the kernel returns only when n bytes have
    /// come, the peer closed, or an error ended it, so a short answer from the runner's non-blocking
    /// descriptor would be a result Python never gets. (With a timeout Python's own descriptor is
    /// non-blocking, and it does get what has arrived: the ordinary path.)
    func receiveWaitAll(_ e: SocketEntry, max n: Int, flags: Int32, from: Bool, ctx: inout CallContext) -> Outcome {
        let fd = e.fd.rawValue
        var got: [UInt8] = []
        let start = MonotonicInstant.now()
        let deadline = start.adding(seconds: max(options.inFlightDeadline, peerWait))
        let peerDeadline = start.adding(seconds: peerWait)
        func done(_ result: String) {
            let ms = Int(MonotonicInstant.now().seconds(since: start) * 1000)
            if ms > 0 { ctx.notes.append(.waitedInFlight(milliseconds: ms, what: "bytes in flight")) }
            ctx.syscalls.append("recvfrom(\(fd), \(got.isEmpty ? "..." : Strace.string(got)), \(n), \(Strace.flags(flags)), NULL, NULL) = \(result)")
        }
        func value() -> Outcome {
            done(String(got.count))
            if got.isEmpty { ctx.notes.append(.peerClosed) }
            return .value(from ? .tuple([.bytes(got), .none]) : .bytes(got))
        }
        while got.count < n {
            switch Posix.receive(e.fd, max: n - got.count, flags: (flags & ~MSG_WAITALL_) | MSG_DONTWAIT_, datagram: false) {
            case .done(let r):
                if r.bytes.isEmpty { return value() }
                got += r.bytes
            case .wouldBlock:
                let now = MonotonicInstant.now()
                if (bytesInFlight(to: e) && now < deadline) || now < peerDeadline,
                   Posix.wait(e.fd, for: [.readable, .peerClosed], deadline: bytesInFlight(to: e) ? deadline : peerDeadline) { continue }
                done("? <blocks>")
                return .blocked(reason: "MSG_WAITALL waits for all \(n) bytes: \(got.count) have arrived, nothing more is on its way, and the peer has not closed")
            case .failed(let err):
                // The kernel reports an error only when it has nothing to hand out.
                if !got.isEmpty { return value() }
                done(Strace.error(err))
                return .error(err)
            }
        }
        return value()
    }

    /// `recvall(n)`: the loop every tutorial writes around recv, until n bytes have arrived or the
    /// peer closed. Each turn is one real recv; the loop waits (poll, deadline) only while the peer's
    /// bytes are still in flight, and reports `blocks` when nothing more can come.
    func receiveAll(_ e: SocketEntry, count n: Int, flags: Int32, ctx: inout CallContext) throws -> Outcome {
        let fd = e.fd.rawValue
        var got: [UInt8] = []
        got.reserveCapacity(n)
        var calls = 0
        var sizes: [Int] = []
        func record(_ result: String) {
            // One line per call would bury the table for a megabyte: the first few, then a count.
            if calls <= 3 { ctx.syscalls.append("recvfrom(\(fd), ..., \(n - got.count), \(Strace.flags(flags)), NULL, NULL) = \(result)") }
        }
        func finish() {
            if calls > 3 { ctx.syscalls.append("... \(calls - 3) more recvfrom calls, \(calls) in all") }
            ctx.facts["calls"] = String(calls)
            ctx.facts["total"] = String(n)
            ctx.notes.append(.text("the loop ran \(calls) time\(calls == 1 ? "" : "s") around recv and got \(got.count) of \(n) bytes\(sizes.count > 1 ? " (\(sizes.prefix(6).map(String.init).joined(separator: ", "))\(sizes.count > 6 ? ", …" : "") per call)" : ""): TCP hands out what has arrived, not messages"))
        }
        let start = MonotonicInstant.now()
        let deadline = start.adding(seconds: options.inFlightDeadline)
        while got.count < n {
            calls += 1
            switch Posix.receive(e.fd, max: n - got.count, flags: flags | MSG_DONTWAIT_, datagram: !e.isStream) {
            case .done(let r):
                record(String(r.bytes.count))
                if r.bytes.isEmpty {
                    finish()
                    ctx.notes.append(.text("the peer closed after \(got.count) bytes: the loop ends early with what arrived"))
                    return .value(.bytes(got))
                }
                got += r.bytes
                sizes.append(r.bytes.count)
            case .wouldBlock:
                calls -= 1
                if e.mode == .nonBlocking {
                    calls += 1
                    record("-1 EAGAIN (Resource temporarily unavailable)")
                    finish()
                    return .error(.EAGAIN)
                }
                // Wait only while the peer's bytes are on their way, never for what might never come.
                if bytesInFlight(to: e), MonotonicInstant.now() < deadline,
                   Posix.wait(e.fd, for: .readable, deadline: deadline) {
                    continue
                }
                let ms = Int(MonotonicInstant.now().seconds(since: start) * 1000)
                if ms > 0 { ctx.notes.append(.waitedInFlight(milliseconds: ms, what: "bytes in flight")) }
                ctx.syscalls.append("recvfrom(\(fd), ..., \(n - got.count), \(Strace.flags(flags)), NULL, NULL) = ? <blocks>")
                finish()
                return .blocked(reason: "only \(got.count) of \(n) bytes have arrived, nothing more is on its way, and the peer has not closed")
            case .failed(let err):
                record(Strace.error(err))
                finish()
                return .error(err)
            }
        }
        let ms = Int(MonotonicInstant.now().seconds(since: start) * 1000)
        if ms > 0 { ctx.notes.append(.waitedInFlight(milliseconds: ms, what: "bytes in flight")) }
        finish()
        return .value(.bytes(got))
    }

    /// Why `select` found a socket ready or not, from what the kernel holds for it right now.
    func readinessReason(_ e: SocketEntry, _ rev: Posix.PollEvents, watching: Posix.PollEvents) -> String {
        let ready = !rev.intersection(watching.union([.error, .hangup])).isEmpty
        let n = "`\(e.name)`"
        let listening = e.isTCP ? Posix.tcpInfo(e.fd)?.state == .listen : kernelState(e) == "LISTENING"
        // Never read SO_ERROR here: reading it clears it, and the lesson's next step wants it.
        let pendingError = rev.contains(.error)
        if watching == .readable {
            if listening {
                let p = Posix.tcpInfo(e.fd).map { Int($0.unacked) } ?? 0
                return ready ? "\(n) is readable: \(e.isTCP ? "\(p) connection\(p == 1 ? " waits" : "s wait")" : "a connection waits") in its accept queue, so accept will not wait"
                             : "\(n) is not readable: no connection waits to be accepted"
            }
            if !ready { return "\(n) is not readable: nothing has arrived and the peer has not closed, so recv would wait" }
            let queued = Posix.bytesReadable(e.fd) ?? 0
            if pendingError { return "\(n) is readable: an error is pending, and the next call reports it (getsockopt SO_ERROR reads it)" }
            if queued > 0 { return "\(n) is readable: \(queued) byte\(queued == 1 ? "" : "s") wait\(queued == 1 ? "s" : "") in its receive buffer" }
            if rev.contains(.urgent) { return "\(n) is readable: urgent data (MSG_OOB) has arrived" }
            return e.isStream ? "\(n) is readable: the peer closed its side, so recv returns b'' (end of stream) at once" : "\(n) is readable: an empty datagram waits"
        }
        if watching == .writable {
            if !ready {
                if e.isTCP, Posix.tcpInfo(e.fd)?.state == .synSent { return "\(n) is not writable: its handshake has not finished (SYN_SENT)" }
                return "\(n) is not writable: its send buffer is full until the peer reads"
            }
            if pendingError { return "\(n) is writable because its attempt is over, with an error: getsockopt SO_ERROR tells which" }
            return "\(n) is writable: there is room in its send buffer\(e.isTCP ? " (a finished non-blocking connect shows up this way too)" : "")"
        }
        return ready ? "\(n) has an exceptional condition: urgent data (MSG_OOB) is waiting" : "\(n) has no exceptional condition: no urgent data is waiting"
    }

    // MARK: options

    func setOption(_ e: SocketEntry, level: Int32, option: Int32, value: Value, ctx: inout CallContext) throws -> Outcome {
        let fd = e.fd.rawValue
        let levelName = SocketConstants.name(of: level, kind: .level) ?? SocketConstants.name(of: level, kind: .proto) ?? String(level)
        let optName = SocketConstants.name(of: option, kind: .option, level: level) ?? String(option)
        let r: Result<Void, Errno>
        var shown = ""
        switch (optName, value) {
        case ("SO_LINGER", .tuple(let items)) where items.count == 2:
            let on = try int(items[0], "l_onoff"), secs = try int(items[1], "l_linger")
            r = Posix.setLinger(e.fd, on: on != 0, seconds: Int32(clamping: secs))
            shown = "{l_onoff=\(on), l_linger=\(secs)}, 8"
        case ("SO_RCVTIMEO", _), ("SO_SNDTIMEO", _):
            let t: Double
            if case .tuple(let items) = value, items.count == 2 { t = Double(try int(items[0], "seconds")) + Double(try int(items[1], "microseconds")) / 1e6 }
            else { t = try seconds(value) ?? 0 }
            r = Posix.setTimeoutOption(e.fd, name: option, seconds: t)
            if case .success = r { if optName == "SO_RCVTIMEO" { e.receiveTimeout = t } else { e.sendTimeout = t } }
            shown = "{tv_sec=\(Int(t)), tv_usec=\(Int((t - Double(Int(t))) * 1e6))}, 16"
        case ("IP_ADD_MEMBERSHIP", .tuple(let items)) where items.count == 2, ("IP_DROP_MEMBERSHIP", .tuple(let items)) where items.count == 2:
            guard case .string(let group) = items[0], case .string(let iface) = items[1] else {
                throw StepStop(outcome: .pythonError(name: "TypeError", message: "\(optName) takes (group, interface) strings"))
            }
            guard AddressPolicy.isAllowedMulticast(group), SocketAddress.isLoopbackIPv4(iface) else {
                throw StepStop(outcome: .refused(message: "sockstep joins groups in 239.0.0.0/8 on the loopback interface only",
                                                 help: "write `setsockopt(IPPROTO_IP, \(optName), (\"239.1.2.3\", \"127.0.0.1\"))`"))
            }
            r = Posix.joinGroup(e.fd, group: group, interface: iface, leave: optName == "IP_DROP_MEMBERSHIP")
            shown = "{imr_multiaddr=inet_addr(\"\(group)\"), imr_interface=inet_addr(\"\(iface)\")}, 8"
        case ("IP_MULTICAST_IF", .string(let iface)):
            guard SocketAddress.isLoopbackIPv4(iface) else {
                throw StepStop(outcome: .refused(message: "multicast may only leave by the loopback interface", help: "use \"127.0.0.1\""))
            }
            r = Posix.setMulticastInterface(e.fd, interface: iface)
            shown = "inet_addr(\"\(iface)\"), 4"
        case (_, .int), (_, .bool):
            let v = try int(value, "the option value")
            r = Posix.setOption(e.fd, level: level, name: option, value: Int32(truncatingIfNeeded: v))
            shown = "[\(v)], 4"
        default:
            throw StepStop(outcome: .pythonError(name: "TypeError", message: "\(optName) takes an integer value here"))
        }
        ctx.syscalls.append("setsockopt(\(fd), \(levelName), \(optName), \(shown)) = \(Strace.result(r.map { 0 }))")
        ctx.facts["option"] = optName
        ctx.facts["value"] = value.description
        ctx.optionValue = value
        if case .failure(let err) = r { return .error(err) }
        if optName == "SO_RCVBUF" || optName == "SO_SNDBUF", case .int(let asked) = value,
           case .success(let real) = Posix.getOption(e.fd, level: level, name: option) {
            // Linux doubles the value (room for its own bookkeeping) and clamps it to the sysctl limits.
            let why = Int(real) == asked * 2 ? "doubled it" : "adjusted it to its limits (doubled, then kept between the minimum and net.core.\(optName == "SO_RCVBUF" ? "r" : "w")mem_max)"
            ctx.notes.append(.text("you asked for \(asked) bytes, but the kernel \(why): getsockopt now reads \(real). Half of it is room for the kernel's own bookkeeping (see socket(7))"))
            ctx.facts["real"] = String(real)
        }
        return .value(.none)
    }

    func getOption(_ e: SocketEntry, level: Int32, option: Int32, ctx: inout CallContext) throws -> Outcome {
        let fd = e.fd.rawValue
        let levelName = SocketConstants.name(of: level, kind: .level) ?? SocketConstants.name(of: level, kind: .proto) ?? String(level)
        let optName = SocketConstants.name(of: option, kind: .option, level: level) ?? String(option)
        ctx.facts["option"] = optName
        switch optName {
        case "SO_LINGER":
            switch Posix.getLinger(e.fd) {
            case .success(let (on, secs)):
                ctx.syscalls.append("getsockopt(\(fd), SOL_SOCKET, SO_LINGER, {l_onoff=\(on ? 1 : 0), l_linger=\(secs)}, [8]) = 0")
                return .value(.tuple([.int(on ? 1 : 0), .int(Int(secs))]))
            case .failure(let err): return .error(err)
            }
        case "SO_RCVTIMEO", "SO_SNDTIMEO":
            switch Posix.getTimeoutOption(e.fd, name: option) {
            case .success(let t):
                ctx.syscalls.append("getsockopt(\(fd), SOL_SOCKET, \(optName), {tv_sec=\(Int(t)), tv_usec=\(Int((t - Double(Int(t))) * 1e6))}, [16]) = 0")
                return .value(.float(t))
            case .failure(let err): return .error(err)
            }
        default:
            let r = Posix.getOption(e.fd, level: level, name: option)
            switch r {
            case .success(let v):
                ctx.syscalls.append("getsockopt(\(fd), \(levelName), \(optName), [\(v)], [4]) = 0")
                if optName == "SO_ERROR", v != 0 { ctx.notes.append(.text("SO_ERROR \(v) is \(Errno(rawValue: v).name): \(Errno(rawValue: v).message); reading it clears it")) }
                if optName == "SO_TYPE", let t = SocketConstants.name(of: v, kind: .type) { ctx.notes.append(.text("\(v) is \(t)")) }
                return .value(.int(Int(v)))
            case .failure(let err):
                ctx.syscalls.append("getsockopt(\(fd), \(levelName), \(optName), ...) = \(Strace.error(err))")
                return .error(err)
            }
        }
    }

    // MARK: attributes (the kernel's view, no call)

    func attribute(_ name: String, of e: SocketEntry) throws -> Value {
        switch name {
        case "closed": return .bool(e.closed)
        case "family": return .int(Int(e.family))
        case "type": return .int(Int(e.type))
        case "state":
            if let st = kernelState(e) { return .string(st) }
            if e.isStream || e.closed { return .string("CLOSED") }
            // A datagram socket without a peer: the table's BOUND or UNBOUND.
            return .string(unconnectedDatagramState(e) ?? "UNBOUND")
        default: break
        }
        if e.closed { throw StepStop(outcome: .error(.EBADF)) }
        switch name {
        case "address":
            switch Posix.localAddress(e.fd) {
            case .success(let a): return .from(a, runDirectory: runDirectory)
            case .failure(let err): throw StepStop(outcome: .error(err))
            }
        case "peer":
            switch Posix.peerAddress(e.fd) {
            case .success(let a): return .from(a, runDirectory: runDirectory)
            case .failure(let err): throw StepStop(outcome: .error(err))
            }
        case "readable": return .int(Posix.bytesReadable(e.fd) ?? 0)
        case "unacked": return .int(Posix.bytesUnacknowledged(e.fd) ?? 0)
        case "pending":
            if let info = Posix.tcpInfo(e.fd), info.state == .listen { return .int(Int(info.unacked)) }
            return .int(0)
        case "backlog":
            if let info = Posix.tcpInfo(e.fd), info.state == .listen { return .int(Int(info.sacked)) }
            return .int(e.backlog ?? 0)
        default:
            throw StepStop(outcome: .pythonError(name: "AttributeError", message: "'socket' object has no attribute '\(name)'"))
        }
    }

    // MARK: functions

    func function(_ name: String, args: [Value], ctx: inout CallContext) throws -> Outcome {
        switch name {
        case "socket", "socketpair":
            let family = args.count > 0 ? Int32(truncatingIfNeeded: try int(args[0], "family")) : (name == "socket" ? AF_INET_ : AF_UNIX_)
            let type = args.count > 1 ? Int32(truncatingIfNeeded: try int(args[1], "type")) : SOCK_STREAM_
            let proto = args.count > 2 ? Int32(truncatingIfNeeded: try int(args[2], "proto")) : 0
            // Raw and packet sockets could reach the network (and need root): not part of sockstep.
            guard [AF_INET_, AF_INET6_, AF_UNIX_, AF_UNSPEC_].contains(family) || family > 1000 || family < 0 else {
                throw StepStop(outcome: .refused(message: "sockstep creates AF_INET, AF_INET6 and AF_UNIX sockets only", help: "use AF_INET for IPv4"))
            }
            guard [SOCK_STREAM_, SOCK_DGRAM_, SOCK_SEQPACKET_].contains(type) else {
                throw StepStop(outcome: .refused(message: "sockstep creates SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET sockets only", help: "raw sockets could reach the network"))
            }
            let protoText = SocketConstants.name(of: proto, kind: .proto) ?? String(proto)
            if name == "socket" {
                switch Posix.socket(family: family, type: type, proto: proto) {
                case .success(let fd):
                    ctx.syscalls.append("socket(\(Strace.family(family)), \(Strace.type(type))|SOCK_CLOEXEC, \(protoText)) = \(fd.rawValue)")
                    let e = register(fd: fd, family: family, type: type, name: ctx.step.targets.first ?? provisionalName("socket"))
                    ctx.facts["socket"] = e.name
                    ctx.facts["fd"] = String(fd.rawValue)
                    ctx.facts["kind"] = kindDescription(e)
                    return .value(.socket(e.name))
                case .failure(let err):
                    ctx.syscalls.append("socket(\(Strace.family(family)), \(Strace.type(type))|SOCK_CLOEXEC, \(protoText)) = \(Strace.error(err))")
                    return .error(err)
                }
            }
            switch Posix.socketpair(family: family, type: type, proto: proto) {
            case .success(let (a, b)):
                ctx.syscalls.append("socketpair(\(Strace.family(family)), \(Strace.type(type))|SOCK_CLOEXEC, \(protoText), [\(a.rawValue), \(b.rawValue)]) = 0")
                let names = ctx.step.targets.count == 2 ? ctx.step.targets : [provisionalName("pair"), provisionalName("pair")]
                let ea = register(fd: a, family: family, type: type, name: names[0])
                let eb = register(fd: b, family: family, type: type, name: names[1])
                return .value(.tuple([.socket(ea.name), .socket(eb.name)]))
            case .failure(let err):
                ctx.syscalls.append("socketpair(\(Strace.family(family)), \(Strace.type(type)), \(protoText), ...) = \(Strace.error(err))")
                return .error(err)
            }

        case "create_connection", "create_server":
            guard case .tuple(let items) = args[0], items.count >= 2, case .string(let host) = items[0] else {
                throw StepStop(outcome: .pythonError(name: "TypeError", message: "\(name) takes a (host, port) tuple"))
            }
            let family = (SocketAddress.isValidIPv6(host) && !SocketAddress.isValidIPv4(host)) ? AF_INET6_ : AF_INET_
            let a = try address(args[0], family: family, call: name)
            guard case .success(let fd) = Posix.socket(family: family, type: SOCK_STREAM_, proto: 0) else { return .error(.EMFILE) }
            ctx.syscalls.append("socket(\(Strace.family(family)), SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = \(fd.rawValue)")
            let e = register(fd: fd, family: family, type: SOCK_STREAM_, name: ctx.step.targets.first ?? provisionalName(name == "create_server" ? "server" : "client"))
            ctx.facts["socket"] = e.name
            ctx.facts["kind"] = kindDescription(e)
            if name == "create_server" {
                _ = Posix.setOption(fd, level: SOL_SOCKET_, name: SocketConstants.named("SO_REUSEADDR")!.value, value: 1)
                ctx.syscalls.append("setsockopt(\(fd.rawValue), SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0")
                let r = Posix.bind(fd, a)
                ctx.syscalls.append("bind(\(fd.rawValue), \(a.straceText), \(a.straceLength)) = \(Strace.result(r.map { 0 }))")
                if case .failure(let err) = r { _ = Posix.close(fd); e.closed = true; return .error(err) }
                if a.port == 0, case .success(let got) = Posix.localAddress(fd), let p = got.port { ctx.notes.append(.portChosen(Int(p))) }
                _ = Posix.listen(fd, backlog: 128)
                e.backlog = 128
                ctx.syscalls.append("listen(\(fd.rawValue), 128) = 0")
                return .value(.socket(e.name))
            }
            if args.count > 1, let t = try seconds(args[1]) { e.mode = t == 0 ? .nonBlocking : .timeout(t) }
            let outcome = try connect(e, to: a, ctx: &ctx)
            if case .value = outcome { return .value(.socket(e.name)) }
            _ = Posix.close(fd)
            e.closed = true
            return outcome

        case "gethostname":
            switch Posix.hostname() {
            case .success(let h):
                ctx.syscalls.append("uname({sysname=\"Linux\", nodename=\"\(h)\", ...}) = 0")
                return .value(.string(h))
            case .failure(let err): return .error(err)
            }

        case "getaddrinfo":
            guard case .string(let host) = args[0] else {
                throw StepStop(outcome: .pythonError(name: "TypeError", message: "getaddrinfo() host must be a string"))
            }
            let own: String? = { if case .success(let h) = Posix.hostname() { return h }; return nil }()
            guard host == "localhost" || host == own || SocketAddress.isLoopbackIPv4(host) || SocketAddress.isLoopbackIPv6(host) else {
                throw StepStop(outcome: .refused(message: "sockstep looks up only `localhost` and this machine's own name, not `\(host)`",
                                                 help: "other names would need DNS and could leave this machine"))
            }
            let port: Int
            switch args[1] {
            case .int(let p): port = p
            case .none: port = 0
            case .string(let s):
                guard let p = Int(s) ?? Posix.servicePort(name: s, proto: nil) else {
                    throw StepStop(outcome: .pythonError(name: "socket.gaierror", message: "[Errno -8] Servname not supported for ai_socktype"))
                }
                port = p
            default: throw StepStop(outcome: .pythonError(name: "TypeError", message: "the port must be an int or a string"))
            }
            let family = args.count > 2 ? Int32(truncatingIfNeeded: try int(args[2], "family")) : AF_UNSPEC_
            let type = args.count > 3 ? Int32(truncatingIfNeeded: try int(args[3], "type")) : 0
            switch Posix.addressInfo(host: host, port: port, family: family, type: type) {
            case .success(let infos):
                if !SocketAddress.isValidIPv4(host) && !SocketAddress.isValidIPv6(host) {
                    ctx.notes.append(.text("read from /etc/hosts: no DNS query left this machine"))
                }
                let list = infos.map { i -> Value in
                    .tuple([.string(Strace.family(i.family)), .string(Strace.type(i.type)), .int(Int(i.proto)), .string(""), .from(i.address, runDirectory: nil)])
                }
                return .value(.list(list))
            case .failure(let g):
                return .pythonError(name: "socket.gaierror", message: "[Errno \(g.code)] \(g.message)")
            }

        case "getservbyname":
            guard case .string(let service) = args[0] else {
                throw StepStop(outcome: .pythonError(name: "TypeError", message: "getservbyname() takes a service name string"))
            }
            var proto: String?
            if args.count > 1, case .string(let p) = args[1] { proto = p }
            guard let port = Posix.servicePort(name: service, proto: proto) else {
                return .pythonError(name: "OSError", message: "service/proto not found")
            }
            return .value(.int(port))

        case "select":
            var lists: [[SocketEntry]] = []
            for a in args.prefix(3) {
                guard case .list(let items) = a else { throw StepStop(outcome: .pythonError(name: "TypeError", message: "select takes lists of sockets")) }
                lists.append(try items.map { try entry($0, "each item") })
            }
            for l in lists { for e in l where e.closed { throw StepStop(outcome: .error(.EBADF)) } }
            let timeout = args.count > 3 ? try seconds(args[3]) : nil
            var items: [(SocketFD, Posix.PollEvents)] = []
            for e in lists[0] { items.append((e.fd, .readable)) }
            for e in lists[1] { items.append((e.fd, .writable)) }
            for e in lists[2] { items.append((e.fd, .urgent)) }
            func look(_ ms: Int32) -> [Posix.PollEvents] { if case .success(let r) = Posix.poll(items, timeoutMs: ms) { return r }; return [] }
            var rev = look(0)
            let ready = { (rev: [Posix.PollEvents]) -> Bool in rev.contains { !$0.isEmpty } }
            if !ready(rev) {
                if let t = timeout, t > 0 {
                    rev = look(Int32(min(t, options.maximumTimeout) * 1000))
                } else if timeout == nil {
                    ctx.syscalls.append("select(..., NULL) = ? <blocks>")
                    return .blocked(reason: "none of the sockets is ready and no timeout was given")
                }
            }
            func pick(_ l: [SocketEntry], offset: Int, _ ev: Posix.PollEvents) -> [Value] {
                l.enumerated().compactMap { i, e in
                    let r = offset + i < rev.count ? rev[offset + i] : []
                    return r.intersection(ev.union([.error, .hangup])).isEmpty ? nil : .socket(e.name)
                }
            }
            let r = pick(lists[0], offset: 0, .readable)
            let w = pick(lists[1], offset: lists[0].count, .writable)
            let x = pick(lists[2], offset: lists[0].count + lists[1].count, .urgent)
            for (i, e) in lists[0].enumerated() { ctx.notes.append(.text(readinessReason(e, rev[safe: i] ?? [], watching: .readable))) }
            for (i, e) in lists[1].enumerated() { ctx.notes.append(.text(readinessReason(e, rev[safe: lists[0].count + i] ?? [], watching: .writable))) }
            for (i, e) in lists[2].enumerated() { ctx.notes.append(.text(readinessReason(e, rev[safe: lists[0].count + lists[1].count + i] ?? [], watching: .urgent))) }
            ctx.syscalls.append("poll([\(items.map { "{fd=\($0.0.rawValue), events=\($0.1 == .readable ? "POLLIN" : $0.1 == .writable ? "POLLOUT" : "POLLPRI")}" }.joined(separator: ", "))], \(items.count), \(timeout.map { String(Int($0 * 1000)) } ?? "-1")) = \(r.count + w.count + x.count)")
            return .value(.tuple([.list(r), .list(w), .list(x)]))

        default:
            throw StepStop(outcome: .pythonError(name: "NameError", message: "name '\(name)' is not defined"))
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}

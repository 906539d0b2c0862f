/// Every call a step may make, each defined once (see `CallDefinition` for who reads what).
/// The parser, the checker, the runner, the explainer and the three exporters all read this table.
extension CallDefinition {
    public static let all: [CallDefinition] = functions + methods

    static let functions: [CallDefinition] = [
        .init("socket", .function, [("family", .constant, true, "AF_INET"), ("type", .constant, true, "SOCK_STREAM"), ("proto", .constant, true, "0")],
              returns: .socket, usage: "s = socket(AF_INET, SOCK_STREAM)",
              summary: "creates a socket: an endpoint for communication, named by a small number, its file descriptor.",
              detail: "The family says which addresses it uses (AF_INET: IPv4, AF_INET6: IPv6, AF_UNIX: file paths); the type says how data flows (SOCK_STREAM: a reliable byte stream, TCP; SOCK_DGRAM: separate messages, UDP). A new socket has no address and no connection yet.",
              man: "socket(2)", c: "int FD = socket(AF_INET, SOCK_STREAM, 0);") { x in
            [x.stmt("fd = socket(\(try x.int(0)), \(try x.int(1)), \(try x.int(2)))")] + x.adopting(0, "socket")
        },
        .init("socketpair", .function, [("family", .constant, true, "AF_UNIX"), ("type", .constant, true, "SOCK_STREAM"), ("proto", .constant, true, "0")],
              returns: .socketPair, usage: "a, b = socketpair()",
              summary: "creates two sockets already connected to each other.",
              detail: "Like a two-way pipe: what one sends, the other receives. Handy between a parent and a child process.",
              man: "socketpair(2)", c: "int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv);") { x in
            let a = x.target(0, "pair"), b = x.target(1, "pair")
            return x.ifThen("check(socketpair(\(try x.int(0)), \(try x.int(1)), \(try x.int(2)), \(x.isC ? "pair" : "&pair")))",
                            a.make + [x.adopt(a.ref, "pair[0]")] + b.make + [x.adopt(b.ref, "pair[1]")])
        },
        .init("create_connection", .function, [("address", .address, false, nil), ("timeout", .timeout, true, "-1")],
              returns: .socket, usage: "c = create_connection(server.address)",
              summary: "creates a TCP socket and connects it, in one call.", detail: "Python's convenience: socket() then connect().",
              man: "connect(2)", c: "/* socket(2) then connect(2) */", syscall: "socket") { x in
            let timeout = try x.seconds(1)
            return [x.stmt("fd = \(x.helper("create_connection"))(\(try x.value(0)), \(timeout))")]
                + x.adopting(0, "client") { t in x.args.count > 1 ? [x.discard("\(x.helper("set_timeout"))(\(t), \(timeout))")] : [] }
        },
        .init("create_server", .function, [("address", .address, false, nil)],
              returns: .socket, usage: "server = create_server((\"127.0.0.1\", 0))",
              summary: "creates a TCP socket, sets SO_REUSEADDR, binds and listens, in one call.", detail: "Python's convenience for servers.",
              man: "listen(2)", c: "/* socket(2), setsockopt(2), bind(2), listen(2) */", syscall: "socket") { x in
            [x.stmt("fd = \(x.helper("create_server"))(\(try x.value(0)))")] + x.adopting(0, "server")
        },
        .init("gethostname", .function, [], returns: .value, usage: "gethostname()",
              summary: "returns this machine's name.", man: "gethostname(2)", c: "char name[256]; gethostname(name, sizeof name);", syscall: "uname") { x in
            x.isC ? ["if (check(gethostname(hostname, sizeof hostname))) returned(text(hostname));"]
                  : ["if check(gethostname(&hostname, hostname.count)) { returned(.str(String(cString: hostname))) }"]
        },
        .init("getaddrinfo", .function, [("host", .host, false, nil), ("port", .port, false, nil), ("family", .constant, true, "AF_UNSPEC"), ("type", .constant, true, "0")],
              returns: .value, usage: "getaddrinfo(\"localhost\", 80)",
              summary: "turns a host name and port into the addresses to try, one per family and type.",
              detail: "localhost has both 127.0.0.1 (IPv4) and ::1 (IPv6); a program should try them in order.",
              man: "getaddrinfo(3)", c: "struct addrinfo *res; getaddrinfo(\"localhost\", \"80\", &hints, &res);") { x in
            [x.returned("lookup(\(try x.value(0)), \(try x.value(1)), \(try x.int(2)), \(try x.int(3)))") + "   " + x.comment("getaddrinfo(), as a list")]
        },
        .init("getservbyname", .function, [("name", .string, false, nil), ("proto", .string, true, nil)], returns: .value,
              usage: "getservbyname(\"http\")",
              summary: "returns the well-known port of a service, read from /etc/services.", man: "getservbyname(3)",
              c: "struct servent *s = getservbyname(\"http\", \"tcp\");") { x in
            func name(_ i: Int, absent: String) throws -> String {
                guard i < x.args.count else { return absent }
                if case .string(let s) = x.args[i].expr { return x.string(s) }
                return x.isC ? "(char *)(\(try x.value(i))).bytes" : "{ if case .str(let s) = \(try x.value(i)) { return s }; return \"\" }()"
            }
            let service = try name(0, absent: ""), proto = try name(1, absent: x.isC ? "NULL" : "nil")
            let notFound = x.stmt("fail(\"OSError\")") + "   " + x.comment("Python: OSError: service/proto not found")
            if x.isC {
                return ["service = getservbyname(\(service), \(proto));",
                        "if (service) returned(integer(ntohs((unsigned short)service->s_port)));", "else " + notFound]
            }
            return ["if let service = getservbyname(\(service), \(proto)) {",
                    "    returned(.int(Int(UInt16(bigEndian: UInt16(truncatingIfNeeded: service.pointee.s_port)))))", "} else {", "    " + notFound, "}"]
        },
        .init("select", .function, [("rlist", .socketList, false, nil), ("wlist", .socketList, false, nil), ("xlist", .socketList, false, nil), ("timeout", .timeout, true, "-1")],
              returns: .readyLists, usage: "r, w, x = select([server, conn], [], [], 0)",
              summary: "asks which sockets are ready: readable, writable, or with an exceptional condition.",
              detail: "A listening socket is readable when a connection waits to be accepted; a connected one when data or end-of-stream has arrived; writable when its send buffer has room.",
              man: "select(2)", c: "struct pollfd fds[] = {{FD, POLLIN, 0}}; poll(fds, 1, 0);", syscall: "poll", python: .function(module: "select")) { x in
            let timeout = x.blocks ? "0" : try x.seconds(3)
            let note = x.blocks ? "   " + x.comment("a zero timeout: nothing ready means it would wait") : ""
            if x.isC {
                return try (0..<3).map { "lists[\($0)] = \(try x.value($0));" } + ["returned(select_ready(lists, \(timeout), \(x.blocks ? 1 : 0)));" + note]
            }
            let lists = try (0..<3).map { try x.value($0) }.joined(separator: ", ")
            return ["returned(selectReady([\(lists)], \(timeout)\(x.blocks ? ", proveBlocks: true" : "")))" + note]
        },
    ]

    static let methods: [CallDefinition] = [
        .init("bind", .socket, [("address", .address, false, nil)], returns: .nothing, usage: "s.bind((\"127.0.0.1\", 0))",
              summary: "gives the socket its local address: an IP address and a port (or a path for Unix sockets).",
              detail: "A server binds so clients know where to find it. Port 0 asks the kernel to choose a free port; getsockname tells which one it chose.",
              man: "bind(2)", c: "bind(FD, (struct sockaddr *)&addr, sizeof addr);") { x in
            x.ifThen(try toAddress(x, 0), [x.check(x.withAddress("bind", x.fd))])
        },
        .init("listen", .socket, [("backlog", .int, true, "128")], returns: .nothing, usage: "s.listen(5)",
              summary: "turns the socket into a listening socket that accepts connections.",
              detail: "The kernel now completes handshakes with clients on its own and queues the finished connections; the backlog limits how many may wait to be accepted.",
              man: "listen(2)", c: "listen(FD, 5);") { x in
            let backlog = try x.int(0)
            guard x.reads("backlog") else { return [x.check("listen(\(x.fd), \(backlog))")] }
            return x.ifThen("check(listen(\(x.fd), \(backlog)))", [x.stmt("\(x.sock).backlog = \(x.cast("Int", backlog))")])
        },
        .init("connect", .socket, [("address", .address, false, nil)], returns: .nothing, usage: "c.connect(server.address)",
              summary: "connects the socket to a server's address.",
              detail: "For TCP this is the three-way handshake: SYN, SYN-ACK, ACK. On loopback it completes inside the call. For UDP it only records the default destination and filters who may send to the socket.",
              man: "connect(2)", c: "connect(FD, (struct sockaddr *)&addr, sizeof addr);", attempts: true) { x in
            x.ifThen(try toAddress(x, 0), [x.check(connecting(x))])
        },
        .init("connect_ex", .socket, [("address", .address, false, nil)], returns: .value, usage: "c.connect_ex(server.address)",
              summary: "connects like connect, but returns the error number instead of raising (0 means connected).",
              detail: "Python's convenience around connect(2); handy with non-blocking sockets.",
              man: "connect(2)", c: "int err = connect(FD, (struct sockaddr *)&addr, sizeof addr) == 0 ? 0 : errno;", syscall: "connect", attempts: true) { x in
            x.ifThen(try toAddress(x, 0), [x.returned(x.intValue("\(connecting(x)) == 0 ? 0 : errno"))])
        },
        .init("accept", .socket, [], returns: .socketAndAddress, usage: "conn, addr = server.accept()",
              summary: "takes the next finished connection from the listening socket's queue and returns a new socket for it.",
              detail: "The listening socket keeps listening; the new socket is the server's end of this one conversation, with the client's address.",
              man: "accept(2)", c: "int conn = accept(FD, (struct sockaddr *)&peer, &peerlen);", syscall: "accept4", attempts: true) { x in
            let call = x.receivingAddress("accept", x.fd)
            return call.before + [x.stmt("fd = \(x.guarded(call.call, [x.waiting("POLLIN")]))")] + x.adopting(0, "conn") { t in
                guard let addr = x.valueTarget(1) else { return [x.returned(x.tupleValue([x.socketValue(t), x.addressValue]))] }
                return [x.stmt("\(addr) = \(x.addressValue)"), x.returned(x.tupleValue([x.socketValue(t), addr]))]
            }
        },
        .init("send", .socket, [("data", .bytes, false, nil), ("flags", .flags, true, nil)], returns: .value, usage: "c.send(b\"hello\")",
              summary: "copies bytes into the socket's send buffer and returns how many it took.",
              detail: "It may take fewer bytes than given when the buffer is nearly full; the kernel sends them on in the background.",
              man: "send(2)", c: "ssize_t n = send(FD, buf, len, 0);", syscall: "sendto", attempts: true) { x in
            let p = try x.payload(0)
            return p.before + [x.stmt("n = \(x.guarded("send(\(x.fd), \(p.pointer), \(p.length), \(try x.flags(1)))", [p.guard, x.waiting("POLLOUT")]))")]
                + x.ifThen("check(n)", [x.returned(x.intValue("n"))])
        },
        .init("sendall", .socket, [("data", .bytes, false, nil), ("flags", .flags, true, nil)], returns: .nothing, usage: "c.sendall(b\"hello\")",
              summary: "sends all the bytes, calling send again until none are left.",
              detail: "Python's loop around send(2); C programs write that loop themselves.",
              man: "send(2)", c: "for (size_t off = 0; off < len; ) { ssize_t n = send(FD, buf + off, len - off, 0); if (n < 0) break; off += n; }",
              syscall: "sendto", attempts: true) { x in
            let p = try x.payload(0)
            return p.before + [x.check(x.guarded("\(x.helper("send_all"))(\(x.ref), \(p.pointer), \(p.length), \(try x.flags(1)))", [p.guard]))]
        },
        .init("sendto", .socket, [("data", .bytes, false, nil), ("flags", .flags, false, nil), ("address", .address, true, nil)], returns: .value,
              usage: "u.sendto(b\"ping\", other.address)",
              summary: "sends one datagram to the given address.", detail: "For UDP each sendto is one message, delivered whole or not at all.",
              man: "sendto(2)", c: "sendto(FD, buf, len, 0, (struct sockaddr *)&dest, sizeof dest);", attempts: true) { x in
            let p = try x.payload(0)
            let flags = try x.flags(x.args.count == 3 ? 1 : x.args.count)
            let call = x.withAddress("sendto", "\(x.fd), \(p.pointer), \(p.length), \(flags)")
            let multicast = x.multicast ? [x.stmt("\(x.helper("multicast_by_loopback"))(\(x.ref), \(x.addressArg))")] : []
            return p.before + x.ifThen(try toAddress(x, x.args.count - 1), multicast + [x.stmt("n = \(x.guarded(call, [p.guard, x.waiting("POLLOUT")]))")]
                + x.ifThen("check(n)", [x.returned(x.intValue("n"))]))
        },
        .init("recv", .socket, [("bufsize", .int, false, nil), ("flags", .flags, true, nil)], returns: .value, usage: "conn.recv(1024)",
              summary: "takes up to that many bytes that have arrived, and returns them.",
              detail: "It returns as soon as any data is there — possibly fewer bytes than asked for, or than the peer sent in one call. An empty result, b\"\", means the peer closed its side: end of stream.",
              man: "recv(2)", c: "ssize_t n = recv(FD, buf, sizeof buf, 0);", syscall: "recvfrom", attempts: true) { x in
            if let refused = x.refusesNegative(0, "ValueError", "negative buffersize") { return refused }
            let b = try x.buffer(0)
            return b.before + [x.stmt("n = \(x.guarded("recv(\(x.fd), \(b.pointer), \(b.length), \(try x.flags(1)))", [b.guard, x.waiting("POLLIN | POLLPRI")]))")]
                + x.ifThen("check(n)", [x.returned(x.received("n"))])
        },
        .init("recvall", .socket, [("count", .int, false, nil), ("flags", .flags, true, nil)], returns: .value, usage: "conn.recvall(1048576)",
              summary: "calls recv in a loop until that many bytes have arrived (or the peer closed), and returns them all.",
              detail: "Not a method of Python's socket: it is the loop every program around recv writes (`while len(data) < n: data += s.recv(n - len(data))`). sockstep counts the recv calls it took: TCP delivers a stream, in pieces of whatever size has arrived.",
              man: "recv(2)", c: "for (size_t got = 0; got < n; ) { ssize_t k = recv(FD, buf + got, n - got, 0); if (k <= 0) break; got += k; }",
              syscall: "recvfrom", attempts: true, python: .helper) { x in
            let b = try x.buffer(0)
            return b.before + [x.stmt("n = \(x.guarded("\(x.helper("recv_all"))(\(x.ref), \(b.pointer), \(b.length), \(try x.flags(1)))", [b.guard]))")]
                + x.ifThen("check(n)", [x.returned(x.received("n"))])
        },
        .init("recvfrom", .socket, [("bufsize", .int, false, nil), ("flags", .flags, true, nil)], returns: .bytesAndAddress,
              usage: "data, addr = u.recvfrom(1024)",
              summary: "receives one datagram and the address of its sender.",
              detail: "For UDP each call returns exactly one datagram; if the buffer is smaller, the rest of that datagram is lost.",
              man: "recvfrom(2)", c: "ssize_t n = recvfrom(FD, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);", attempts: true) { x in
            if let refused = x.refusesNegative(0, "ValueError", "negative buffersize") { return refused }
            let b = try x.buffer(0)
            let call = x.receivingAddress("recvfrom", "\(x.fd), \(b.pointer), \(b.length), \(try x.flags(1))")
            return b.before + call.before + [x.stmt("n = \(x.guarded(call.call, [b.guard, x.waiting("POLLIN | POLLPRI")]))")]
                + x.ifThen("check(n)", [x.returned(x.tupleValue([x.received("n"), x.addressValue]))])
        },
        .init("shutdown", .socket, [("how", .constant, false, nil)], returns: .nothing, usage: "c.shutdown(SHUT_WR)",
              summary: "closes one direction of a connection while keeping the socket.",
              detail: "SHUT_WR sends a FIN: the peer reads end-of-stream, but can still send back and this side can still read.",
              man: "shutdown(2)", c: "shutdown(FD, SHUT_WR);") { x in
            [x.check("shutdown(\(x.fd), \(try x.int(0)))")]
        },
        .init("close", .socket, [], returns: .nothing, usage: "c.close()",
              summary: "releases the socket; for a connection the kernel sends a FIN (or a reset if unread data remains).",
              detail: "The descriptor is gone at once, but the kernel may keep the connection a while longer (FIN_WAIT, TIME_WAIT) to finish closing cleanly.",
              man: "close(2)", c: "close(FD);") { x in
            [x.check("\(x.helper("close_socket"))(\(x.ref))")]
        },
        .init("dup", .socket, [], returns: .socket, usage: "c2 = c.dup()",
              summary: "makes a second descriptor for the same socket.",
              detail: "Both numbers name one socket, with one connection: closing one of them sends nothing; the FIN goes when the last descriptor is closed (shutdown() ends sending for both at once).",
              man: "dup(2)", c: "int FD2 = dup(FD);", syscall: "fcntl") { x in
            [x.stmt("fd = dup(\(x.fd))")] + x.adopting(0, "dup") { t in [x.discard("\(x.helper("set_timeout"))(\(t), \(x.sock).timeout)")] }
        },
        .init("getsockname", .socket, [], returns: .value, usage: "s.getsockname()",
              summary: "returns the socket's own address.", detail: "After bind to port 0, this is how a program learns the port the kernel chose.",
              man: "getsockname(2)", c: "getsockname(FD, (struct sockaddr *)&addr, &len);") { x in
            let call = x.receivingAddress("getsockname", x.fd)
            return call.before + x.ifThen("check(\(call.call))", [x.returned(x.addressValue)])
        },
        .init("getpeername", .socket, [], returns: .value, usage: "c.getpeername()",
              summary: "returns the address of the other end of a connected socket.", detail: "It fails with ENOTCONN on a socket that is not connected.",
              man: "getpeername(2)", c: "getpeername(FD, (struct sockaddr *)&addr, &len);") { x in
            let call = x.receivingAddress("getpeername", x.fd)
            return call.before + x.ifThen("check(\(call.call))", [x.returned(x.addressValue)])
        },
        .init("setsockopt", .socket, [("level", .constant, false, nil), ("option", .constant, false, nil), ("value", .optionValue, false, nil)], returns: .nothing,
              usage: "s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)",
              summary: "sets a socket option.",
              detail: "Options change how the kernel treats the socket: SO_REUSEADDR, SO_RCVBUF, TCP_NODELAY, SO_LINGER and more.",
              man: "setsockopt(2)", c: "int one = 1; setsockopt(FD, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);", python: .helper) { x in
            try settingOption(x)
        },
        .init("getsockopt", .socket, [("level", .constant, false, nil), ("option", .constant, false, nil), ("buflen", .int, true, nil)], returns: .value,
              usage: "s.getsockopt(SOL_SOCKET, SO_RCVBUF)",
              summary: "reads a socket option.",
              detail: "SO_ERROR reads (and clears) a pending error, SO_TYPE the socket's type, SO_RCVBUF the buffer size the kernel really uses.",
              man: "getsockopt(2)", c: "int v; socklen_t len = sizeof v; getsockopt(FD, SOL_SOCKET, SO_RCVBUF, &v, &len);", python: .helper) { x in
            let (variable, type, value): (String, String, String)
            switch x.constantName(1) {
            case "SO_LINGER": (variable, type, value) = ("lg", "linger", x.tupleValue([x.intValue("lg.l_onoff"), x.intValue("lg.l_linger")]))
            case "SO_RCVTIMEO", "SO_SNDTIMEO":
                (variable, type, value) = ("tv", "timeval", x.floatValue("\(x.cast("Double", "tv.tv_sec")) + \(x.cast("Double", "tv.tv_usec")) / 1e6"))
            default: (variable, type, value) = ("opt", "int", x.intValue("opt"))
            }
            return [x.stmt("optlen = \(x.size(of: variable, type))")]
                + x.ifThen("check(getsockopt(\(x.fd), \(try x.int(0)), \(try x.int(1)), &\(variable), &optlen))", [x.returned(value)])
        },
        .init("settimeout", .socket, [("seconds", .timeout, false, nil)], returns: .nothing, usage: "c.settimeout(0.05)",
              summary: "sets how long blocking calls may wait: None waits forever, 0 never waits, a number waits that many seconds.",
              detail: "Python makes the socket non-blocking underneath and waits with poll; when the time runs out it raises TimeoutError.",
              man: "socket(7)", c: "fcntl(FD, F_SETFL, O_NONBLOCK); /* then poll(2) with a timeout */", syscall: "fcntl") { x in
            if let refused = x.refusesNegative(0, "ValueError", "timeout value out of range") { return refused }
            return [x.check("\(x.helper("set_timeout"))(\(x.ref), \(try x.seconds(0)))")]
        },
        .init("gettimeout", .socket, [], returns: .value, usage: "c.gettimeout()",
              summary: "returns the socket's timeout (None: blocking, 0.0: non-blocking).", man: "socket(7)", c: "/* Python-only: the timeout is Python's */") { x in
            [x.returned("\(x.sock).timeout < 0 ? \(x.noneValue) : \(x.floatValue("\(x.sock).timeout"))")]
        },
        .init("setblocking", .socket, [("flag", .bool, false, nil)], returns: .nothing, usage: "c.setblocking(False)",
              summary: "makes calls wait (True) or return at once with EAGAIN (False).",
              detail: "A non-blocking socket never waits: calls that would wait fail with EAGAIN/EINPROGRESS instead, and the program asks select or poll when to try again.",
              man: "fcntl(2)", c: "fcntl(FD, F_SETFL, fcntl(FD, F_GETFL) | O_NONBLOCK);", syscall: "fcntl") { x in
            [x.check("\(x.helper("set_blocking"))(\(x.ref), \(try x.int(0)))")]
        },
        .init("getblocking", .socket, [], returns: .value, usage: "c.getblocking()",
              summary: "returns True if calls on the socket wait.", man: "fcntl(2)", c: "int blocking = !(fcntl(FD, F_GETFL) & O_NONBLOCK);") { x in
            [x.returned(x.boolValue("\(x.sock).timeout != 0"))]
        },
        .init("fileno", .socket, [], returns: .value, usage: "c.fileno()",
              summary: "returns the socket's file descriptor number.", detail: "The same small integer the system calls use.",
              man: "socket(7)", c: "/* the int itself */") { x in
            [x.returned(x.intValue(x.fd))]
        },
    ]

    /// `to_address(&sock, <argument i>, &sa)`: the lesson's address value as a kernel address.
    static func toAddress(_ x: any NativeCode, _ i: Int) throws -> String {
        "\(x.helper("to_address"))(\(x.ref), \(try x.value(i)), &sa)"
    }

    /// connect(); on a socket with a timeout, then the wait for the handshake.
    static func connecting(_ x: any NativeCode) -> String {
        let call = x.withAddress("connect", x.fd)
        return x.timed ? "\(x.helper("finish_connect"))(\(x.ref), \(call))" : call
    }

    /// setsockopt with the value a lesson writes: (on, seconds) for SO_LINGER, seconds for the
    /// timeouts, (group, interface) for multicast membership, an interface for IP_MULTICAST_IF.
    static func settingOption(_ x: any NativeCode) throws -> [String] {
        let level = try x.int(0), option = try x.int(1)
        func set(_ variable: String, _ type: String) -> String {
            x.check("setsockopt(\(x.fd), \(level), \(option), &\(variable), \(x.size(of: variable, type)))")
        }
        let v = x.args[2]
        switch x.constantName(1) {
        case "SO_LINGER":
            let on: String, secs: String
            if case .tuple(let items) = v.expr, items.count == 2 { on = try x.int(items[0]); secs = try x.int(items[1]) } else {
                let t = try x.value(v)
                on = "\(x.helper("as_int"))(item(\(t), 0))"; secs = "\(x.helper("as_int"))(item(\(t), 1))"
            }
            return [x.stmt("lg.l_onoff = \(on)"), x.stmt("lg.l_linger = \(secs)"), set("lg", "linger")]
        case "SO_RCVTIMEO", "SO_SNDTIMEO":
            if case .tuple(let items) = v.expr, items.count == 2 {
                return [x.stmt("tv.tv_sec = \(x.cast("Int", try x.int(items[0])))"), x.stmt("tv.tv_usec = \(x.cast("Int", try x.int(items[1])))"), set("tv", "timeval")]
            }
            return [x.stmt("tv = \(x.helper("timeval_of"))(\(try x.seconds(v)))"), set("tv", "timeval")]
        case "IP_ADD_MEMBERSHIP", "IP_DROP_MEMBERSHIP":
            if case .tuple(let items) = v.expr, items.count == 2, case .string(let group) = items[0].expr, case .string(let ifc) = items[1].expr {
                return [x.stmt("inet_pton(AF_INET, \(x.string(group)), &mreq.imr_multiaddr)") + "   " + x.comment("the group"),
                        x.stmt("inet_pton(AF_INET, \(x.string(ifc)), &mreq.imr_interface)") + "   " + x.comment("joined by this interface"),
                        set("mreq", "ip_mreq")]
            }
        case "IP_MULTICAST_IF":
            if case .string(let ifc) = v.expr { return [x.stmt("inet_pton(AF_INET, \(x.string(ifc)), &iface)"), set("iface", "in_addr")] }
        default: break
        }
        return [x.stmt("opt = \(try x.int(v))"), set("opt", "int")]
    }
}

/// For each call: what it does, its man page, and how it is written in Python and C.
public struct CallEntry: Sendable {
    public var name: String
    public var summary: String
    public var detail: String
    public var manPage: String
    /// The C call, with `FD` standing for the socket's descriptor.
    public var c: String
}

public enum CallCatalog {
    public static let entries: [CallEntry] = [
        .init(name: "socket", summary: "creates a socket: an endpoint for communication, named by a small number, its file descriptor.",
              detail: "The family says which addresses it uses (AF_INET: IPv4, AF_INET6: IPv6, AF_UNIX: file paths); the type says how data flows (SOCK_STREAM: a reliable byte stream, TCP; SOCK_DGRAM: separate messages, UDP). A new socket has no address and no connection yet.",
              manPage: "socket(2)", c: "int FD = socket(AF_INET, SOCK_STREAM, 0);"),
        .init(name: "socketpair", summary: "creates two sockets already connected to each other.",
              detail: "Like a two-way pipe: what one sends, the other receives. Handy between a parent and a child process.",
              manPage: "socketpair(2)", c: "int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv);"),
        .init(name: "bind", summary: "gives the socket its local address: an IP address and a port (or a path for Unix sockets).",
              detail: "A server binds so clients know where to find it. Port 0 asks the kernel to choose a free port; getsockname tells which one it chose.",
              manPage: "bind(2)", c: "bind(FD, (struct sockaddr *)&addr, sizeof addr);"),
        .init(name: "listen", summary: "turns the socket into a listening socket that accepts connections.",
              detail: "The kernel now completes handshakes with clients on its own and queues the finished connections; the backlog limits how many may wait to be accepted.",
              manPage: "listen(2)", c: "listen(FD, 5);"),
        .init(name: "connect", summary: "connects the socket to a server's address.",
              detail: "For TCP this is the three-way handshake: SYN, SYN-ACK, ACK. On loopback it completes inside the call. For UDP it only records the default destination and filters who may send to the socket.",
              manPage: "connect(2)", c: "connect(FD, (struct sockaddr *)&addr, sizeof addr);"),
        .init(name: "connect_ex", summary: "connects like connect, but returns the error number instead of raising (0 means connected).",
              detail: "Python's convenience around connect(2); handy with non-blocking sockets.",
              manPage: "connect(2)", c: "int err = connect(FD, (struct sockaddr *)&addr, sizeof addr) == 0 ? 0 : errno;"),
        .init(name: "accept", summary: "takes the next finished connection from the listening socket's queue and returns a new socket for it.",
              detail: "The listening socket keeps listening; the new socket is the server's end of this one conversation, with the client's address.",
              manPage: "accept(2)", c: "int conn = accept(FD, (struct sockaddr *)&peer, &peerlen);"),
        .init(name: "send", summary: "copies bytes into the socket's send buffer and returns how many it took.",
              detail: "It may take fewer bytes than given when the buffer is nearly full; the kernel sends them on in the background.",
              manPage: "send(2)", c: "ssize_t n = send(FD, buf, len, 0);"),
        .init(name: "sendall", summary: "sends all the bytes, calling send again until none are left.",
              detail: "Python's loop around send(2); C programs write that loop themselves.",
              manPage: "send(2)", c: "for (size_t off = 0; off < len; ) { ssize_t n = send(FD, buf + off, len - off, 0); if (n < 0) break; off += n; }"),
        .init(name: "sendto", summary: "sends one datagram to the given address.",
              detail: "For UDP each sendto is one message, delivered whole or not at all.",
              manPage: "sendto(2)", c: "sendto(FD, buf, len, 0, (struct sockaddr *)&dest, sizeof dest);"),
        .init(name: "recv", summary: "takes up to that many bytes that have arrived, and returns them.",
              detail: "It returns as soon as any data is there — possibly fewer bytes than asked for, or than the peer sent in one call. An empty result, b\"\", means the peer closed its side: end of stream.",
              manPage: "recv(2)", c: "ssize_t n = recv(FD, buf, sizeof buf, 0);"),
        .init(name: "recvall", summary: "calls recv in a loop until that many bytes have arrived (or the peer closed), and returns them all.",
              detail: "Not a method of Python's socket: it is the loop every program around recv writes (`while len(data) < n: data += s.recv(n - len(data))`). sockstep counts the recv calls it took: TCP delivers a stream, in pieces of whatever size has arrived.",
              manPage: "recv(2)", c: "for (size_t got = 0; got < n; ) { ssize_t k = recv(FD, buf + got, n - got, 0); if (k <= 0) break; got += k; }"),
        .init(name: "recvfrom", summary: "receives one datagram and the address of its sender.",
              detail: "For UDP each call returns exactly one datagram; if the buffer is smaller, the rest of that datagram is lost.",
              manPage: "recvfrom(2)", c: "ssize_t n = recvfrom(FD, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);"),
        .init(name: "shutdown", summary: "closes one direction of a connection while keeping the socket.",
              detail: "SHUT_WR sends a FIN: the peer reads end-of-stream, but can still send back and this side can still read.",
              manPage: "shutdown(2)", c: "shutdown(FD, SHUT_WR);"),
        .init(name: "close", summary: "releases the socket; for a connection the kernel sends a FIN (or a reset if unread data remains).",
              detail: "The descriptor is gone at once, but the kernel may keep the connection a while longer (FIN_WAIT, TIME_WAIT) to finish closing cleanly.",
              manPage: "close(2)", c: "close(FD);"),
        .init(name: "getsockname", summary: "returns the socket's own address.",
              detail: "After bind to port 0, this is how a program learns the port the kernel chose.",
              manPage: "getsockname(2)", c: "getsockname(FD, (struct sockaddr *)&addr, &len);"),
        .init(name: "getpeername", summary: "returns the address of the other end of a connected socket.",
              detail: "It fails with ENOTCONN on a socket that is not connected.",
              manPage: "getpeername(2)", c: "getpeername(FD, (struct sockaddr *)&addr, &len);"),
        .init(name: "setsockopt", summary: "sets a socket option.",
              detail: "Options change how the kernel treats the socket: SO_REUSEADDR, SO_RCVBUF, TCP_NODELAY, SO_LINGER and more.",
              manPage: "setsockopt(2)", c: "int one = 1; setsockopt(FD, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);"),
        .init(name: "getsockopt", summary: "reads a socket option.",
              detail: "SO_ERROR reads (and clears) a pending error, SO_TYPE the socket's type, SO_RCVBUF the buffer size the kernel really uses.",
              manPage: "getsockopt(2)", c: "int v; socklen_t len = sizeof v; getsockopt(FD, SOL_SOCKET, SO_RCVBUF, &v, &len);"),
        .init(name: "settimeout", summary: "sets how long blocking calls may wait: None waits forever, 0 never waits, a number waits that many seconds.",
              detail: "Python makes the socket non-blocking underneath and waits with poll; when the time runs out it raises TimeoutError.",
              manPage: "socket(7)", c: "fcntl(FD, F_SETFL, O_NONBLOCK); /* then poll(2) with a timeout */"),
        .init(name: "setblocking", summary: "makes calls wait (True) or return at once with EAGAIN (False).",
              detail: "A non-blocking socket never waits: calls that would wait fail with EAGAIN/EINPROGRESS instead, and the program asks select or poll when to try again.",
              manPage: "fcntl(2)", c: "fcntl(FD, F_SETFL, fcntl(FD, F_GETFL) | O_NONBLOCK);"),
        .init(name: "gettimeout", summary: "returns the socket's timeout (None: blocking, 0.0: non-blocking).", detail: "", manPage: "socket(7)", c: "/* Python-only: the timeout is Python's */"),
        .init(name: "getblocking", summary: "returns True if calls on the socket wait.", detail: "", manPage: "fcntl(2)", c: "int blocking = !(fcntl(FD, F_GETFL) & O_NONBLOCK);"),
        .init(name: "fileno", summary: "returns the socket's file descriptor number.", detail: "The same small integer the system calls use.", manPage: "socket(7)", c: "/* the int itself */"),
        .init(name: "select", summary: "asks which sockets are ready: readable, writable, or with an exceptional condition.",
              detail: "A listening socket is readable when a connection waits to be accepted; a connected one when data or end-of-stream has arrived; writable when its send buffer has room.",
              manPage: "select(2)", c: "struct pollfd fds[] = {{FD, POLLIN, 0}}; poll(fds, 1, 0);"),
        .init(name: "gethostname", summary: "returns this machine's name.", detail: "", manPage: "gethostname(2)", c: "char name[256]; gethostname(name, sizeof name);"),
        .init(name: "getaddrinfo", summary: "turns a host name and port into the addresses to try, one per family and type.",
              detail: "localhost has both 127.0.0.1 (IPv4) and ::1 (IPv6); a program should try them in order.",
              manPage: "getaddrinfo(3)", c: "struct addrinfo *res; getaddrinfo(\"localhost\", \"80\", &hints, &res);"),
        .init(name: "getservbyname", summary: "returns the well-known port of a service, read from /etc/services.", detail: "", manPage: "getservbyname(3)", c: "struct servent *s = getservbyname(\"http\", \"tcp\");"),
        .init(name: "create_connection", summary: "creates a TCP socket and connects it, in one call.", detail: "Python's convenience: socket() then connect().", manPage: "connect(2)", c: "/* socket(2) then connect(2) */"),
        .init(name: "create_server", summary: "creates a TCP socket, sets SO_REUSEADDR, binds and listens, in one call.", detail: "Python's convenience for servers.", manPage: "listen(2)", c: "/* socket(2), setsockopt(2), bind(2), listen(2) */"),
    ]

    private static let byName: [String: CallEntry] = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    public static func entry(_ name: String) -> CallEntry? { byName[name] }
}

public struct StateEntry: Sendable {
    public var name: String
    public var meaning: String
    public var next: String
}

/// The TCP states, as the kernel names them, in plain words.
public enum StateCatalog {
    public static let entries: [StateEntry] = [
        .init(name: "CLOSED", meaning: "no connection: a new socket, or one whose connection is completely over.", next: "connect (client) or listen (server) starts something."),
        .init(name: "LISTEN", meaning: "a listening socket: the kernel answers connection requests and queues finished connections for accept.", next: "stays LISTEN until closed."),
        .init(name: "SYN_SENT", meaning: "a client sent its SYN and waits for the server's SYN-ACK.", next: "ESTABLISHED when the answer comes; the connection fails with ECONNREFUSED on a reset."),
        .init(name: "SYN_RECV", meaning: "a server received a SYN and answered with SYN-ACK; it waits for the client's final ACK.", next: "ESTABLISHED, then it waits in the accept queue."),
        .init(name: "ESTABLISHED", meaning: "the connection is open: both sides can send and receive.", next: "FIN_WAIT1 on the side that closes first, CLOSE_WAIT on the other."),
        .init(name: "FIN_WAIT1", meaning: "this side closed (or shut down writing) and sent a FIN; the peer has not acknowledged it yet.", next: "FIN_WAIT2 when the ACK arrives (Linux may delay that ACK by up to 40 ms)."),
        .init(name: "FIN_WAIT2", meaning: "this side's FIN was acknowledged; it waits for the peer to close too.", next: "TIME_WAIT when the peer's FIN arrives."),
        .init(name: "CLOSE_WAIT", meaning: "the peer closed its side (its FIN arrived; recv returns b\"\"); this side has not closed yet.", next: "LAST_ACK when this side closes. A server with many sockets stuck in CLOSE_WAIT forgot to close them."),
        .init(name: "LAST_ACK", meaning: "this side closed after the peer did, and waits for the ACK of its own FIN.", next: "CLOSED."),
        .init(name: "CLOSING", meaning: "both sides closed at the same moment; each waits for the other's ACK.", next: "TIME_WAIT."),
        .init(name: "TIME_WAIT", meaning: "the side that closed first keeps the connection's addresses for a while (60 s on Linux) so late packets cannot confuse a new connection.", next: "CLOSED after the wait. Meanwhile binding the same port fails with EADDRINUSE unless SO_REUSEADDR is set."),
        .init(name: "LISTENING", meaning: "a Unix-domain socket that listens for connections.", next: "stays listening until closed."),
        .init(name: "CONNECTED", meaning: "a connected Unix-domain or UDP socket.", next: ""),
        .init(name: "UNCONNECTED", meaning: "a socket with no connection.", next: ""),
        .init(name: "BOUND", meaning: "a datagram socket with an address, ready to receive.", next: ""),
        .init(name: "UNBOUND", meaning: "a datagram socket with no address yet; the first sendto binds it to a free port.", next: ""),
    ]
    private static let byName: [String: StateEntry] = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    public static func entry(_ name: String) -> StateEntry? { byName[name] }
}

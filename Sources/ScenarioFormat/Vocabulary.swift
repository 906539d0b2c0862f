/// Every call a step may make: its arguments, what it returns, and a one-line summary.
/// The checker, the runner and the explanations all read this one table.
public struct CallSignature: Sendable, Hashable {
    public enum Receiver: Sendable, Hashable { case socket, function }
    public enum ArgKind: Sendable, Hashable {
        case address, int, bytes, flags, timeout, bool, constant, optionValue, string, socketList, host, port, any
    }
    public enum Returns: Sendable, Hashable {
        case nothing, socket, socketAndAddress, socketPair, value, bytesAndAddress, readyLists
        /// How many names an assignment may take: nil means one (a single value).
        public var arity: Int? {
            switch self {
            case .socketAndAddress, .socketPair, .bytesAndAddress: return 2
            case .readyLists: return 3
            default: return nil
            }
        }
    }
    public struct Param: Sendable, Hashable {
        public var name: String
        public var kind: ArgKind
        public var optional: Bool
    }

    public var name: String
    public var receiver: Receiver
    public var params: [Param]
    public var returns: Returns
    /// Shown in `did you mean` help and in `sockstep explain`.
    public var usage: String

    public var minArgs: Int { params.filter { !$0.optional }.count }
    public var maxArgs: Int { params.count }

    init(_ name: String, _ receiver: Receiver, _ params: [(String, ArgKind, Bool)], returns: Returns, usage: String) {
        self.name = name
        self.receiver = receiver
        self.params = params.map { Param(name: $0.0, kind: $0.1, optional: $0.2) }
        self.returns = returns
        self.usage = usage
    }
}

public enum Vocabulary {
    public static let calls: [CallSignature] = [
        .init("socket", .function, [("family", .constant, true), ("type", .constant, true), ("proto", .constant, true)], returns: .socket,
              usage: "s = socket(AF_INET, SOCK_STREAM)"),
        .init("socketpair", .function, [("family", .constant, true), ("type", .constant, true), ("proto", .constant, true)], returns: .socketPair,
              usage: "a, b = socketpair()"),
        .init("create_connection", .function, [("address", .address, false), ("timeout", .timeout, true)], returns: .socket,
              usage: "c = create_connection(server.address)"),
        .init("create_server", .function, [("address", .address, false)], returns: .socket,
              usage: "server = create_server((\"127.0.0.1\", 0))"),
        .init("gethostname", .function, [], returns: .value, usage: "gethostname()"),
        .init("getaddrinfo", .function, [("host", .host, false), ("port", .port, false), ("family", .constant, true), ("type", .constant, true)], returns: .value,
              usage: "getaddrinfo(\"localhost\", 80)"),
        .init("getservbyname", .function, [("name", .string, false), ("proto", .string, true)], returns: .value,
              usage: "getservbyname(\"http\")"),
        .init("select", .function, [("rlist", .socketList, false), ("wlist", .socketList, false), ("xlist", .socketList, false), ("timeout", .timeout, true)], returns: .readyLists,
              usage: "r, w, x = select([server, conn], [], [], 0)"),

        .init("bind", .socket, [("address", .address, false)], returns: .nothing, usage: "s.bind((\"127.0.0.1\", 0))"),
        .init("listen", .socket, [("backlog", .int, true)], returns: .nothing, usage: "s.listen(5)"),
        .init("connect", .socket, [("address", .address, false)], returns: .nothing, usage: "c.connect(server.address)"),
        .init("connect_ex", .socket, [("address", .address, false)], returns: .value, usage: "c.connect_ex(server.address)"),
        .init("accept", .socket, [], returns: .socketAndAddress, usage: "conn, addr = server.accept()"),
        .init("send", .socket, [("data", .bytes, false), ("flags", .flags, true)], returns: .value, usage: "c.send(b\"hello\")"),
        .init("sendall", .socket, [("data", .bytes, false), ("flags", .flags, true)], returns: .nothing, usage: "c.sendall(b\"hello\")"),
        .init("sendto", .socket, [("data", .bytes, false), ("flags", .any, false), ("address", .address, true)], returns: .value,
              usage: "u.sendto(b\"ping\", other.address)"),
        .init("recv", .socket, [("bufsize", .int, false), ("flags", .flags, true)], returns: .value, usage: "conn.recv(1024)"),
        .init("recvall", .socket, [("count", .int, false), ("flags", .flags, true)], returns: .value,
              usage: "conn.recvall(1048576)"),
        .init("recvfrom", .socket, [("bufsize", .int, false), ("flags", .flags, true)], returns: .bytesAndAddress,
              usage: "data, addr = u.recvfrom(1024)"),
        .init("shutdown", .socket, [("how", .constant, false)], returns: .nothing, usage: "c.shutdown(SHUT_WR)"),
        .init("close", .socket, [], returns: .nothing, usage: "c.close()"),
        .init("getsockname", .socket, [], returns: .value, usage: "s.getsockname()"),
        .init("getpeername", .socket, [], returns: .value, usage: "c.getpeername()"),
        .init("setsockopt", .socket, [("level", .constant, false), ("option", .constant, false), ("value", .optionValue, false)], returns: .nothing,
              usage: "s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)"),
        .init("getsockopt", .socket, [("level", .constant, false), ("option", .constant, false), ("buflen", .int, true)], returns: .value,
              usage: "s.getsockopt(SOL_SOCKET, SO_RCVBUF)"),
        .init("settimeout", .socket, [("seconds", .timeout, false)], returns: .nothing, usage: "c.settimeout(0.05)"),
        .init("gettimeout", .socket, [], returns: .value, usage: "c.gettimeout()"),
        .init("setblocking", .socket, [("flag", .bool, false)], returns: .nothing, usage: "c.setblocking(False)"),
        .init("getblocking", .socket, [], returns: .value, usage: "c.getblocking()"),
        .init("fileno", .socket, [], returns: .value, usage: "c.fileno()"),
    ]

    /// Attributes that read the kernel's view of a socket without a call (`conn.state -> CLOSE_WAIT`).
    public static let attributes: [String: String] = [
        "address": "the address the socket is bound to (port 0 resolved to the real port)",
        "peer": "the address of the other end of a connection",
        "state": "the TCP state, as the kernel reports it (TCP_INFO)",
        "readable": "bytes waiting to be read (FIONREAD)",
        "unacked": "bytes sent but not yet acknowledged by the peer (SIOCOUTQ)",
        "pending": "connections waiting in a listening socket's accept queue",
        "backlog": "the accept queue's limit, as set by listen()",
        "family": "AF_INET, AF_INET6 or AF_UNIX",
        "type": "SOCK_STREAM or SOCK_DGRAM",
        "closed": "True once the socket was closed",
    ]

    private static let byName: [String: CallSignature] = Dictionary(calls.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

    public static func call(_ name: String) -> CallSignature? { byName[name] }
    public static var methodNames: [String] { calls.filter { $0.receiver == .socket }.map(\.name) }
    public static var functionNames: [String] { calls.filter { $0.receiver == .function }.map(\.name) }

    /// Words people reach for that Python spells differently.
    public static let commonMistakes: [String: String] = [
        "read": "recv", "write": "send", "receive": "recv", "recieve": "recv", "sendAll": "sendall",
        "send_all": "sendall", "recv_from": "recvfrom", "recv_all": "recvall", "recvexactly": "recvall", "send_to": "sendto", "disconnect": "close",
        "open": "connect", "getsockopts": "getsockopt", "set_timeout": "settimeout", "setnonblocking": "setblocking",
    ]
}

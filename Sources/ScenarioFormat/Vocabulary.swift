/// The step language's words: the calls (each defined once, in `CallDefinition.all`), the
/// attributes that read the kernel's view, and the misspellings people reach for.
/// Adding a call: one entry in CallTable.swift, its behaviour in Sources/Runner/Calls.swift
/// (see `CallDefinition`), and its tests.
public typealias CallSignature = CallDefinition

public enum Vocabulary {
    public static let calls: [CallDefinition] = CallDefinition.all

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

import ScenarioFormat

/// For each call: what it does, its man page, and how it is written in C. Read from the call's
/// one definition (`CallDefinition` in ScenarioFormat), so the explanations and the exports agree.
public struct CallEntry: Sendable {
    public var name: String
    public var summary: String
    public var detail: String
    public var manPage: String
    /// The C call, with `FD` standing for the socket's descriptor.
    public var c: String
}

public enum CallCatalog {
    public static let entries: [CallEntry] = Vocabulary.calls.map(CallEntry.init)

    /// Through the vocabulary's own table of the calls: a second table of every call, built at a
    /// command's first explained step, cost as much as explaining the step.
    public static func entry(_ name: String) -> CallEntry? { Vocabulary.call(name).map(CallEntry.init) }
}

extension CallEntry {
    init(_ call: CallDefinition) {
        self.init(name: call.name, summary: call.summary, detail: call.detail, manPage: call.manPage, c: call.cLine)
    }
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
    /// Sixteen names: looked through, not hashed (a table of them, built at a command's first
    /// explained step, cost more than every look-up of a run).
    public static func entry(_ name: String) -> StateEntry? { entries.first { $0.name == name } }
}

import Sockets

/// How a socket behaves when a call cannot finish at once, as Python's `settimeout` sets it.
public enum BlockingMode: Sendable, Hashable {
    case blocking
    case nonBlocking
    case timeout(Double)

    public var description: String {
        switch self {
        case .blocking: return "blocking"
        case .nonBlocking: return "non-blocking"
        case .timeout(let t): return "timeout \(Value.formatFloat(t))s"
        }
    }
}

/// One socket the run created. The descriptor itself is always O_NONBLOCK: the runner tries each call
/// without waiting and decides from the socket's Python mode what a real program would have seen.
final class SocketEntry {
    let id: Int
    var name: String
    let fd: SocketFD
    let family: Int32
    let type: Int32
    var mode: BlockingMode = .blocking
    /// SO_RCVTIMEO / SO_SNDTIMEO set with setsockopt: the kernel's own timeouts, emulated here.
    var receiveTimeout: Double?
    var sendTimeout: Double?
    var closed = false
    var parent: String?
    var backlog: Int?
    /// Kept after close so the kernel's view (TIME_WAIT...) can still be found in /proc/net/tcp.
    var lastLocal: SocketAddress?
    var lastPeer: SocketAddress?
    /// Where the last connect went: getpeername fails while a handshake is in SYN_SENT.
    var connectTarget: SocketAddress?
    /// Closed, and no longer in the kernel's table either: it cannot come back, so stop looking.
    var goneFromKernel = false
    /// The steps that changed it, for explaining later steps.
    var history = SocketHistory()

    init(id: Int, name: String, fd: SocketFD, family: Int32, type: Int32) {
        self.id = id
        self.name = name
        self.fd = fd
        self.family = family
        self.type = type
    }

    var isStream: Bool { type == SocketEntry.sockStream }
    var isTCP: Bool { isStream && family != SocketEntry.afUnix }
    private static let sockStream = SocketConstants.named("SOCK_STREAM")!.value
    private static let afUnix = SocketConstants.named("AF_UNIX")!.value
    var addressFamily: AddressFamily? { AddressFamily(cValue: family) }
}

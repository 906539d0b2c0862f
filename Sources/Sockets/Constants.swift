#if canImport(Glibc)
import Glibc
#endif

/// The named constants a step may use (`AF_INET`, `SO_REUSEADDR`, `MSG_PEEK`...), with their values
/// on this machine. Written once here so no other module needs the C headers.
public enum SocketConstants {
    public enum Kind: String, Sendable { case family, type, proto, level, option, flag, how }

    public struct Constant: Sendable, Hashable {
        public let name: String
        public let value: Int32
        public let kind: Kind
    }

    public static let all: [Constant] = [
        .init(name: "AF_INET", value: AF_INET, kind: .family),
        .init(name: "AF_INET6", value: AF_INET6, kind: .family),
        .init(name: "AF_UNIX", value: AF_UNIX, kind: .family),
        .init(name: "AF_UNSPEC", value: AF_UNSPEC, kind: .family),
        .init(name: "SOCK_STREAM", value: Int32(SOCK_STREAM.rawValue), kind: .type),
        .init(name: "SOCK_DGRAM", value: Int32(SOCK_DGRAM.rawValue), kind: .type),
        .init(name: "SOCK_SEQPACKET", value: Int32(SOCK_SEQPACKET.rawValue), kind: .type),
        .init(name: "SOCK_RAW", value: Int32(SOCK_RAW.rawValue), kind: .type),
        .init(name: "IPPROTO_IP", value: Int32(IPPROTO_IP), kind: .proto),
        .init(name: "IPPROTO_TCP", value: Int32(IPPROTO_TCP), kind: .proto),
        .init(name: "IPPROTO_UDP", value: Int32(IPPROTO_UDP), kind: .proto),
        .init(name: "IPPROTO_IPV6", value: Int32(IPPROTO_IPV6), kind: .proto),
        .init(name: "IPPROTO_SCTP", value: Int32(IPPROTO_SCTP), kind: .proto),
        .init(name: "SOL_SOCKET", value: SOL_SOCKET, kind: .level),
        .init(name: "SO_REUSEADDR", value: SO_REUSEADDR, kind: .option),
        .init(name: "SO_REUSEPORT", value: SO_REUSEPORT, kind: .option),
        .init(name: "SO_RCVBUF", value: SO_RCVBUF, kind: .option),
        .init(name: "SO_SNDBUF", value: SO_SNDBUF, kind: .option),
        .init(name: "SO_KEEPALIVE", value: SO_KEEPALIVE, kind: .option),
        .init(name: "SO_LINGER", value: SO_LINGER, kind: .option),
        .init(name: "SO_BROADCAST", value: SO_BROADCAST, kind: .option),
        .init(name: "SO_RCVTIMEO", value: SO_RCVTIMEO, kind: .option),
        .init(name: "SO_SNDTIMEO", value: SO_SNDTIMEO, kind: .option),
        .init(name: "SO_ERROR", value: SO_ERROR, kind: .option),
        .init(name: "SO_TYPE", value: SO_TYPE, kind: .option),
        .init(name: "SO_ACCEPTCONN", value: SO_ACCEPTCONN, kind: .option),
        .init(name: "TCP_NODELAY", value: Int32(TCP_NODELAY), kind: .option),
        .init(name: "TCP_USER_TIMEOUT", value: Int32(TCP_USER_TIMEOUT), kind: .option),
        .init(name: "IPV6_V6ONLY", value: Int32(IPV6_V6ONLY), kind: .option),
        .init(name: "IP_MULTICAST_LOOP", value: Int32(IP_MULTICAST_LOOP), kind: .option),
        .init(name: "IP_MULTICAST_TTL", value: Int32(IP_MULTICAST_TTL), kind: .option),
        .init(name: "IP_ADD_MEMBERSHIP", value: Int32(IP_ADD_MEMBERSHIP), kind: .option),
        .init(name: "IP_DROP_MEMBERSHIP", value: Int32(IP_DROP_MEMBERSHIP), kind: .option),
        .init(name: "IP_MULTICAST_IF", value: Int32(IP_MULTICAST_IF), kind: .option),
        .init(name: "MSG_PEEK", value: Int32(MSG_PEEK), kind: .flag),
        .init(name: "MSG_OOB", value: Int32(MSG_OOB), kind: .flag),
        .init(name: "MSG_WAITALL", value: Int32(MSG_WAITALL), kind: .flag),
        .init(name: "MSG_DONTWAIT", value: Int32(MSG_DONTWAIT), kind: .flag),
        .init(name: "SHUT_RD", value: Int32(SHUT_RD), kind: .how),
        .init(name: "SHUT_WR", value: Int32(SHUT_WR), kind: .how),
        .init(name: "SHUT_RDWR", value: Int32(SHUT_RDWR), kind: .how),
    ]

    private static let byName: [String: Constant] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

    public static func named(_ name: String) -> Constant? { byName[name] }

    /// The name of `value` among constants of `kind` (several options share numbers across levels,
    /// so the kind, and for options the level, disambiguates).
    public static func name(of value: Int32, kind: Kind, level: Int32? = nil) -> String? {
        if kind == .option, let level {
            let names: [String]
            switch level {
            case SOL_SOCKET: names = ["SO_REUSEADDR", "SO_REUSEPORT", "SO_RCVBUF", "SO_SNDBUF", "SO_KEEPALIVE", "SO_LINGER", "SO_BROADCAST", "SO_RCVTIMEO", "SO_SNDTIMEO", "SO_ERROR", "SO_TYPE", "SO_ACCEPTCONN"]
            case Int32(IPPROTO_TCP): names = ["TCP_NODELAY", "TCP_USER_TIMEOUT"]
            case Int32(IPPROTO_IPV6): names = ["IPV6_V6ONLY"]
            case Int32(IPPROTO_IP): names = ["IP_MULTICAST_LOOP", "IP_MULTICAST_TTL", "IP_ADD_MEMBERSHIP", "IP_DROP_MEMBERSHIP", "IP_MULTICAST_IF"]
            default: names = []
            }
            return names.first { byName[$0]?.value == value }
        }
        return all.first { $0.kind == kind && $0.value == value }?.name
    }
}

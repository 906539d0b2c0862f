import Sockets

/// Loopback only: 127.0.0.0/8, ::1, `localhost`, and Unix paths inside the run's own directory.
/// The checker applies it to what it can see; the runner applies it again to every real address.
public enum AddressPolicy {
    public struct Refusal: Error, Hashable, Sendable {
        public var message: String
        public var help: String
    }

    /// Multicast groups a lesson may use: 239.0.0.0/8 (organisation-local), sent with TTL 0 on loopback.
    public static func isAllowedMulticast(_ host: String) -> Bool {
        SocketAddress.isMulticastIPv4(host) && host.hasPrefix("239.")
    }

    /// Checks a host as written in a step.
    public static func check(host: String) -> Refusal? {
        if host == "localhost" || host == "ip6-localhost" { return nil }
        if host.isEmpty || host == "0.0.0.0" || host == "::" || host == "<any>" {
            return Refusal(message: "\(host.isEmpty ? "the empty address `\"\"`" : "`\(host)`") means every network interface, not only loopback",
                           help: "use \"127.0.0.1\" (or \"::1\" for IPv6): sockstep keeps every socket on this machine")
        }
        if SocketAddress.isValidIPv4(host) {
            if SocketAddress.isLoopbackIPv4(host) || isAllowedMulticast(host) { return nil }
            if SocketAddress.isMulticastIPv4(host) {
                return Refusal(message: "the multicast group \(host) is outside the range sockstep allows",
                               help: "use a group in 239.0.0.0/8, such as \"239.1.2.3\": sockstep sends to it on loopback only")
            }
            return Refusal(message: "\(host) is not a loopback address",
                           help: "sockstep only talks to 127.0.0.0/8 and ::1, so a lesson from anywhere is safe to run; use \"127.0.0.1\"")
        }
        if SocketAddress.isValidIPv6(host) {
            if SocketAddress.isLoopbackIPv6(host) { return nil }
            return Refusal(message: "\(host) is not a loopback address",
                           help: "for IPv6 loopback use \"::1\"")
        }
        return Refusal(message: "`\(host)` is a host name; sockstep looks up only `localhost`",
                       help: "use \"127.0.0.1\" or \"localhost\": other names would need DNS and could leave this machine")
    }

    public static func check(port: Int) -> Refusal? {
        guard port < 0 || port > 65535 else { return nil }
        return Refusal(message: "port \(port) is out of range: a port is a 16-bit number, from 0 to 65535",
                       help: "use port 0 and let the kernel choose a free port; Python raises OverflowError before any system call (expect it with `-> OverflowError`)")
    }

    /// Unix paths are plain names resolved inside the run's own temporary directory.
    public static func check(unixPath: String) -> Refusal? {
        if unixPath.isEmpty { return Refusal(message: "an empty Unix socket path", help: "use a name like \"echo.sock\"") }
        if unixPath.hasPrefix("\0") {
            return Refusal(message: "abstract Unix socket names are not supported", help: "use a name like \"echo.sock\"; sockstep creates it in the run's own directory")
        }
        if unixPath.hasPrefix("/") || unixPath.split(separator: "/").contains("..") {
            return Refusal(message: "the Unix socket path \(unixPath) is outside the run's directory",
                           help: "write a plain name like \"echo.sock\": each run gets its own directory, created and removed by sockstep")
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The process's own network: a network namespace in which only loopback exists, entered by the
/// process itself before any thread or socket exists. Inside it loopback-only is guaranteed by the
/// kernel, no port collides with anything else on the machine, a program the grader starts inherits
/// it (so it cannot reach any other address), and the loopback can be captured (`PacketCapture`).
///
/// Unprivileged users get it through a user namespace (`unshare(CLONE_NEWUSER)`, then the uid and
/// gid maps, then `CLONE_NEWNET`); root needs only `CLONE_NEWNET`. Where the system forbids it,
/// `status` says why, and everything works on the machine's own loopback as before.
///
/// An unprivileged user keeps the rights they have outside: their own uid and gid are mapped to
/// themselves, and the capabilities the namespace gives its creator are put away once `lo` is up
/// (see `Rights`). So a step that binds port 80 fails with EACCES as it does without sockstep, and a
/// program the grader starts is an ordinary process (its raw socket fails with EPERM).
public enum PrivateNetwork {
    public enum Status: Sendable, Hashable {
        /// `enter` was never called (the library used in-process, as the tests do).
        case notTried
        /// The process runs in its own network namespace with `lo` up.
        case entered
        /// The system (or `SOCKSTEP_NETNS`) refused: the reason, in one sentence.
        case unavailable(String)

        public var isEntered: Bool { self == .entered }
        public var reason: String? { if case .unavailable(let r) = self { return r }; return nil }
    }

    /// Set once, by `enter`, before any other thread exists; read afterwards.
    nonisolated(unsafe) private static var current: Status = .notTried

    public static var status: Status { current }

    /// True for root, who may capture the machine's own loopback too (tests use it).
    public static var isRoot: Bool { geteuid() == 0 }

    /// The environment variable that turns the private network off (`off`) or simulates the
    /// kernel refusing it (`refuse`), so the fallback path can be tested on any machine.
    public static let environmentVariable = "SOCKSTEP_NETNS"

    private static let CLONE_NEWNET: Int32 = 0x4000_0000
    private static let CLONE_NEWUSER: Int32 = 0x1000_0000

    /// Enters a private network namespace. Call it first thing in `main`: a user namespace can only
    /// be entered while the process has one thread. Idempotent: a second call returns the status.
    @discardableResult
    public static func enter() -> Status {
        guard current == .notTried else { return current }
        current = attempt()
        return current
    }

    private static func attempt() -> Status {
        if let v = getenv(environmentVariable).map({ String(cString: $0) }) {
            if v == "off" { return .unavailable("turned off by \(environmentVariable)=off") }
            if v == "refuse" { return .unavailable("the kernel refused a private network namespace (simulated by \(environmentVariable)=refuse)") }
        }
        // Root (with CAP_SYS_ADMIN) needs no user namespace; a container may deny it, and then the
        // unprivileged path below is the one that can still work.
        var netReady = geteuid() == 0 && glibc_unshare(CLONE_NEWNET) == 0
        if !netReady {
            let uid = getuid(), gid = getgid()
            if glibc_unshare(CLONE_NEWUSER) != 0 { return .unavailable(explain(errno, what: "a user namespace")) }
            // Our own uid and gid, the same inside as outside (not root: a program exec'd in the
            // namespace then starts without capabilities, as it would outside).
            guard write("/proc/self/setgroups", "deny") || errno == ENOENT,
                  write("/proc/self/uid_map", "\(uid) \(uid) 1\n"),
                  write("/proc/self/gid_map", "\(gid) \(gid) 1\n") else {
                return .unavailable("could not write this user namespace's uid/gid maps (\(Errno(rawValue: errno).name))")
            }
            if glibc_unshare(CLONE_NEWNET) != 0 { return .unavailable(explain(errno, what: "a network namespace")) }
            netReady = true
        }
        // A new namespace has only `lo`, and it is down: bring it up (127.0.0.1/8 and ::1 come with it).
        if let e = bringLoopbackUp() {
            return .unavailable("the private network's loopback could not be brought up (\(e.name)); no socket can work")
        }
        // The user namespace gave every capability; keep only the capture's, and not in effect.
        if geteuid() != 0 { Rights.putAway() }
        return .entered
    }

    /// The capabilities a user namespace gives its creator, which an unprivileged user does not
    /// have outside it. Only the capture needs one: CAP_NET_RAW, for its raw sockets. (Their large
    /// receive buffers, SO_RCVBUFFORCE, need CAP_NET_ADMIN outside any namespace, so here the
    /// capture asks for SO_RCVBUF instead.) It stays permitted, out of effect, and is raised on the
    /// calling thread only while a capture opens (capabilities are per thread; threads started
    /// later inherit the lowered set). Should the kernel refuse the change (it has no reason to),
    /// the rights stay as the namespace gave them.
    enum Rights {
        static let CAP_NET_RAW: UInt32 = 13
        static let captureRights: UInt32 = 1 << CAP_NET_RAW
        /// Set once, by `putAway`, before any other thread exists.
        nonisolated(unsafe) static var putAwayRights = false

        /// Effective: none; permitted: the capture's; inheritable: none.
        static func putAway() {
            if set(effective: 0, permitted: captureRights) { putAwayRights = true }
        }

        /// Runs `body` with the capture's capabilities in effect on this thread, when they were put away.
        static func whileOpeningCapture<T>(_ body: () -> T) -> T {
            guard putAwayRights else { return body() }
            _ = set(effective: captureRights, permitted: captureRights)
            defer { _ = set(effective: 0, permitted: captureRights) }
            return body()
        }

        /// capset(2), version 3 (two 32-bit words per set; every capability here is in the first).
        private static func set(effective: UInt32, permitted: UInt32) -> Bool {
            var header: (UInt32, Int32) = (0x2008_0522, 0)
            var data: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (effective, permitted, 0, 0, 0, 0)
            return withUnsafeMutableBytes(of: &header) { h in
                withUnsafeMutableBytes(of: &data) { glibc_capset(h.baseAddress!, $0.baseAddress!) }
            } == 0
        }
    }

    private static func explain(_ e: Int32, what: String) -> String {
        switch e {
        case EPERM, EACCES: return "this system does not allow unprivileged users to create \(what) (see kernel.unprivileged_userns_clone, user.max_user_namespaces, or an AppArmor/SELinux policy)"
        case EINVAL: return "the process already runs several threads, so it cannot enter \(what)"
        case ENOSPC, EUSERS: return "the limit on namespaces is reached (user.max_user_namespaces or user.max_net_namespaces)"
        case ENOSYS: return "this kernel has no namespaces"
        default: return "creating \(what) failed (\(Errno(rawValue: e).name))"
        }
    }

    private static func write(_ path: String, _ text: String) -> Bool {
        let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { _ = Glibc.close(fd) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
    }

    static let SIOCGIFFLAGS: UInt = 0x8913
    static let SIOCSIFFLAGS: UInt = 0x8914

    /// `ip link set lo up`, with the ioctl `ifconfig` uses. Returns the errno if it failed.
    static func bringLoopbackUp() -> Errno? {
        let s = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { return Errno(rawValue: errno) }
        defer { _ = Glibc.close(s) }
        // struct ifreq: the name (16 bytes), then a union whose first short is ifr_flags.
        var ifr = [UInt8](repeating: 0, count: 40)
        ifr[0] = UInt8(ascii: "l"); ifr[1] = UInt8(ascii: "o")
        guard ioctl(s, SIOCGIFFLAGS, &ifr) == 0 else { return Errno(rawValue: errno) }
        if ifr[16] & UInt8(IFF_UP) != 0 { return nil }
        ifr[16] |= UInt8(IFF_UP)
        guard ioctl(s, SIOCSIFFLAGS, &ifr) == 0 else { return Errno(rawValue: errno) }
        return nil
    }
}

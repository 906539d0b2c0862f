#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The process's own network: a network namespace in which only loopback exists, entered by the
/// process itself before any socket exists (`begin`, then `settle`). Inside it loopback-only is
/// guaranteed by the kernel, no port collides with anything else on the machine, a program the
/// grader starts inherits it (so it cannot reach any other address), and the loopback can be
/// captured (`PacketCapture`).
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
        /// Neither `begin` nor `enter` was called (the library used in-process, as the tests do).
        case notTried
        /// The process runs in its own network namespace with `lo` up.
        case entered
        /// The system (or `SOCKSTEP_NETNS`) refused: the reason, in one sentence.
        case unavailable(String)

        public var isEntered: Bool { self == .entered }
        public var reason: String? { if case .unavailable(let r) = self { return r }; return nil }
    }

    /// Set by `begin` and `settle`, on the main thread, before any thread but the helper exists.
    nonisolated(unsafe) private static var current: Outcome = .notTried

    private enum Outcome: Equatable {
        case notTried, entered
        case refused(Refusal)
    }

    /// Where the private network stands. While its namespace is being made on the helper thread,
    /// asking waits for it (so ask on the main thread: every other thread starts after it is in).
    public static var status: Status {
        settle()
        switch current {
        case .notTried: return .notTried
        case .entered: return .entered
        case .refused(let why): return .unavailable(why.sentence)
        }
    }

    /// Why there is no private network, kept as numbers until `status` is read. `begin` runs before
    /// main (see Sources/sockstep/BeforeMain.swift), before the runtime seeds its hashing, so it
    /// must not build a Dictionary, and the errno names are one.
    enum Refusal: Equatable {
        case turnedOff, simulated
        /// unshare(CLONE_NEWUSER) failed with this errno.
        case userNamespace(Int32)
        /// Writing the user namespace's uid or gid map failed.
        case maps(Int32)
        /// unshare(CLONE_NEWNET) failed.
        case network(Int32)
        /// `lo` could not be brought up.
        case loopback(Int32)

        var sentence: String {
            switch self {
            case .turnedOff: return "turned off by \(environmentVariable)=off"
            case .simulated: return "the kernel refused a private network namespace (simulated by \(environmentVariable)=refuse)"
            case .userNamespace(let e): return explain(e, what: "a user namespace")
            case .maps(let e): return "could not write this user namespace's uid/gid maps (\(Errno(rawValue: e).name))"
            case .network(let e): return explain(e, what: "a network namespace")
            case .loopback(let e): return "the private network's loopback could not be brought up (\(Errno(rawValue: e).name)), so nothing in this run can reach 127.0.0.1 or ::1"
            }
        }
    }

    /// Whether the process is in its private network but `lo` there could not be brought up: the
    /// one refusal after which the steps do not run on the machine's loopback as usual (the
    /// process cannot go back to the machine's network: a user namespace may not enter it).
    public static var loopbackIsMissing: Bool {
        settle()
        if case .refused(.loopback) = current { return true }
        return false
    }

    /// True for root, who may capture the machine's own loopback too (tests use it).
    public static var isRoot: Bool { geteuid() == 0 }

    /// The environment variable that turns the private network off (`off`) or simulates the
    /// kernel refusing it (`refuse`), so the fallback path can be tested on any machine.
    public static let environmentVariable = "SOCKSTEP_NETNS"

    private static let CLONE_NEWNET: Int32 = 0x4000_0000
    private static let CLONE_NEWUSER: Int32 = 0x1000_0000

    /// Enters a private network namespace, waiting until it is in. Idempotent: a second call
    /// returns the status. Call it (or `begin`) first thing in `main`: a user namespace can only be
    /// entered while the process has one thread.
    @discardableResult
    public static func enter() -> Status {
        begin()
        return status
    }

    /// Starts entering the private network and returns at once. The kernel takes half a
    /// millisecond to make a network namespace (mostly registering its sysctl tables), so a helper
    /// thread on another CPU makes it while this one reads the lesson. `settle` then moves this
    /// thread in with setns(2); every call of this module that depends on the network makes it
    /// first (a socket, a thread, a spawned program, /proc/net). Call it on the main thread while
    /// the process has one thread: the `sockstep` executable calls it before main. It must not
    /// hash (a Set, a Dictionary, an errno's name): before main the runtime has not seeded hashing.
    public static func begin() {
        guard current == .notTried, phase == .idle else { return }
        if let v = getenv(environmentVariable) {
            if CString.equal(v, "off") { current = .refused(.turnedOff); return }
            if CString.equal(v, "refuse") { current = .refused(.simulated); return }
        }
        // Root with CAP_SYS_ADMIN needs no user namespace. Anyone else (root in a container that
        // dropped it, too) makes one here, while this is the only thread, and the network
        // namespace inside it.
        if !(isRoot && Rights.haveSystemAdministration()) {
            if let refused = enterUserNamespace() { current = .refused(refused); return }
            inUserNamespace = true
        }
        // The helper's first descriptor goes high (see `ArrivalStamps`): the table grown first.
        PacketCapture.growDescriptorTable()
        if !startHelper() { current = finish(makeNetwork()) }
    }

    /// Waits for the helper, if one is making the namespace, enters what it made, and waits for
    /// its `lo` to be up. Should the helper have failed to make the namespace, or its namespace not
    /// be enterable, this thread makes one itself, as without a helper (and says why if that fails
    /// too). Should `lo` not come up, this thread stays in the namespace and `status` says why, as
    /// when this thread brings it up itself.
    static func settle() {
        enterNamespace()
        awaitLoopback()
    }

    /// The first half of `settle`: this thread in the helper's namespace, whose `lo` the helper may
    /// still be bringing up (or in one it made itself, with `lo` up, should the helper have failed).
    private static func enterNamespace() {
        guard phase == .makingNamespace else { return }
        phase = .idle
        let made = awaitHelper { helperResult.load(ordering: .acquiring) }
        if made >= 0 {
            defer { _ = Glibc.close(made) }
            if glibc_setns(made, CLONE_NEWNET) == 0 {
                phase = .bringingUpLoopback
                return
            }
        }
        // The fallback may make a user namespace, which needs this to be the only thread again.
        if let thread = helper { _ = pthread_join(thread, nil) }
        helper = nil
        current = finish(makeNetwork())
    }

    /// The second half of `settle`: the helper has brought `lo` up (or says why it could not).
    private static func awaitLoopback() {
        guard phase == .bringingUpLoopback else { return }
        phase = .idle
        let e = awaitHelper { loopbackResult.load(ordering: .acquiring) }
        // The helper is ending by itself; nothing waits for it.
        if let thread = helper { _ = pthread_detach(thread) }
        helper = nil
        current = finish(e == 0 ? .here : .refused(.loopback(e)))
    }

    /// What the helper published, waited for without sleeping. The helper publishes each result
    /// the moment it has it; waiting in pthread_join cost 90-180 µs more here: the helper's own
    /// exit (glibc's thread teardown, the kernel's), then waking this thread's idle CPU. The wait
    /// spins for at most 2 ms (the helper alone takes about 0.5 ms) and then blocks in
    /// pthread_join, so a helper kept from its CPU by a busy machine costs a sleep, not a CPU
    /// spinning for nothing. It has published everything by the time it has ended, so once it
    /// is joined (`helper` nil) nothing waited for is still `helperWorking`.
    private static func awaitHelper(_ published: () -> Int32) -> Int32 {
        var value = published()
        if value != helperWorking { return value }
        let deadline = monotonicNanoseconds() + 2_000_000
        var spins = 0
        while value == helperWorking {
            spins += 1
            if spins % 256 == 0 && monotonicNanoseconds() > deadline, let thread = helper {
                _ = pthread_join(thread, nil)
                helper = nil
                return published()
            }
            value = published()
        }
        return value
    }

    private static func monotonicNanoseconds() -> Int {
        var t = timespec()
        _ = clock_gettime(CLOCK_MONOTONIC, &t)
        return t.tv_sec * 1_000_000_000 + t.tv_nsec
    }

    /// Whether this process made a user namespace (everyone but root with CAP_SYS_ADMIN).
    nonisolated(unsafe) private static var inUserNamespace = false

    /// The helper thread, until something joins or detaches it.
    nonisolated(unsafe) private static var helper: pthread_t?

    /// Where the helper stands, as the main thread last saw it.
    private enum Phase {
        /// No helper (none was started, or it is done with).
        case idle
        /// It is making the namespace; `helperResult` tells when it has.
        case makingNamespace
        /// This thread is in the helper's namespace; `loopbackResult` tells when `lo` is up.
        case bringingUpLoopback
    }
    nonisolated(unsafe) private static var phase: Phase = .idle

    /// What the helper made, published by it the moment it is made: its namespace
    /// (/proc/thread-self/ns/net, a descriptor for the main thread to enter with setns(2)), -1 if
    /// it failed, or `helperWorking` until then. It then brings that namespace's `lo` up and
    /// publishes `loopbackResult`: 0 once it is up, else the errno. Publishing the namespace first
    /// lets the main thread enter it while `lo` comes up (0.1 ms here), and its first
    /// calls of this module that need the network (the capture's, or a step's) wait for `lo`.
    private static let helperResult = Atomic<Int32>(helperWorking)
    private static let loopbackResult = Atomic<Int32>(helperWorking)
    private static let helperWorking: Int32 = -2

    enum Made {
        /// The calling thread is in the namespace.
        case here
        /// unshare(CLONE_NEWNET) failed with this errno.
        case unshareFailed(Int32)
        /// Something else failed.
        case refused(Refusal)
    }

    /// unshare(CLONE_NEWNET) and `lo` up, on the calling thread.
    private static func makeNetwork() -> Made {
        if glibc_unshare(CLONE_NEWNET) != 0 { return .unshareFailed(errno) }
        // A new namespace has only `lo`, and it is down: bring it up (127.0.0.1/8 and ::1 come with it).
        if let e = bringLoopbackUp() { return .refused(.loopback(e.rawValue)) }
        return .here
    }

    /// Turns what was made into the status, falling back to a user namespace where root's own
    /// unshare was refused. A user namespace's rights are put away whatever the outcome.
    private static func finish(_ made: Made) -> Outcome {
        // The user namespace gave every capability; keep only the capture's, and not in effect.
        defer { if inUserNamespace && !isRoot { Rights.putAway() } }
        switch made {
        case .here:
            return .entered
        case .refused(let why):
            return .refused(why)
        case .unshareFailed(let e):
            // Root whose CLONE_NEWNET was refused (a container's policy): a user namespace can
            // still work. The helper has ended, so this is the only thread again.
            guard isRoot && !inUserNamespace else { return .refused(.network(e)) }
            if let refused = enterUserNamespace() { return .refused(refused) }
            inUserNamespace = true
            return finish(makeNetwork())
        }
    }

    /// unshare(CLONE_NEWUSER), with our own uid and gid mapped to themselves (not to root: a
    /// program exec'd in the namespace then starts without capabilities, as it would outside).
    /// Returns why not, or nil once in.
    private static func enterUserNamespace() -> Refusal? {
        let uid = getuid(), gid = getgid()
        // A joined thread can count for a moment after its join (EINVAL): the kernel wakes the
        // joiner just before it unlinks the thread, so a few yields see it gone.
        var yields = 0
        while glibc_unshare(CLONE_NEWUSER) != 0 {
            guard errno == EINVAL, yields < 1000 else { return .userNamespace(errno) }
            yields += 1
            sched_yield()
        }
        guard write("/proc/self/setgroups", "deny") || errno == ENOENT,
              write("/proc/self/uid_map", "\(uid) \(uid) 1\n"),
              write("/proc/self/gid_map", "\(gid) \(gid) 1\n") else {
            return .maps(errno)
        }
        return nil
    }

    /// Starts the helper that makes the network namespace, pinned to a CPU other than this one: a
    /// new thread otherwise waits on this CPU until this one blocks, and nothing is gained. False
    /// when there is no other CPU or no thread could start; the caller then makes it itself.
    private static func startHelper() -> Bool {
        // cpu_set_t masks (1024 bits), on the stack: the process's first arrays would cost their
        // code's first page faults before the helper starts.
        var allowed = CPUSet(), mask = CPUSet()
        guard allowed.withBytes({ glibc_sched_getaffinity(0, $0.count, $0.baseAddress!) }) == 0 else { return false }
        let here = Int(glibc_sched_getcpu())
        guard let other = (0..<1024).first(where: { $0 != here && allowed.contains($0) }) else { return false }
        mask.insert(other)
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, max(256 * 1024, Int(PTHREAD_STACK_MIN)))
        guard mask.withBytes({ glibc_pthread_attr_setaffinity_np(&attr, $0.count, $0.baseAddress!) }) == 0 else { return false }
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { _ in
            // Stamping comes on from a kernel work item a moment after it is asked for (see
            // `ArrivalStamps`): asked here, on the machine's loopback, before the namespace is
            // made, and usually confirmed below, before the main thread's capture needs it.
            ArrivalStamps.request()
            var made: Int32 = -1
            if glibc_unshare(PrivateNetwork.CLONE_NEWNET) == 0 {
                made = Glibc.open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
            }
            PrivateNetwork.helperResult.store(made < 0 ? -1 : made, ordering: .releasing)
            guard made >= 0 else { return nil }
            let up = PrivateNetwork.bringLoopbackUp()
            PrivateNetwork.loopbackResult.store(up?.rawValue ?? 0, ordering: .releasing)
            ArrivalStamps.tryToConfirm()
            return nil
        }, nil)
        guard rc == 0 else { return false }
        helper = thread
        phase = .makingNamespace
        return true
    }

    /// A cpu_set_t: one bit per CPU, 1024 of them.
    struct CPUSet {
        private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

        mutating func withBytes<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
            withUnsafeMutableBytes(of: &words, body)
        }
        func contains(_ cpu: Int) -> Bool {
            withUnsafeBytes(of: words) { $0.load(fromByteOffset: cpu / 64 * 8, as: UInt64.self) & (1 << UInt64(cpu % 64)) != 0 }
        }
        mutating func insert(_ cpu: Int) {
            withBytes { b in
                let word = b.load(fromByteOffset: cpu / 64 * 8, as: UInt64.self)
                b.storeBytes(of: word | 1 << UInt64(cpu % 64), toByteOffset: cpu / 64 * 8, as: UInt64.self)
            }
        }
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

        static let CAP_SYS_ADMIN: UInt32 = 21

        /// Whether CAP_SYS_ADMIN is in effect, which unshare(CLONE_NEWNET) needs without a user
        /// namespace (root in a container often lacks it).
        static func haveSystemAdministration() -> Bool {
            guard let now = capabilities(setting: nil) else { return false }
            return now.effective & (1 << CAP_SYS_ADMIN) != 0
        }

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

        private static func set(effective: UInt32, permitted: UInt32) -> Bool {
            capabilities(setting: (effective, permitted)) != nil
        }

        /// capset(2) with `setting`, or capget(2) without: version 3, two 32-bit words per set, and
        /// every capability here is in the first. The effective and permitted words, or nil if refused.
        private static func capabilities(setting: (effective: UInt32, permitted: UInt32)?) -> (effective: UInt32, permitted: UInt32)? {
            var header: (UInt32, Int32) = (0x2008_0522, 0)
            var data: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (setting?.effective ?? 0, setting?.permitted ?? 0, 0, 0, 0, 0)
            let rc = withUnsafeMutableBytes(of: &header) { h in
                withUnsafeMutableBytes(of: &data) {
                    setting == nil ? glibc_capget(h.baseAddress!, $0.baseAddress!) : glibc_capset(h.baseAddress!, $0.baseAddress!)
                }
            }
            return rc == 0 ? (data.0, data.1) : nil
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
        // struct ifreq (40 bytes): the name (16 bytes), then a union whose first short is
        // ifr_flags. On the stack: the helper thread that runs this then needs no malloc arena
        // of its own (four system calls and a first page of it).
        var request: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &request) { ifr -> Errno? in
            ifr[0] = UInt8(ascii: "l"); ifr[1] = UInt8(ascii: "o")
            guard ioctl(s, SIOCGIFFLAGS, ifr.baseAddress!) == 0 else { return Errno(rawValue: errno) }
            if ifr[16] & UInt8(IFF_UP) != 0 { return nil }
            ifr[16] |= UInt8(IFF_UP)
            guard ioctl(s, SIOCSIFFLAGS, ifr.baseAddress!) == 0 else { return Errno(rawValue: errno) }
            return nil
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A socket descriptor: a typed raw value so it cannot be mixed up with other integers.
public struct SocketFD: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// One thin wrapper per socket call. Every call goes through the errno funnel; none of them
/// `precondition`s on EBADF or EINVAL, because a lesson may cause those on purpose.
public enum Posix {
    public static func socket(family: Int32, type: Int32, proto: Int32) -> Result<SocketFD, Errno> {
        PrivateNetwork.settle()   // in the private network, if one is being entered
        // Close-on-exec, so a program started by the grader never inherits a lesson's socket.
        return syscall { Glibc.socket(family, type | Int32(SOCK_CLOEXEC.rawValue), proto) }.map(SocketFD.init)
    }

    public static func socketpair(family: Int32, type: Int32, proto: Int32) -> Result<(SocketFD, SocketFD), Errno> {
        PrivateNetwork.settle()
        var fds: [Int32] = [-1, -1]
        return syscall { Glibc.socketpair(family, type | Int32(SOCK_CLOEXEC.rawValue), proto, &fds) }
            .map { _ in (SocketFD(rawValue: fds[0]), SocketFD(rawValue: fds[1])) }
    }

    public static func bind(_ fd: SocketFD, _ address: SocketAddress) -> Result<Void, Errno> {
        guard let r = address.withSockaddr({ sa, len in syscall { Glibc.bind(fd.rawValue, sa, len) } }) else {
            return .failure(.EINVAL)
        }
        return r.discarded
    }

    public static func listen(_ fd: SocketFD, backlog: Int32) -> Result<Void, Errno> {
        syscall { Glibc.listen(fd.rawValue, backlog) }.discarded
    }

    /// EINPROGRESS comes back as `.failed(.EINPROGRESS)` (the caller decides whether to wait).
    public static func connect(_ fd: SocketFD, _ address: SocketAddress) -> Result<Void, Errno> {
        guard let r = address.withSockaddr({ sa, len in syscall { Glibc.connect(fd.rawValue, sa, len) } }) else {
            return .failure(.EINVAL)
        }
        return r.discarded
    }

    /// Dissolves a UDP socket's association (connect with AF_UNSPEC).
    public static func disconnect(_ fd: SocketFD) -> Result<Void, Errno> {
        var sa = sockaddr()
        sa.sa_family = sa_family_t(AF_UNSPEC)
        return syscall { Glibc.connect(fd.rawValue, &sa, socklen_t(MemoryLayout<sockaddr>.size)) }.discarded
    }

    /// accept4 sets close-on-exec atomically, so a program the grader starts at that moment cannot
    /// inherit the new socket.
    public static func accept(_ fd: SocketFD) -> IOResult<(SocketFD, SocketAddress?)> {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let r = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                ioSyscall { glibc_accept4(fd.rawValue, sa, &len, Int32(SOCK_CLOEXEC.rawValue)) }
            }
        }
        switch r {
        case .done(let newFD):
            return .done((SocketFD(rawValue: newFD), SocketAddress(storage: storage, length: len)))
        case .wouldBlock: return .wouldBlock
        case .failed(let e): return .failed(e)
        }
    }

    /// Sends with MSG_NOSIGNAL: a lesson wants to show EPIPE, not die of SIGPIPE.
    public static func send(_ fd: SocketFD, _ bytes: [UInt8], flags: Int32 = 0, to address: SocketAddress? = nil) -> IOResult<Int> {
        let allFlags = flags | Int32(MSG_NOSIGNAL)
        return bytes.withUnsafeBytes { buf in
            if let address {
                guard let r = address.withSockaddr({ sa, len in
                    ioSyscall { Glibc.sendto(fd.rawValue, buf.baseAddress, buf.count, allFlags, sa, len) }
                }) else { return .failed(.EINVAL) }
                return r
            }
            return ioSyscall { Glibc.send(fd.rawValue, buf.baseAddress, buf.count, allFlags) }
        }
    }

    public struct Received: Sendable {
        public var bytes: [UInt8]
        public var from: SocketAddress?
        /// The datagram was longer than the buffer: the rest was discarded (MSG_TRUNC).
        public var truncated: Bool
        /// The datagram's full length when it was truncated.
        public var fullLength: Int
    }

    /// recvmsg, so a truncated datagram is noticed (MSG_TRUNC) and the sender's address is read.
    /// For a datagram socket pass `datagram: true`: MSG_TRUNC then makes the kernel return the
    /// datagram's real length (on a TCP socket the same flag would discard the data instead).
    public static func receive(_ fd: SocketFD, max: Int, flags: Int32 = 0, datagram: Bool = false) -> IOResult<Received> {
        var buffer = [UInt8](repeating: 0, count: Swift.max(max, 0))
        var storage = sockaddr_storage()
        let r: IOResult<Int>
        var msgFlags: Int32 = 0
        var nameLen: socklen_t = 0
        let callFlags = datagram ? flags | Int32(MSG_TRUNC) : flags
        r = buffer.withUnsafeMutableBytes { buf in
            withUnsafeMutableBytes(of: &storage) { name in
                ioSyscall {
                    let m = Message.receive(fd.rawValue, into: buf, name: name, flags: callFlags)
                    msgFlags = m.flags
                    nameLen = m.nameLength
                    return m.count
                }
            }
        }
        switch r {
        case .done(let n):
            let kept = Swift.min(n, buffer.count)
            let from = nameLen > 0 ? SocketAddress(storage: storage, length: nameLen) : nil
            let truncated = (msgFlags & Int32(MSG_TRUNC)) != 0
            return .done(Received(bytes: Array(buffer[0..<kept]), from: from, truncated: truncated, fullLength: n))
        case .wouldBlock: return .wouldBlock
        case .failed(let e): return .failed(e)
        }
    }

    public static func shutdown(_ fd: SocketFD, how: Int32) -> Result<Void, Errno> {
        syscall { Glibc.shutdown(fd.rawValue, how) }.discarded
    }

    /// A second descriptor for the same socket, close-on-exec, as Python's `socket.dup()` makes it
    /// (`fcntl(fd, F_DUPFD_CLOEXEC, 0)`).
    public static func dup(_ fd: SocketFD) -> Result<SocketFD, Errno> {
        syscall { Glibc.fcntl(fd.rawValue, F_DUPFD_CLOEXEC, 0) }.map(SocketFD.init)
    }

    /// Closes exactly once; EINTR is not retried on close (the descriptor is gone either way on Linux).
    public static func close(_ fd: SocketFD) -> Result<Void, Errno> {
        Glibc.close(fd.rawValue) == 0 ? .success(()) : .failure(Errno(rawValue: errno))
    }

    public static func localAddress(_ fd: SocketFD) -> Result<SocketAddress, Errno> {
        nameCall(fd, Glibc.getsockname)
    }
    public static func peerAddress(_ fd: SocketFD) -> Result<SocketAddress, Errno> {
        nameCall(fd, Glibc.getpeername)
    }
    private static func nameCall(_ fd: SocketFD, _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32) -> Result<SocketAddress, Errno> {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let r = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in syscall { call(fd.rawValue, sa, &len) } }
        }
        switch r {
        case .success:
            guard let a = SocketAddress(storage: storage, length: len) else { return .failure(.EAFNOSUPPORT) }
            return .success(a)
        case .failure(let e): return .failure(e)
        }
    }

    public static func setOption(_ fd: SocketFD, level: Int32, name: Int32, value: Int32) -> Result<Void, Errno> {
        var v = value
        return syscall { Glibc.setsockopt(fd.rawValue, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) }.discarded
    }

    public static func getOption(_ fd: SocketFD, level: Int32, name: Int32) -> Result<Int32, Errno> {
        var v: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        return syscall { Glibc.getsockopt(fd.rawValue, level, name, &v, &len) }.map { _ in v }
    }

    /// SO_LINGER: on with a timeout of 0 makes close send a reset instead of a FIN.
    public static func setLinger(_ fd: SocketFD, on: Bool, seconds: Int32) -> Result<Void, Errno> {
        var l = linger(l_onoff: on ? 1 : 0, l_linger: seconds)
        return syscall { Glibc.setsockopt(fd.rawValue, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size)) }.discarded
    }
    public static func getLinger(_ fd: SocketFD) -> Result<(Bool, Int32), Errno> {
        var l = linger()
        var len = socklen_t(MemoryLayout<linger>.size)
        return syscall { Glibc.getsockopt(fd.rawValue, SOL_SOCKET, SO_LINGER, &l, &len) }.map { _ in (l.l_onoff != 0, l.l_linger) }
    }

    /// SO_RCVTIMEO / SO_SNDTIMEO take a timeval.
    public static func setTimeoutOption(_ fd: SocketFD, name: Int32, seconds: Double) -> Result<Void, Errno> {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        return syscall { Glibc.setsockopt(fd.rawValue, SOL_SOCKET, name, &tv, socklen_t(MemoryLayout<timeval>.size)) }.discarded
    }
    public static func getTimeoutOption(_ fd: SocketFD, name: Int32) -> Result<Double, Errno> {
        var tv = timeval()
        var len = socklen_t(MemoryLayout<timeval>.size)
        return syscall { Glibc.getsockopt(fd.rawValue, SOL_SOCKET, name, &tv, &len) }
            .map { _ in Double(tv.tv_sec) + Double(tv.tv_usec) / 1_000_000 }
    }

    /// IP_ADD_MEMBERSHIP with an ip_mreq (group, interface); `leave` uses IP_DROP_MEMBERSHIP instead.
    public static func joinGroup(_ fd: SocketFD, group: String, interface: String, leave: Bool = false) -> Result<Void, Errno> {
        var mreq = ip_mreq()
        guard inet_pton(AF_INET, group, &mreq.imr_multiaddr) == 1,
              inet_pton(AF_INET, interface, &mreq.imr_interface) == 1 else { return .failure(.EINVAL) }
        let option = Int32(leave ? IP_DROP_MEMBERSHIP : IP_ADD_MEMBERSHIP)
        return syscall { Glibc.setsockopt(fd.rawValue, Int32(IPPROTO_IP), option, &mreq, socklen_t(MemoryLayout<ip_mreq>.size)) }.discarded
    }
    /// IP_MULTICAST_IF with an in_addr: which interface multicast datagrams leave by.
    public static func setMulticastInterface(_ fd: SocketFD, interface: String) -> Result<Void, Errno> {
        var a = in_addr()
        guard inet_pton(AF_INET, interface, &a) == 1 else { return .failure(.EINVAL) }
        return syscall { Glibc.setsockopt(fd.rawValue, Int32(IPPROTO_IP), Int32(IP_MULTICAST_IF), &a, socklen_t(MemoryLayout<in_addr>.size)) }.discarded
    }

    public static func setNonBlocking(_ fd: SocketFD, _ on: Bool) -> Result<Void, Errno> {
        syscall { fcntl(fd.rawValue, F_GETFL) }.flatMap { flags in
            let newFlags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)
            return syscall { fcntl(fd.rawValue, F_SETFL, newFlags) }.discarded
        }
    }

    public struct PollEvents: OptionSet, Sendable, Hashable {
        public let rawValue: Int16
        public init(rawValue: Int16) { self.rawValue = rawValue }
        public static let readable = PollEvents(rawValue: Int16(POLLIN))
        public static let writable = PollEvents(rawValue: Int16(POLLOUT))
        public static let urgent = PollEvents(rawValue: Int16(POLLPRI))
        public static let error = PollEvents(rawValue: Int16(POLLERR))
        public static let hangup = PollEvents(rawValue: Int16(POLLHUP))
        public static let peerClosed = PollEvents(rawValue: Int16(0x2000)) // POLLRDHUP
    }

    /// poll(2) with a timeout in milliseconds (0 = just look, -1 = forever: never used here).
    public static func poll(_ items: [(SocketFD, PollEvents)], timeoutMs: Int32) -> Result<[PollEvents], Errno> {
        var fds = items.map { pollfd(fd: $0.0.rawValue, events: $0.1.rawValue, revents: 0) }
        let r = fds.withUnsafeMutableBufferPointer { buf in
            syscall { Glibc.poll(buf.baseAddress, nfds_t(buf.count), timeoutMs) }
        }
        return r.map { _ in fds.map { PollEvents(rawValue: $0.revents) } }
    }

    /// Waits until `fd` shows one of `events` or the deadline passes; true if it did.
    public static func wait(_ fd: SocketFD, for events: PollEvents, deadline: MonotonicInstant) -> Bool {
        while true {
            let left = deadline.millisecondsLeft
            guard case .success(let rev) = poll([(fd, events)], timeoutMs: Int32(clamping: left)) else { return false }
            if !rev[0].intersection(events.union([.error, .hangup])).isEmpty { return true }
            if left <= 0 { return false }
        }
    }

    public static func hostname() -> Result<String, Errno> {
        var buf = [CChar](repeating: 0, count: 256)
        return syscall { gethostname(&buf, buf.count) }.map { _ in stringFromCBuffer(buf) }
    }

    public struct AddressInfo: Sendable, Hashable {
        public var family: Int32
        public var type: Int32
        public var proto: Int32
        public var address: SocketAddress
    }

    /// getaddrinfo; callers must only pass `localhost` or this machine's own name.
    public static func addressInfo(host: String, port: Int, family: Int32 = AF_UNSPEC, type: Int32 = 0) -> Result<[AddressInfo], GAIError> {
        PrivateNetwork.settle()   // the private network's addresses, not the machine's
        var hints = addrinfo()
        hints.ai_family = family
        hints.ai_socktype = type
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0 else { return .failure(GAIError(code: rc)) }
        defer { freeaddrinfo(res) }
        var out: [AddressInfo] = []
        var p = res
        while let ai = p {
            var storage = sockaddr_storage()
            memcpy(&storage, ai.pointee.ai_addr, Int(ai.pointee.ai_addrlen))
            if let a = SocketAddress(storage: storage, length: ai.pointee.ai_addrlen) {
                out.append(AddressInfo(family: ai.pointee.ai_family, type: ai.pointee.ai_socktype, proto: ai.pointee.ai_protocol, address: a))
            }
            p = ai.pointee.ai_next
        }
        return .success(out)
    }

    public struct GAIError: Error, Sendable, Hashable {
        public let code: Int32
        public var message: String { String(cString: gai_strerror(code)) }
        public var name: String {
            switch code {
            case EAI_NONAME: return "EAI_NONAME"
            case EAI_AGAIN: return "EAI_AGAIN"
            case EAI_SERVICE: return "EAI_SERVICE"
            case EAI_FAMILY: return "EAI_FAMILY"
            case EAI_SOCKTYPE: return "EAI_SOCKTYPE"
            default: return "EAI_\(code)"
            }
        }
    }

    /// getservbyname: the well-known port of a service name from /etc/services; nil if unknown.
    public static func servicePort(name: String, proto: String?) -> Int? {
        guard let s = getservbyname(name, proto) else { return nil }
        return Int(UInt16(bigEndian: UInt16(truncatingIfNeeded: s.pointee.s_port)))
    }

    /// Ignores SIGPIPE for the process, once, so that writing to a closed peer is an EPIPE value.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// How many descriptors this process has open (counted in /proc/self/fd); tests use it for leaks.
    public static func openDescriptorCount() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(dir) }
        var n = 0
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { n += 1 }
        }
        return n - 1 // the directory stream's own descriptor
    }
}

/// A point on the monotonic clock, for deadlines (never a sleep).
public struct MonotonicInstant: Sendable, Comparable {
    public let nanoseconds: UInt64
    public static func now() -> MonotonicInstant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return MonotonicInstant(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }
    public func adding(seconds: Double) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds + UInt64(max(0, seconds) * 1_000_000_000))
    }
    public var millisecondsLeft: Int {
        let now = MonotonicInstant.now().nanoseconds
        return now >= nanoseconds ? 0 : Int((nanoseconds - now + 999_999) / 1_000_000)
    }
    public func seconds(since earlier: MonotonicInstant) -> Double {
        Double(Int64(bitPattern: nanoseconds &- earlier.nanoseconds)) / 1e9
    }
    public static func < (a: MonotonicInstant, b: MonotonicInstant) -> Bool { a.nanoseconds < b.nanoseconds }
}

/// A Swift string from a NUL-terminated C buffer.
func stringFromCBuffer(_ buf: [CChar]) -> String {
    let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

/// One recvmsg(2) with a single buffer: for `Posix.receive` and the capture's reads.
enum Message {
    /// Receives into `buffer`, the sender's address into `name` and, when given, ancillary data
    /// into `control`. Returns recvmsg's result (-1 with errno set) and what it wrote back.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, name: UnsafeMutableRawBufferPointer,
                        control: UnsafeMutableRawBufferPointer? = nil, flags: Int32)
        -> (count: Int, flags: Int32, nameLength: socklen_t, controlLength: Int) {
        var iov = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        return withUnsafeMutablePointer(to: &iov) { iovp in
            var msg = msghdr()
            msg.msg_name = name.baseAddress
            msg.msg_namelen = socklen_t(name.count)
            msg.msg_iov = iovp
            msg.msg_iovlen = 1
            if let control {
                msg.msg_control = control.baseAddress
                msg.msg_controllen = control.count
            }
            let n = Glibc.recvmsg(fd, &msg, flags)
            return (n, msg.msg_flags, msg.msg_namelen, msg.msg_controllen)
        }
    }
}

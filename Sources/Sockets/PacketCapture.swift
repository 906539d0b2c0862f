#if canImport(Glibc)
import Glibc
#endif

/// One frame as it crossed the loopback: when, its first bytes, and its real length.
public struct CapturedFrame: Sendable, Hashable {
    /// Wall-clock time the kernel stamped it with (seconds and microseconds since 1970).
    public var seconds: Int
    public var microseconds: Int
    /// The frame from its link header on, cut at the capture's snap length.
    public var bytes: [UInt8]
    /// The frame's length on the wire (more than `bytes.count` when it was cut).
    public var length: Int
    public init(seconds: Int, microseconds: Int, bytes: [UInt8], length: Int) {
        self.seconds = seconds
        self.microseconds = microseconds
        self.bytes = bytes
        self.length = length
    }
}

/// The loopback's packets, read without waiting from six raw IP sockets bound to `lo`: IPv4 and
/// IPv6, each for TCP, UDP and ICMP (only its "destination unreachable" errors). On loopback the
/// kernel gives each incoming packet once to the raw sockets of its protocol. Each packet is kept
/// as `lo` would show it to a packet socket, behind a 14-byte Ethernet header of zero addresses,
/// so that the decoder and pcap files see frames. IPv4 raw sockets deliver the IP header; IPv6
/// ones do not, so it is rebuilt from the addresses, hop limit and traffic class the kernel reports
/// (the flow label is not reported, and is zero).
///
/// Raw IP sockets rather than one packet socket (AF_PACKET): closing a packet socket waits for a
/// kernel grace period (10-30 ms), which a process that captured paid at exit; closing raw sockets
/// costs nothing measurable. Needs CAP_NET_RAW in the network's owning user namespace, which the
/// process has in its private network (`PrivateNetwork`) and root has everywhere.
public final class PacketCapture {
    /// One of the six sockets: its descriptor, address family and protocol.
    struct Raw {
        var fd: Int32
        var family: Int32
        var proto: Int32
    }

    /// In a fixed order, which also breaks ties between packets stamped with the same time.
    let sockets: [Raw]
    /// Bytes kept of each frame: headers and the start of the payload.
    public private(set) var snapLength: Int
    private var buffer: [UInt8]
    private var control: [UInt8]
    /// The sockets' drop counters when the capture was opened or last acquired.
    private var dropBase = 0
    private(set) var closed = false

    static let SO_RCVBUFFORCE: Int32 = 33
    static let SO_BINDTODEVICE: Int32 = 25
    static let SO_TIMESTAMPNS: Int32 = 35
    static let SO_MEMINFO: Int32 = 55
    static let SK_MEMINFO_DROPS = 8
    static let SOL_RAW: Int32 = 255
    static let ICMP_FILTER: Int32 = 1
    static let ICMP6_FILTER: Int32 = 1
    static let IPV6_RECVPKTINFO: Int32 = 49
    static let IPV6_PKTINFO: Int32 = 50
    static let IPV6_RECVHOPLIMIT: Int32 = 51
    static let IPV6_HOPLIMIT: Int32 = 52
    static let IPV6_FLOWINFO: Int32 = 11
    static let ethernetLength = 14
    /// The most one read keeps of a packet: more than loopback's largest (64 KiB).
    static let largestRead = 65536 + 64
    static let ipv6HeaderLength = 40

    /// TCP, UDP, then ICMP, for IPv4 then IPv6.
    static let kinds: [(family: Int32, proto: Int32)] = [
        (AF_INET, Int32(IPPROTO_TCP)), (AF_INET, Int32(IPPROTO_UDP)), (AF_INET, Int32(IPPROTO_ICMP)),
        (AF_INET6, Int32(IPPROTO_TCP)), (AF_INET6, Int32(IPPROTO_UDP)), (AF_INET6, Int32(IPPROTO_ICMPV6)),
    ]

    private init(sockets: [Raw], snapLength: Int) {
        self.sockets = sockets
        self.snapLength = snapLength
        self.buffer = []   // sized by readOne to what the snap length keeps
        self.control = [UInt8](repeating: 0, count: 256)
        self.dropBase = kernelDrops()
    }

    deinit { close() }

    /// Opens a capture on `interface` (the loopback), non-blocking, with receive buffers large
    /// enough for a step that sends a megabyte. Fails with the errno (EPERM without CAP_NET_RAW).
    public static func open(interface: String = "lo", snapLength: Int = 1024) -> Result<PacketCapture, Errno> {
        PrivateNetwork.settle()
        guard if_nametoindex(interface) != 0 else { return .failure(Errno(rawValue: errno)) }
        // Before the capture's first packet: stamps taken as packets are read would order them
        // by the reads (see `ArrivalStamps`).
        ArrivalStamps.awaitArrivalStamps()
        // The six sockets with CAP_NET_RAW raised once for all of them (two capset calls, not twelve).
        return PrivateNetwork.Rights.whileOpeningCapture {
            var opened: [Raw] = []
            for k in kinds {
                switch openOne(family: k.family, proto: k.proto, interface: interface) {
                case .success(let fd): opened.append(Raw(fd: fd, family: k.family, proto: k.proto))
                case .failure(let e):
                    for r in opened { _ = Glibc.close(r.fd) }
                    return .failure(e)
                }
            }
            return .success(PacketCapture(sockets: opened, snapLength: max(64, snapLength)))
        }
    }

    private static func openOne(family: Int32, proto: Int32, interface: String) -> Result<Int32, Errno> {
        let type = Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        var fd = Glibc.socket(family, type, proto)
        guard fd >= 0 else { return .failure(Errno(rawValue: errno)) }
        // Out of the way of the run's own descriptors, which are then numbered as without a capture.
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, descriptorFloor)
        if moved >= 0 {
            _ = Glibc.close(fd)
            fd = moved
        }
        func set(_ level: Int32, _ name: Int32, _ value: Int32) -> Bool {
            var v = value
            return setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) == 0
        }
        func fail() -> Result<Int32, Errno> {
            let e = Errno(rawValue: errno)
            _ = Glibc.close(fd)
            return .failure(e)
        }
        // Only the loopback's packets (on the machine's own network, root's tests, others exist).
        let bound = interface.withCString { setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, $0, socklen_t(strlen($0) + 1)) }
        guard bound == 0 else { return fail() }
        let size: Int32 = 8 << 20
        if !set(SOL_SOCKET, SO_RCVBUFFORCE, size) { _ = set(SOL_SOCKET, SO_RCVBUF, size) }
        // Each packet's arrival time (usually on already: `open` waited for `ArrivalStamps`).
        guard set(SOL_SOCKET, SO_TIMESTAMPNS, 1) else { return fail() }
        if family == AF_INET6 {
            guard set(Int32(IPPROTO_IPV6), IPV6_RECVPKTINFO, 1), set(Int32(IPPROTO_IPV6), IPV6_RECVHOPLIMIT, 1),
                  set(Int32(IPPROTO_IPV6), IPV6_FLOWINFO, 1) else { return fail() }
        }
        // ICMP: only "destination unreachable" (the answer to a datagram sent to a closed port).
        if proto == Int32(IPPROTO_ICMP) {
            // A mask of the types (below 32) the socket does NOT receive.
            guard set(SOL_RAW, ICMP_FILTER, Int32(bitPattern: ~(UInt32(1) << 3))) else { return fail() }
        } else if proto == Int32(IPPROTO_ICMPV6) {
            // struct icmp6_filter: 256 bits, a set bit blocks its type.
            var filter = [UInt32](repeating: 0xFFFF_FFFF, count: 8)
            filter[0] = ~(UInt32(1) << 1)
            let done = filter.withUnsafeBytes { setsockopt(fd, Int32(IPPROTO_ICMPV6), ICMP6_FILTER, $0.baseAddress, socklen_t($0.count)) }
            guard done == 0 else { return fail() }
        }
        return .success(fd)
    }

    /// Where the capture's descriptors go: high, below the process's limit on open files.
    static let descriptorFloor: Int32 = {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 3 }
        return Int32(clamping: max(3, min(Int(limit.rlim_cur) - 64, 960)))
    }()

    /// Grows the process's descriptor table to hold `descriptorFloor` while the process has one
    /// thread. The kernel grows a table that threads share only after an RCU grace period (23 ms
    /// here, in the helper thread's first `ArrivalStamps` socket), and this one takes
    /// microseconds; a table never shrinks.
    static func growDescriptorTable() {
        for source in Int32(0)...2 {
            let fd = fcntl(source, F_DUPFD_CLOEXEC, descriptorFloor)
            if fd >= 0 {
                _ = Glibc.close(fd)
                return
            }
        }
        // Standard input, output and error all closed: a descriptor of its own to copy.
        let null = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard null >= 0 else { return }
        let fd = fcntl(null, F_DUPFD_CLOEXEC, descriptorFloor)
        if fd >= 0 { _ = Glibc.close(fd) }
        _ = Glibc.close(null)
    }

    /// One packet read from one socket.
    struct Read {
        var frame: CapturedFrame
        var nanoseconds: Int
    }

    /// Reads every packet queued now, without waiting, in the order they crossed the loopback (by
    /// the kernel's time stamps; the six sockets' queues are merged). `keep` decides, from the
    /// frame's first bytes, whether it is kept; at most `limit` frames are added (the caller's
    /// memory bound), the others are read and dropped. Returns how many frames were dropped for the limit.
    @discardableResult
    public func drain(keep: ([UInt8]) -> Bool = { _ in true }, limit: Int = .max, into frames: inout [CapturedFrame]) -> Int {
        guard !closed else { return 0 }
        var cut = 0
        // One poll tells which of the six queues hold anything (most steps touch one or two).
        var ready = [pollfd](repeating: pollfd(), count: sockets.count)
        for (i, s) in sockets.enumerated() { ready[i] = pollfd(fd: s.fd, events: Int16(POLLIN), revents: 0) }
        var polled: Int32
        repeat { polled = poll(&ready, nfds_t(ready.count), 0) } while polled < 0 && errno == EINTR
        var queues: [[Read]] = []
        for (i, s) in sockets.enumerated() {
            var queue: [Read] = []
            if polled >= 0 && ready[i].revents == 0 { queues.append(queue); continue }
            while let r = readOne(s) {
                guard keep(r.frame.bytes) else { continue }
                // The merge keeps each queue's order, so no more than `limit` of one queue can be among the first `limit`.
                if queue.count >= limit { cut += 1; continue }
                queue.append(r)
            }
            queues.append(queue)
        }
        var heads = [Int](repeating: 0, count: queues.count)
        var taken = 0
        while true {
            var best = -1
            for q in queues.indices where heads[q] < queues[q].count {
                if best < 0 || queues[q][heads[q]].nanoseconds < queues[best][heads[best]].nanoseconds { best = q }
            }
            guard best >= 0 else { break }
            if taken < limit {
                frames.append(queues[best][heads[best]].frame)
                taken += 1
            } else {
                cut += 1
            }
            heads[best] += 1
        }
        return cut
    }

    /// Waits until a packet is queued on one of the sockets, at most `milliseconds`; true if one is.
    public func waitForPacket(milliseconds: Int) -> Bool {
        guard !closed, milliseconds > 0 else { return false }
        var ready = sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        var polled: Int32
        repeat { polled = poll(&ready, nfds_t(ready.count), Int32(clamping: milliseconds)) } while polled < 0 && errno == EINTR
        return polled > 0
    }

    /// The next packet queued on `s`, as a frame, or nil when its queue is empty.
    private func readOne(_ s: Raw) -> Read? {
        let v6 = s.family == AF_INET6
        // IPv4 delivers the IP header, IPv6 the packet after its header (rebuilt below).
        let header = PacketCapture.ethernetLength + (v6 ? PacketCapture.ipv6HeaderLength : 0)
        let room = min(PacketCapture.largestRead, max(0, snapLength - header))
        // Only as large as a read keeps (a kilobyte by default): a 64 KiB buffer cost 16 page
        // faults at every start for bytes that were never read into.
        if buffer.count < room { buffer = [UInt8](repeating: 0, count: room) }
        var from = sockaddr_in6()
        while true {
            var controlLength = 0
            let n = buffer.withUnsafeMutableBytes { buf in
                control.withUnsafeMutableBytes { ctl in
                    withUnsafeMutableBytes(of: &from) { name in
                        let m = Message.receive(s.fd, into: UnsafeMutableRawBufferPointer(rebasing: buf[0..<room]), name: name,
                                                control: ctl, flags: Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC))
                        controlLength = m.controlLength
                        return m.count
                    }
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            let length = Int(n)
            let kept = min(length, room)
            let info = controlMessages(controlLength)
            var ts = info.stamp ?? { var t = timespec(); _ = clock_gettime(CLOCK_REALTIME, &t); return t }()
            if ts.tv_sec == 0 && ts.tv_nsec == 0 { _ = clock_gettime(CLOCK_REALTIME, &ts) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(header + kept)
            // Ethernet: zero destination and source, then the ethertype.
            bytes += [UInt8](repeating: 0, count: 12)
            bytes += v6 ? [0x86, 0xDD] : [0x08, 0x00]
            var wire = PacketCapture.ethernetLength + length
            if v6 {
                wire += PacketCapture.ipv6HeaderLength
                // Version 6, then the traffic class and flow label as the kernel reported them.
                let flow = info.flowInformation & 0x0FFF_FFFF
                bytes += [0x60 | UInt8(flow >> 24), UInt8(truncatingIfNeeded: flow >> 16), UInt8(truncatingIfNeeded: flow >> 8), UInt8(truncatingIfNeeded: flow)]
                bytes += [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
                bytes += [UInt8(truncatingIfNeeded: s.proto), UInt8(truncatingIfNeeded: info.hopLimit)]
                bytes += withUnsafeBytes(of: from.sin6_addr) { Array($0) }
                bytes += info.destination
            }
            bytes += buffer[0..<kept]
            let frame = CapturedFrame(seconds: Int(ts.tv_sec), microseconds: Int(ts.tv_nsec) / 1000, bytes: bytes, length: wire)
            return Read(frame: frame, nanoseconds: Int(ts.tv_sec) * 1_000_000_000 + Int(ts.tv_nsec))
        }
    }

    /// What the kernel attached to a packet: its time stamp, and for IPv6 the destination address,
    /// hop limit, traffic class and flow label.
    private func controlMessages(_ length: Int) -> (stamp: timespec?, destination: [UInt8], hopLimit: Int32, flowInformation: UInt32) {
        var stamp: timespec?
        var destination = [UInt8](repeating: 0, count: 16)
        var hopLimit: Int32 = 64
        var flowInformation: UInt32 = 0
        control.withUnsafeBytes { c in
            ControlMessages.forEach(in: c, length: length) { level, type, data in
                if level == SOL_SOCKET && type == PacketCapture.SO_TIMESTAMPNS && data.count >= MemoryLayout<timespec>.size {
                    stamp = data.loadUnaligned(as: timespec.self)
                } else if level == Int32(IPPROTO_IPV6) && type == PacketCapture.IPV6_PKTINFO && data.count >= 16 {
                    destination = Array(data.prefix(16))
                } else if level == Int32(IPPROTO_IPV6) && type == PacketCapture.IPV6_HOPLIMIT && data.count >= 4 {
                    hopLimit = data.loadUnaligned(as: Int32.self)
                } else if level == Int32(IPPROTO_IPV6) && type == PacketCapture.IPV6_FLOWINFO && data.count >= 4 {
                    // The header's first 32 bits without the version, in network byte order.
                    flowInformation = UInt32(bigEndian: data.loadUnaligned(as: UInt32.self))
                }
            }
        }
        return (stamp, destination, hopLimit, flowInformation)
    }

    /// The sockets' drop counters (SO_MEMINFO): packets the kernel dropped because a queue was full.
    private func kernelDrops() -> Int {
        var total = 0
        for s in sockets {
            var info = [UInt32](repeating: 0, count: 9)
            var len = socklen_t(9 * MemoryLayout<UInt32>.size)
            let ok = info.withUnsafeMutableBytes { getsockopt(s.fd, SOL_SOCKET, PacketCapture.SO_MEMINFO, $0.baseAddress, &len) } == 0
            if ok && Int(len) > PacketCapture.SK_MEMINFO_DROPS * 4 { total += Int(info[PacketCapture.SK_MEMINFO_DROPS]) }
        }
        return total
    }

    /// Packets the kernel dropped because the capture's buffers were full, since the capture was
    /// opened (or acquired from the pool). Reading it does not reset it.
    public func dropped() -> Int {
        guard !closed else { return 0 }
        return max(0, kernelDrops() - dropBase)
    }

    public func close() {
        guard !closed else { return }
        closed = true
        for s in sockets { _ = Glibc.close(s.fd) }
    }
}

extension PacketCapture {
    /// Captures runs gave back, ready for the next run. Closing the sockets costs little, but a
    /// process keeps its captures, one per run in progress at the same time (the kernel closes them
    /// when the process ends): the next run opens no sockets, and time stamping stays on (the last
    /// socket that asked for stamps turns it off, and the next to ask turns it on again, which the
    /// kernel does a moment later, so that the first packets could be stamped when read).
    nonisolated(unsafe) private static var pool: [PacketCapture] = []
    nonisolated(unsafe) private static let poolLock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()

    /// A capture for a new run: one an earlier run gave back (its queues emptied and its drop count
    /// started again, so nothing of that run is seen), or a new one.
    public static func acquire(snapLength: Int = 1024) -> Result<PacketCapture, Errno> {
        pthread_mutex_lock(poolLock)
        let reused = pool.popLast()
        pthread_mutex_unlock(poolLock)
        guard let c = reused else { return open(snapLength: snapLength) }
        c.prepareForReuse(snapLength: snapLength)
        return .success(c)
    }

    /// Ready for another run: its queues emptied, its drop count started again, its snap length set.
    func prepareForReuse(snapLength: Int) {
        self.snapLength = max(64, snapLength)
        var discarded: [CapturedFrame] = []
        drain(keep: { _ in false }, into: &discarded)
        dropBase = kernelDrops()
    }

    /// Gives the capture back for the next run of this process (see `acquire`).
    public func recycle() {
        guard !closed else { return }
        pthread_mutex_lock(PacketCapture.poolLock)
        PacketCapture.pool.append(self)
        pthread_mutex_unlock(PacketCapture.poolLock)
    }

    /// Captures waiting in the pool (tests).
    public static var pooled: Int {
        pthread_mutex_lock(poolLock)
        defer { pthread_mutex_unlock(poolLock) }
        return pool.count
    }

    /// The descriptors of its sockets (tests).
    public var descriptors: [Int32] { sockets.map(\.fd) }
}

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

/// A packet socket on `lo` (AF_PACKET, SOCK_RAW): every frame that crosses the loopback, read
/// without waiting. On loopback the kernel shows each frame twice, once going out and once coming
/// in; only the incoming copy is kept, as libpcap does. Needs CAP_NET_RAW in the network's owning
/// user namespace, which the process has in its private network (`PrivateNetwork`) and root has
/// everywhere.
public final class PacketCapture {
    public let fd: Int32
    /// Bytes kept of each frame: headers and the start of the payload.
    public private(set) var snapLength: Int
    private var buffer: [UInt8]
    private(set) var closed = false

    static let AF_PACKET: Int32 = 17
    static let ETH_P_ALL: UInt16 = 0x0003
    static let SOL_PACKET: Int32 = 263
    static let PACKET_STATISTICS: Int32 = 6
    static let PACKET_IGNORE_OUTGOING: Int32 = 23
    static let PACKET_OUTGOING: UInt8 = 4
    static let SO_RCVBUFFORCE: Int32 = 33
    static let SIOCGSTAMP: UInt = 0x8906

    /// struct sockaddr_ll.
    struct LinkAddress {
        var family: UInt16 = 0
        var protocolBE: UInt16 = 0
        var ifindex: Int32 = 0
        var hatype: UInt16 = 0
        var pkttype: UInt8 = 0
        var halen: UInt8 = 0
        var addr: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    private init(fd: Int32, snapLength: Int) {
        self.fd = fd
        self.snapLength = snapLength
        self.buffer = [UInt8](repeating: 0, count: 65536 + 64)
    }

    deinit { close() }

    /// Opens a capture on `interface` (the loopback), non-blocking, with a receive buffer large
    /// enough for a step that sends a megabyte. Fails with the errno (EPERM without CAP_NET_RAW).
    public static func open(interface: String = "lo", snapLength: Int = 1024) -> Result<PacketCapture, Errno> {
        let index = if_nametoindex(interface)
        guard index != 0 else { return .failure(Errno(rawValue: errno)) }
        let type = Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        // Protocol 0 at first, so that bind below registers the tap once: binding a socket that
        // already taps the device would wait for an RCU grace period (10-20 ms) to unhook it.
        let fd = Glibc.socket(AF_PACKET, type, 0)
        guard fd >= 0 else { return .failure(Errno(rawValue: errno)) }
        var one: Int32 = 1
        // Linux 4.20 and later can skip the outgoing copies in the kernel; older ones are filtered below.
        _ = setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, socklen_t(MemoryLayout<Int32>.size))
        var size: Int32 = 8 << 20
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var ll = LinkAddress()
        ll.family = UInt16(AF_PACKET)
        ll.protocolBE = ETH_P_ALL.bigEndian
        ll.ifindex = Int32(index)
        let bound = withUnsafePointer(to: &ll) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<LinkAddress>.size)) }
        }
        guard bound == 0 else {
            let e = Errno(rawValue: errno)
            _ = Glibc.close(fd)
            return .failure(e)
        }
        // The kernel stamps frames on arrival only once some socket asked for stamps: the first
        // SIOCGSTAMP turns that on, and would stamp the first frame with the time it was read
        // (the SYN after its SYN-ACK). Ask now, before any frame of the run exists.
        var tv = timeval()
        _ = ioctl(fd, PacketCapture.SIOCGSTAMP, &tv)
        return .success(PacketCapture(fd: fd, snapLength: max(64, snapLength)))
    }

    /// Reads every frame queued now, without waiting. `keep` decides, from the frame's first bytes,
    /// whether it is kept; at most `limit` frames are added (the caller's memory bound), the others
    /// are read and dropped. Returns how many frames were dropped for the limit.
    @discardableResult
    public func drain(keep: ([UInt8]) -> Bool = { _ in true }, limit: Int = .max, into frames: inout [CapturedFrame]) -> Int {
        guard !closed else { return 0 }
        var taken = 0
        var cut = 0
        while true {
            var from = LinkAddress()
            var fromLength = socklen_t(MemoryLayout<LinkAddress>.size)
            let n = buffer.withUnsafeMutableBytes { buf in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, buf.baseAddress, buf.count, Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC), $0, &fromLength)
                    }
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                return cut
            }
            if from.pkttype == PacketCapture.PACKET_OUTGOING { continue }
            let length = Int(n)
            let kept = min(length, buffer.count, snapLength)
            let bytes = Array(buffer[0..<kept])
            guard keep(bytes) else { continue }
            if taken >= limit { cut += 1; continue }
            var tv = timeval()
            if ioctl(fd, PacketCapture.SIOCGSTAMP, &tv) != 0 { _ = gettimeofday(&tv, nil) }
            frames.append(CapturedFrame(seconds: Int(tv.tv_sec), microseconds: Int(tv.tv_usec), bytes: bytes, length: length))
            taken += 1
        }
    }

    /// Frames the kernel dropped because the capture's buffer was full, since the last call.
    public func dropped() -> Int {
        var stats: (UInt32, UInt32) = (0, 0)   // struct tpacket_stats: packets, drops
        var len = socklen_t(MemoryLayout<(UInt32, UInt32)>.size)
        guard getsockopt(fd, PacketCapture.SOL_PACKET, PacketCapture.PACKET_STATISTICS, &stats, &len) == 0 else { return 0 }
        return Int(stats.1)
    }

    public func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(fd)
    }
}

extension PacketCapture {
    /// Captures runs gave back, ready for the next run. Closing a packet socket waits for an RCU
    /// grace period (10-20 ms measured here), so a process keeps its captures instead, one per run
    /// in progress at the same time; the kernel closes them when the process ends.
    nonisolated(unsafe) private static var pool: [PacketCapture] = []
    nonisolated(unsafe) private static let poolLock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()

    /// A capture for a new run: one an earlier run gave back (its queue emptied and its drop count
    /// reset, so nothing of that run is seen), or a new one.
    public static func acquire(snapLength: Int = 1024) -> Result<PacketCapture, Errno> {
        pthread_mutex_lock(poolLock)
        let reused = pool.popLast()
        pthread_mutex_unlock(poolLock)
        guard let c = reused else { return open(snapLength: snapLength) }
        c.snapLength = max(64, snapLength)
        var discarded: [CapturedFrame] = []
        c.drain(keep: { _ in false }, into: &discarded)
        _ = c.dropped()
        return .success(c)
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
}

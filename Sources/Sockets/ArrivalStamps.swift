#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The arrival stamps of the loopback's packets, by which the capture merges its six queues.
///
/// The kernel stamps a packet as it arrives only while some socket asks for stamps, and the first
/// request turns stamping on from a kernel work item, a moment later (40 µs to 3 ms here). A packet
/// that arrives before then is stamped when it is read instead (net/socket.c: "Race occurred
/// between timestamp enabling and packet receiving"), and read stamps follow the order of the
/// reads, not of the packets: two datagrams to a closed port and their ICMP errors came out as
/// both datagrams, then both errors, the capture's UDP queue being read before its ICMP queue.
///
/// So the process keeps one socket that asks for stamps for as long as it lives, which keeps
/// stamping on once it is on, and a capture's first socket waits (`awaitArrivalStamps`) until a
/// datagram that socket sends itself comes back stamped before it was read. The helper thread
/// asks first thing (`request`) and tries briefly once `lo` is up (`tryToConfirm`).
public enum ArrivalStamps {
    /// The socket that asks for stamps, for the process's life: UDP on 127.0.0.1, connected to
    /// itself (so only its own datagrams reach it), or -1 until opened.
    private static let anchor = Atomic<Int32>(-1)
    /// Set once a datagram came back stamped on arrival: every packet is, from then on.
    private static let confirmed = Atomic<Bool>(false)
    /// Probers take turns (they share the anchor's queue). The value: whether a whole wait gave up.
    private static let probing = Mutex<Bool>(false)
    /// How long the wait may take before the capture goes on without it (stamping has come on in
    /// at most 3 ms here, on a busy machine).
    static let patience = 200_000_000
    /// How long the helper thread tries: a main thread that gave up waiting for the helper joins
    /// it, and must not then wait for this too.
    static let helperPatience = 1_000_000

    /// Whether arrival stamps are confirmed on (tests).
    public static var areConfirmed: Bool { confirmed.load(ordering: .acquiring) }

    /// Asks for stamps now, so that the kernel turns stamping on while the caller does something
    /// else. Idempotent. Not when the process may open so few files that the socket would take
    /// a low descriptor and renumber a run's sockets: the capture's wait then opens it, when
    /// the capture's own sockets go low as well.
    public static func request() {
        if staysOutOfTheWay { openAnchorIfNeeded() }
    }

    /// For the helper thread, once `lo` is up: confirms stamping if it is on within
    /// `helperPatience`, and otherwise leaves the wait to the capture (as `request`, not where
    /// its socket would take a low descriptor).
    public static func tryToConfirm() {
        if staysOutOfTheWay && !confirmed.load(ordering: .acquiring) { _ = confirm(patience: helperPatience, final: false) }
    }

    /// Whether the socket can sit above a run's descriptors: not when the process may open so few
    /// files that the floor kept for the capture is low.
    private static var staysOutOfTheWay: Bool { PacketCapture.descriptorFloor >= 64 }

    /// Waits until packets are stamped as they arrive, yielding this CPU to the kernel's work item
    /// meanwhile; true once they are. Once a wait has given up (no socket on 127.0.0.1, or
    /// stamping still off after `patience`), later calls probe once and do not wait; until one
    /// confirms it, packets may be stamped as they are read.
    @discardableResult
    public static func awaitArrivalStamps() -> Bool {
        if confirmed.load(ordering: .acquiring) { return true }
        return confirm(patience: patience, final: true)
    }

    /// Probes for up to `patience`; a `final` attempt that fails is remembered as given up.
    private static func confirm(patience: Int, final: Bool) -> Bool {
        probing.withLock { gaveUp in
            if confirmed.load(ordering: .acquiring) { return true }
            openAnchorIfNeeded()
            var fd = anchor.load(ordering: .acquiring)
            var replaced = false
            let pollMilliseconds: Int32 = final ? 100 : 1
            let stamped = fd >= 0 && wait(patience: gaveUp ? 0 : patience) {
                if let arrived = probe(fd, pollMilliseconds: pollMilliseconds) { return arrived }
                // This anchor cannot probe (opened in the machine's network, whose loopback may be
                // down or filtered): once, one in this thread's network instead.
                guard !replaced, let fresh = replaceAnchor() else { return nil }
                replaced = true
                fd = fresh
                return probe(fd, pollMilliseconds: pollMilliseconds)
            }
            if stamped {
                confirmed.store(true, ordering: .releasing)
            } else if final {
                gaveUp = true
            }
            return stamped
        }
    }

    /// Probes until a probe says true (yielding the CPU between probes), and says whether one did:
    /// false at once if one could not probe (nil), or after `patience` nanoseconds of false.
    static func wait(patience: Int, until probe: () -> Bool?) -> Bool {
        let deadline = MonotonicInstant(nanoseconds: MonotonicInstant.now().nanoseconds + UInt64(max(0, patience)))
        while true {
            guard let arrived = probe() else { return false }
            if arrived { return true }
            if MonotonicInstant.now() > deadline { return false }
            sched_yield()
        }
    }

    private static func openAnchorIfNeeded() {
        guard anchor.load(ordering: .acquiring) < 0 else { return }
        let fd = openAnchor()
        guard fd >= 0 else { return }
        if !anchor.compareExchange(expected: -1, desired: fd, ordering: .acquiringAndReleasing).exchanged { _ = Glibc.close(fd) }
    }

    /// A new anchor in this thread's network in place of the old one, which is closed once the new
    /// one asks for stamps (so stamping stays on); nil if none could be opened.
    private static func replaceAnchor() -> Int32? {
        let fd = openAnchor()
        guard fd >= 0 else { return nil }
        let old = anchor.exchange(fd, ordering: .acquiringAndReleasing)
        if old >= 0 { _ = Glibc.close(old) }
        return fd
    }

    /// A non-blocking UDP socket bound to 127.0.0.1 and connected to itself, asking for stamps,
    /// out of the way of the run's own descriptors (as the capture's are); -1 if any of that fails.
    private static func openAnchor() -> Int32 {
        var fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return -1 }
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, PacketCapture.descriptorFloor)
        if moved >= 0 {
            _ = Glibc.close(fd)
            fd = moved
        }
        var on: Int32 = 1
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { a in
                Glibc.bind(fd, a, length) == 0 && getsockname(fd, a, &length) == 0 && Glibc.connect(fd, a, length) == 0
            }
        }
        guard ready, setsockopt(fd, SOL_SOCKET, PacketCapture.SO_TIMESTAMPNS, &on, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            _ = Glibc.close(fd)
            return -1
        }
        return fd
    }

    /// Sends the anchor a datagram and reads it back: true if it was stamped before the read began
    /// (on arrival, within the send), false if stamped as read, nil if it could not be sent or read
    /// (waiting at most `pollMilliseconds` for it to be delivered).
    private static func probe(_ fd: Int32, pollMilliseconds: Int32) -> Bool? {
        var byte: UInt8 = 0x73
        guard Glibc.send(fd, &byte, 1, 0) == 1 else { return nil }
        var sentBy = timespec()
        _ = clock_gettime(CLOCK_REALTIME, &sentBy)
        // On the stack: the helper thread that probes then needs no malloc arena of its own.
        return withUnsafeTemporaryAllocation(byteCount: 64, alignment: MemoryLayout<Int>.alignment) { control -> Bool? in
            var from = sockaddr_in()
            while true {
                let m = withUnsafeMutableBytes(of: &byte) { buffer in
                    withUnsafeMutableBytes(of: &from) { name in
                        Message.receive(fd, into: buffer, name: name, control: control, flags: Int32(MSG_DONTWAIT))
                    }
                }
                if m.count == 1 {
                    var stamp: timespec?
                    ControlMessages.forEach(in: UnsafeRawBufferPointer(control), length: m.controlLength) { level, type, data in
                        if level == SOL_SOCKET && type == PacketCapture.SO_TIMESTAMPNS && data.count >= MemoryLayout<timespec>.size {
                            stamp = data.loadUnaligned(as: timespec.self)
                        }
                    }
                    guard let stamp else { return nil }
                    return (stamp.tv_sec, stamp.tv_nsec) <= (sentBy.tv_sec, sentBy.tv_nsec)
                }
                if m.count < 0 && errno == EINTR { continue }
                guard m.count < 0 && errno == EAGAIN else { return nil }
                // Not delivered yet (the kernel's softirq thread has it): wait for it, not for long.
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                var polled: Int32
                repeat { polled = poll(&ready, 1, pollMilliseconds) } while polled < 0 && errno == EINTR
                guard polled > 0 else { return nil }
            }
        }
    }
}

/// The ancillary data recvmsg(2) wrote back, one message at a time.
enum ControlMessages {
    /// Calls `body` with each message's level, type and data, in `control`'s first `length` bytes.
    /// struct cmsghdr: size_t cmsg_len, int cmsg_level, int cmsg_type, then the data; each
    /// message is aligned to size_t.
    static func forEach(in control: UnsafeRawBufferPointer, length: Int,
                        _ body: (_ level: Int32, _ type: Int32, _ data: UnsafeRawBufferPointer) -> Void) {
        let word = MemoryLayout<Int>.size
        let headerSize = word + 8
        let end = min(length, control.count)
        var at = 0
        while at + headerSize <= end {
            let len = control.loadUnaligned(fromByteOffset: at, as: Int.self)
            guard len >= headerSize, len <= end - at else { break }
            let level = control.loadUnaligned(fromByteOffset: at + word, as: Int32.self)
            let type = control.loadUnaligned(fromByteOffset: at + word + 4, as: Int32.self)
            body(level, type, UnsafeRawBufferPointer(rebasing: control[(at + headerSize)..<(at + len)]))
            at += (len + word - 1) / word * word
        }
    }
}

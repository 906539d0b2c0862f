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
/// datagram that socket sends itself comes back stamped before it was read.
public enum ArrivalStamps {
    /// The socket that asks for stamps, for the process's life: UDP on 127.0.0.1, or -1 until opened.
    private static let anchor = Atomic<Int32>(-1)
    /// Set once a datagram came back stamped on arrival: every packet is, from then on.
    private static let confirmed = Atomic<Bool>(false)
    /// One prober at a time: they share the anchor's queue.
    private static let probing = Lock()
    /// Whether a wait has probed (under `probing`).
    nonisolated(unsafe) private static var tried = false
    /// How long the wait may take before the capture goes on without it (stamping has come on in
    /// at most 3 ms here, on a busy machine).
    static let patience = 200_000_000

    /// Whether arrival stamps are confirmed on (tests).
    public static var areConfirmed: Bool { confirmed.load(ordering: .acquiring) }

    /// Asks for stamps now, so that the kernel turns stamping on while the caller does something
    /// else. Idempotent.
    public static func request() {
        guard anchor.load(ordering: .acquiring) < 0 else { return }
        let fd = openAnchor()
        guard fd >= 0 else { return }
        if !anchor.compareExchange(expected: -1, desired: fd, ordering: .acquiringAndReleasing).exchanged { _ = Glibc.close(fd) }
    }

    /// Waits until packets are stamped as they arrive, yielding this CPU to the kernel's work item
    /// meanwhile; true once they are. Only the first call waits: later ones return what it found.
    /// False when it cannot tell (no socket on 127.0.0.1) or stamping stayed off for `patience`;
    /// packets may then be stamped as they are read.
    @discardableResult
    public static func awaitArrivalStamps() -> Bool {
        if confirmed.load(ordering: .acquiring) { return true }
        return probing.withLock {
            guard !tried else { return confirmed.load(ordering: .acquiring) }
            tried = true
            request()
            let fd = anchor.load(ordering: .acquiring)
            guard fd >= 0 else { return false }
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0, wait(patience: patience, until: { probe(fd, address) }) else { return false }
            confirmed.store(true, ordering: .releasing)
            return true
        }
    }

    /// Probes until a probe says true (yielding the CPU between probes), and says whether one did:
    /// false at once if one could not probe (nil), or after `patience` nanoseconds of false.
    static func wait(patience: Int, until probe: () -> Bool?) -> Bool {
        let deadline = monotonicNanoseconds() + patience
        while true {
            guard let arrived = probe() else { return false }
            if arrived { return true }
            if monotonicNanoseconds() > deadline { return false }
            sched_yield()
        }
    }

    /// A non-blocking UDP socket bound to 127.0.0.1, asking for stamps, out of the way of the
    /// run's own descriptors (as the capture's are); -1 if any of that fails.
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
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard setsockopt(fd, SOL_SOCKET, PacketCapture.SO_TIMESTAMPNS, &on, socklen_t(MemoryLayout<Int32>.size)) == 0, bound == 0 else {
            _ = Glibc.close(fd)
            return -1
        }
        return fd
    }

    /// Sends the anchor a datagram and reads it back: true if it was stamped before the read began
    /// (on arrival, within the send), false if stamped as read, nil if it could not be sent or read.
    private static func probe(_ fd: Int32, _ address: sockaddr_in) -> Bool? {
        var byte: UInt8 = 0x73
        let sent = withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, &byte, 1, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard sent == 1 else { return nil }
        var sentBy = timespec()
        _ = clock_gettime(CLOCK_REALTIME, &sentBy)
        var control = [UInt8](repeating: 0, count: 64)
        var from = sockaddr_in()
        while true {
            let m = withUnsafeMutableBytes(of: &byte) { buffer in
                control.withUnsafeMutableBytes { ctl in
                    withUnsafeMutableBytes(of: &from) { name in
                        Message.receive(fd, into: buffer, name: name, control: ctl, flags: Int32(MSG_DONTWAIT))
                    }
                }
            }
            if m.count == 1 {
                var stamp: timespec?
                control.withUnsafeBytes { c in
                    ControlMessages.forEach(in: c, length: m.controlLength) { level, type, data in
                        if level == SOL_SOCKET && type == PacketCapture.SO_TIMESTAMPNS && data.count >= MemoryLayout<timespec>.size {
                            stamp = data.loadUnaligned(as: timespec.self)
                        }
                    }
                }
                guard let stamp else { return nil }
                return (stamp.tv_sec, stamp.tv_nsec) <= (sentBy.tv_sec, sentBy.tv_nsec)
            }
            if m.count < 0 && errno == EINTR { continue }
            guard m.count < 0 && errno == EAGAIN else { return nil }
            // Not delivered yet (the kernel's softirq thread has it): wait for it, not for long.
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { return nil }
        }
    }

    private static func monotonicNanoseconds() -> Int {
        var t = timespec()
        _ = clock_gettime(CLOCK_MONOTONIC, &t)
        return t.tv_sec * 1_000_000_000 + t.tv_nsec
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
            guard len >= headerSize, at + len <= end else { break }
            let level = control.loadUnaligned(fromByteOffset: at + word, as: Int32.self)
            let type = control.loadUnaligned(fromByteOffset: at + word + 4, as: Int32.self)
            body(level, type, UnsafeRawBufferPointer(rebasing: control[(at + headerSize)..<(at + len)]))
            at += (len + word - 1) / word * word
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The classic pcap file format (what `tcpdump -w` writes, and tcpdump and Wireshark read):
/// a 24-byte header, then each frame with its time in microseconds. Frames from `lo` carry an
/// Ethernet header, so the link type is LINKTYPE_ETHERNET.
public enum Pcap {
    public static let linkTypeEthernet: UInt32 = 1

    /// The whole file, in the machine's byte order (the magic number tells readers which).
    public static func file(_ frames: [CapturedFrame], snapLength: Int = 65535) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(24 + frames.reduce(0) { $0 + 16 + $1.bytes.count })
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        u32(0xA1B2_C3D4)        // microsecond timestamps
        u16(2); u16(4)          // version 2.4
        u32(0); u32(0)          // time zone, accuracy
        u32(UInt32(snapLength))
        u32(linkTypeEthernet)
        for f in frames {
            u32(UInt32(truncatingIfNeeded: f.seconds))
            u32(UInt32(truncatingIfNeeded: f.microseconds))
            u32(UInt32(f.bytes.count))
            u32(UInt32(f.length))
            out += f.bytes
        }
        return out
    }

    /// Writes `bytes` to `path` (created or truncated, mode 0644). Returns the errno on failure.
    public static func write(_ bytes: [UInt8], to path: String) -> Errno? {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return Errno(rawValue: errno) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = Errno(rawValue: errno)
                _ = Glibc.close(fd)
                return e
            }
            done += n
        }
        return Glibc.close(fd) == 0 ? nil : Errno(rawValue: errno)
    }
}

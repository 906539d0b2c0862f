import Glibc
import Synchronization
// TEMPORARY probe (not committed): monotonic stamps at phases, dumped at exit when SOCKSTEP_PROBE is set.
public enum PhaseProbe {
    nonisolated(unsafe) static var stamps = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    @inline(__always) public static func mark(_ i: Int) {
        var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t)
        let v = t.tv_sec * 1_000_000_000 + t.tv_nsec
        withUnsafeMutableBytes(of: &stamps) { if i == 11 && $0.load(fromByteOffset: 88, as: Int.self) != 0 { return }; $0.storeBytes(of: v, toByteOffset: i * 8, as: Int.self) }
    }
    public static func dump() {
        guard let p = getenv("SOCKSTEP_PROBE") else { return }
        var s = ""
        withUnsafeBytes(of: stamps) { b in for i in 0..<16 { s += String(b.load(fromByteOffset: i * 8, as: Int.self)) + " " } }
        s += "\n"
        let fd = open(p, O_WRONLY | O_APPEND | O_CREAT, 0o644); _ = s.withCString { write(fd, $0, strlen($0)) }; close(fd)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Numbers as text the way C's printf writes them (Foundation's `String(format:)` without Foundation).
public enum Format {
    /// `value` with `digits` decimals, rounded as printf's `%.Nf` rounds: `fixed(1.005, 2)` is "1.00"
    /// (the double just below 1.005), `fixed(2.5, 0)` is "2".
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        let n = withVaList([Int32(max(0, min(digits, 17))), value]) { vsnprintf(&buf, buf.count, "%.*f", $0) }
        if n >= Int32(buf.count) {
            // Huge values (1e300): ask again with room for every digit.
            buf = [CChar](repeating: 0, count: Int(n) + 1)
            _ = withVaList([Int32(max(0, min(digits, 17))), value]) { vsnprintf(&buf, buf.count, "%.*f", $0) }
        }
        return stringFromCBuffer(buf)
    }

    /// `value` with leading zeros to at least `width` digits: `zeroPadded(7, 2)` is "07".
    public static func zeroPadded(_ value: Int, _ width: Int) -> String {
        let s = String(value.magnitude)
        let digits = s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        return value < 0 ? "-" + digits : digits
    }
}

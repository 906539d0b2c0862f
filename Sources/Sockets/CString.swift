#if canImport(Glibc)
import Glibc
#endif

/// NUL-terminated C strings, compared without making a Swift String of them: the constructor that
/// runs before main reads argv this way (see `CLI.wantsPrivateNetwork`).
public enum CString {
    /// Whether `s` is exactly `literal`.
    public static func equal(_ s: UnsafePointer<CChar>, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        return strlen(s) == n && memcmp(s, literal.utf8Start, n) == 0
    }

    /// Whether `s` ends with `literal`.
    public static func hasSuffix(_ s: UnsafePointer<CChar>, _ literal: StaticString) -> Bool {
        let length = strlen(s), n = literal.utf8CodeUnitCount
        return length >= n && memcmp(s + (length - n), literal.utf8Start, n) == 0
    }

    /// Calls `body` with `strings` as a C argument vector (argc, and argv ending in NULL, as
    /// exec gives them), freed afterwards.
    public static func withArgumentVector<R>(_ strings: [String], _ body: (Int32, UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer { copies.forEach { free($0) } }
        return body(Int32(strings.count), copies)
    }
}

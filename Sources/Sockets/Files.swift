#if canImport(Glibc)
import Glibc
#endif

/// File-system calls without FileManager. The two questions every run asks first (is this path a
/// folder, and what does the file hold) are stat(2) and read(2) here: FileManager's first use sets
/// up its shared instance and the generic types behind it, a tenth of a millisecond of a start-up.
public enum Files {
    public enum Kind: Sendable { case file, directory }

    /// `chmod(path, mode)`; the errno on failure.
    @discardableResult
    public static func setMode(_ path: String, _ mode: UInt32) -> Errno? {
        chmod(path, mode_t(mode)) == 0 ? nil : Errno(rawValue: errno)
    }

    /// What `path` names, following symbolic links; nil when nothing is there (or it cannot be seen).
    public static func kind(_ path: String) -> Kind? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & S_IFMT == S_IFDIR ? .directory : .file
    }

    /// The whole file, or nil when it cannot be opened or read (a folder cannot be read). Also
    /// /proc's files, whose size stat(2) does not know.
    public static func contents(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        let expected = fstat(fd, &st) == 0 ? max(Int(st.st_size), 0) : 0
        // One more than the size: the end shows as a read of 0. /proc files say 0 and hold a page or more.
        var out = [UInt8](repeating: 0, count: max(expected + 1, 4096))
        var count = 0
        while true {
            if count == out.count { out += [UInt8](repeating: 0, count: max(out.count, 4096)) }
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            count += n
        }
        out.removeLast(out.count - count)
        return out
    }
}

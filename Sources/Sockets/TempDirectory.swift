#if canImport(Glibc)
import Glibc
#endif

/// A per-run temporary directory for Unix-domain socket paths; removed with everything in it.
public enum TempDirectory {
    public static func make(prefix: String) -> String? {
        let base = getenv("TMPDIR").map { stringFromCBuffer(Array(UnsafeBufferPointer(start: $0, count: strlen($0) + 1))) } ?? "/tmp"
        var template = Array((base + "/" + prefix + "XXXXXX").utf8CString)
        guard let p = mkdtemp(&template) else { return nil }
        return stringFromCBuffer(Array(UnsafeBufferPointer(start: p, count: strlen(p) + 1)))
    }

    /// Removes the directory's entries (one level: sockets and small files) and the directory.
    public static func remove(_ path: String) {
        if let dir = opendir(path) {
            while let e = readdir(dir) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name == "." || name == ".." { continue }
                unlink(path + "/" + name)
            }
            closedir(dir)
        }
        rmdir(path)
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}

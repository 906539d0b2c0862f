/// File paths as strings, the way NSString's path methods treat them (`/` separated, trailing
/// slashes ignored), without loading Foundation.
public enum Path {
    /// "a/b/c.md" → "c.md"; "/" → "/"; "a/b/" → "b".
    public static func lastComponent(_ path: String) -> String {
        let trimmed = trimmingTrailingSlashes(path)
        if trimmed == "/" || trimmed.isEmpty { return trimmed }
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// "a/b/c.md" → "a/b"; "c.md" → ""; "/c" → "/".
    public static func deletingLastComponent(_ path: String) -> String {
        let trimmed = trimmingTrailingSlashes(path)
        if trimmed == "/" { return "/" }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        return trimmingTrailingSlashes(String(trimmed[..<slash]))
    }

    /// "a" + "b" → "a/b"; "a/" + "b" → "a/b"; "" + "b" → "b".
    public static func join(_ base: String, _ component: String) -> String {
        if base.isEmpty { return component }
        if component.isEmpty { return base }
        let b = base.hasSuffix("/") ? trimmingTrailingSlashes(base) : base
        let c = component.drop { $0 == "/" }
        return (b == "/" ? "/" : b + "/") + c
    }

    /// "c.md" → "md"; "c" → ""; ".hidden" → "".
    public static func `extension`(_ path: String) -> String {
        let name = lastComponent(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    /// "a/c.md" → "a/c".
    public static func deletingExtension(_ path: String) -> String {
        let ext = `extension`(path)
        guard !ext.isEmpty else { return trimmingTrailingSlashes(path) }
        let trimmed = trimmingTrailingSlashes(path)
        return String(trimmed.dropLast(ext.count + 1))
    }

    /// "a/./b/../c" → "a/c"; "/x/../../y" → "/y". Pure text: symbolic links are not followed.
    public static func standardized(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." { parts.removeLast() } else if !absolute { parts.append(part) }
                continue
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    private static func trimmingTrailingSlashes(_ path: String) -> String {
        var s = Substring(path)
        while s.count > 1, s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }
}

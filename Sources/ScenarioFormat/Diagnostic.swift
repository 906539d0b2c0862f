/// A place in a source file: 1-based line and column (columns count characters).
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// One problem found in a file, in the shape rustc and swift-syntax print:
/// `file:line:col: error: message`, the source line, a marker, then `help:`.
public struct Diagnostic: Hashable, Sendable {
    public enum Severity: String, Sendable { case error, warning, note }
    public var severity: Severity
    public var location: SourceLocation
    /// How many characters the marker underlines (at least 1).
    public var length: Int
    public var message: String
    public var help: String?

    public init(_ severity: Severity = .error, at location: SourceLocation, length: Int = 1, _ message: String, help: String? = nil) {
        self.severity = severity
        self.location = location
        self.length = max(1, length)
        self.message = Diagnostic.abbreviatingQuotes(message)
        self.help = help.map(Diagnostic.abbreviatingQuotes)
    }

    /// Code quoted in backticks longer than 40 characters is cut to its start and `…`: a message
    /// about a 100,000-character line must stay one readable line, not repeat the line. A file's
    /// path is never cut (a "did you mean" must be whole to be copied), up to PATH_MAX.
    static func abbreviatingQuotes(_ text: String) -> String {
        guard text.utf8.count > 80, text.contains("`") else { return text }
        var out = ""
        var quoted = ""
        var inQuote = false
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            i += 1
            if c == "`" && (i < chars.count && chars[i] == "`" || i >= 2 && chars[i - 2] == "`") {
                // A fence (```steps) or a doubled backtick is no code span's edge: kept as written,
                // so a help that shows a whole block is not cut in the middle.
                if inQuote { quoted.append(c) } else { out.append(c) }
            } else if c == "`" {
                if inQuote { out += quoted.count > 40 && !looksLikePath(quoted) && !quoted.contains("\n") ? String(quoted.prefix(32)) + "…" : quoted; quoted = "" }
                inQuote.toggle()
                out.append(c)
            } else if inQuote {
                quoted.append(c)
            } else {
                out.append(c)
            }
        }
        return out + quoted
    }

    private static func looksLikePath(_ text: String) -> Bool {
        text.utf8.count <= 4096 && text.contains("/") && !text.contains { $0 == " " || $0 == "\t" || $0 == "(" || $0 == "\"" }
    }
}

/// Edit distance for "did you mean" suggestions.
public enum Suggest {
    public static func closest(to word: String, in candidates: [String], maxDistance: Int? = nil) -> String? {
        let limit = maxDistance ?? max(1, min(3, word.count / 3 + 1))
        var best: (String, Int)?
        let lower = word.lowercased()
        for c in candidates {
            let d = distance(lower, c.lowercased())
            // Ties go to the name first in alphabetical order: many candidate lists come from a
            // dictionary, whose order changes from one process to the next.
            if d <= limit, best == nil || d < best!.1 || (d == best!.1 && c < best!.0) { best = (c, d) }
        }
        return best?.0
    }

    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                // Damerau: a swapped pair of letters counts as one edit (`conenct`).
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cur[j] = min(cur[j], prev[j - 1]) // approximation good enough for suggestions
                }
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}

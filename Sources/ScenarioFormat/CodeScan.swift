/// Where the code of a step's line ends: at its `# comment`, or at the `->` of its expectation,
/// whichever the caller asks for, outside string literals. In a string a backslash escapes the
/// next character, and a quote with a combining accent is no quote (it is another Character).
/// One scan for the parser and the runner, on bytes where the line is ASCII (nearly always,
/// where each byte is one Character) and on Characters where it is not.
public enum CodeScan {
    public enum End: Sendable { case comment, expectation }

    /// `line` up to where its code ends; what comes before that end (spaces too) is kept.
    public static func code(_ line: String, endingAt end: End) -> String {
        let bytes = line.utf8
        if bytes.allSatisfy({ $0 < 0x80 }) {
            let n = length(of: bytes, endingAt: end)
            return n == bytes.count ? line : String(decoding: bytes.prefix(n), as: UTF8.self)
        }
        return codeByCharacter(line, endingAt: end)
    }

    /// The reference: the same scan, Character by Character.
    public static func codeByCharacter(_ line: String, endingAt end: End) -> String {
        String(line.prefix(length(of: line, endingAt: end)))
    }

    /// How many units are code.
    static func length<C: Collection>(of units: C, endingAt end: End) -> Int where C.Element: LexUnit {
        var quote: C.Element?
        var escaped = false
        var previousIsDash = false
        var count = 0
        for u in units {
            if let q = quote {
                if escaped { escaped = false } else if u.matches("\\") { escaped = true } else if u == q { quote = nil }
            } else if u.matches("\"") || u.matches("'") {
                quote = u
            } else if end == .comment, u.matches("#") {
                return count
            } else if end == .expectation, previousIsDash, u.matches(">") {
                return count - 1
            }
            previousIsDash = u.matches("-")
            count += 1
        }
        return count
    }
}

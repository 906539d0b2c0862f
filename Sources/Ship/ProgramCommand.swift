/// How to start a student's program, from one line written as a shell would read it
/// (`python3 server.py`, `java -cp . Server`, `'./my server'`). Plain words are split the shell's
/// way (quotes, backslashes) and run directly, as `sockstep grade -- WORDS` does; a line with
/// pipes, redirections, `&&`, `$VARIABLES` or wildcards runs through `sh -c` unchanged.
public struct ProgramCommand: Sendable, Equatable {
    /// The line as given.
    public var line: String
    /// The words `sockstep grade` gets after `--`.
    public var words: [String]
    /// True when the line needs a shell (`sh -c LINE`).
    public var usesShell: Bool

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case unterminatedQuote(Character)
        public var description: String {
            switch self {
            case .empty: return "the command is empty"
            case .unterminatedQuote(let q): return "the command has a \(q) that is never closed"
            }
        }
    }

    static let shellCharacters: Set<Character> = ["|", "&", ";", "<", ">", "(", ")", "$", "`", "*", "?", "[", "~", "\n"]

    public static func parse(_ line: String) throws -> ProgramCommand {
        var words: [String] = []
        var word = ""
        var inWord = false
        var needsShell = false
        var quote: Character?
        var escaped = false
        for ch in line {
            if escaped {
                word.append(ch); escaped = false; inWord = true; continue
            }
            if let q = quote {
                if ch == q { quote = nil }
                else if q == "\"" && ch == "\\" { escaped = true }
                else { if q == "\"" && (ch == "$" || ch == "`") { needsShell = true }; word.append(ch) }
                continue
            }
            switch ch {
            case "'", "\"": quote = ch; inWord = true
            case "\\": escaped = true
            case " ", "\t":
                if inWord { words.append(word); word = ""; inWord = false }
            default:
                if shellCharacters.contains(ch) || (ch == "#" && !inWord) { needsShell = true }
                word.append(ch); inWord = true
            }
        }
        if let q = quote { throw Problem.unterminatedQuote(q) }
        if escaped { word.append("\\") }
        if inWord { words.append(word) }
        guard !words.isEmpty else { throw Problem.empty }
        if needsShell { return ProgramCommand(line: line, words: ["sh", "-c", line], usesShell: true) }
        return ProgramCommand(line: line, words: words, usesShell: false)
    }

    /// The files the command names, relative to the submission's folder (`server.py` in
    /// `python3 server.py`, `server` in `./server`): a submission without them cannot be graded.
    public var namedFiles: [String] {
        guard !usesShell else { return [] }
        var out: [String] = []
        for (i, w) in words.enumerated() {
            if w.hasPrefix("-") || w.hasPrefix("/") || w.contains("{") || w.contains("=") { continue }
            var f = w
            while f.hasPrefix("./") { f.removeFirst(2) }
            if f.isEmpty || f.split(separator: "/").contains("..") { continue }
            if i == 0 {
                if w.hasPrefix("./") { out.append(f) }       // `./server`: the program itself
                continue
            }
            // `server.py`, `src/Server.java`, `dist/server.js`: a word with an extension or a folder.
            let last = f.split(separator: "/").last.map(String.init) ?? f
            if let dot = last.lastIndex(of: "."), dot != last.startIndex, last[last.index(after: dot)...].allSatisfy({ $0.isLetter || $0.isNumber }), last.index(after: dot) != last.endIndex {
                out.append(f)
            }
        }
        return out
    }

    /// A word quoted for a POSIX shell: `'it'\''s'`.
    public static func shellQuoted(_ word: String) -> String {
        if !word.isEmpty && word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:+@%{}".contains($0)) }) { return word }
        return "'" + word.replacing("'", with: "'\\''") + "'"
    }

    /// The words as one shell line (`python3 server.py`).
    public var shellLine: String { words.map(ProgramCommand.shellQuoted).joined(separator: " ") }
}

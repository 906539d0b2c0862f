import FoundationEssentials
import Sockets

/// A lesson, scenario or exercise file: front matter, prose and steps, with source locations.
public struct Document: Sendable {
    public enum Block: Sendable {
        /// Markdown shown to the learner, with the line it starts on.
        case prose(text: String, line: Int)
        /// A `## ` heading: in exercises each one with steps is a check.
        case heading(text: String, level: Int, line: Int)
        /// A fenced `steps` block.
        case steps([Step], line: Int)
    }

    public var path: String
    /// The file's lines, for diagnostics that quote the source.
    public var lines: [String]
    /// Front matter `key: value` pairs in file order.
    public var frontMatter: [(key: String, value: String, line: Int)]
    public var blocks: [Block]
    /// Lines of the ```` ```steps illustration ```` blocks: shown as prose, never run.
    public var illustrations: [Int] = []

    public func meta(_ key: String) -> String? { frontMatter.first { $0.key == key }?.value }

    /// The front matter title, else the first `# ` heading, else the file name.
    public var title: String {
        if let t = meta("title") { return t }
        for case .heading(let text, 1, _) in blocks { return text }
        return Path.lastComponent(path)
    }

    /// A fence tagged ```` ```steps illustration ````: steps shown as an example, never run or checked.
    public static func isIllustration(_ info: String) -> Bool {
        let words = info.split(separator: " ")
        return words.count == 2 && words[0] == "steps" && words[1] == "illustration"
    }

    public var steps: [Step] {
        blocks.flatMap { block -> [Step] in
            if case .steps(let s, _) = block { return s }
            return []
        }
    }
}

/// Front matter keys that lessons, scenarios and exercises understand; others get a warning.
public enum FrontMatterKeys {
    public static let known: [String] = [
        "title", "summary", "kind", "program", "protocol", "timeout", "points", "pass-at", "hint",
        "requires", "order", "actors", "solution", "language", "check-timeout", "total-timeout", "description",
        "start-timeout", "quiet", "output-limit", "level",
    ]
    /// Values of `level`: `beginner` makes `sockstep learn` start the lesson in its beginner view
    /// (the result and the plain explanation; strace, C and the table on a key).
    public static let levels = ["beginner", "intermediate", "advanced"]
}

/// Reads a file into a `Document` and collects every diagnostic on the way.
public enum DocumentParser {
    public struct Result: Sendable {
        public var document: Document?
        public var diagnostics: [Diagnostic]
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// Largest file accepted: lessons are small; a huge file is almost certainly a mistake.
    public static let maximumBytes = 4 * 1024 * 1024

    public static func parse(data: Data, path: String) -> Result {
        parse(bytes: [UInt8](data), path: path)
    }

    /// The file's bytes as `sockstep` reads them: decoded by the standard library, not through
    /// Foundation's Data and String(data:encoding:), whose code and globals a command then never
    /// pages in (a command's first use of a piece of code costs its page faults). Only a file that
    /// is not UTF-8 goes through Foundation, to find the line of its first bad byte.
    public static func parse(bytes: [UInt8], path: String) -> Result {
        let start = SourceLocation(line: 1, column: 1)
        if bytes.isEmpty {
            return Result(document: nil, diagnostics: [Diagnostic(at: start, "the file is empty",
                help: "a lesson needs at least one fenced ```steps block; see lessons/README.md")])
        }
        if bytes.count > maximumBytes {
            return Result(document: nil, diagnostics: [Diagnostic(at: start, "the file is \(bytes.count / 1024) KiB, larger than the \(maximumBytes / 1024 / 1024) MiB a lesson may be",
                help: "is this the right file? split a long course into several lessons")])
        }
        if bytes.contains(0) {
            return Result(document: nil, diagnostics: [Diagnostic(at: start, "this looks like a binary file, not a Markdown lesson",
                help: "pass the lesson's .md file")])
        }
        // A UTF-8 byte order mark is not part of the text (Foundation's decoding drops it too).
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes[3...] : bytes[...]
        guard let text = String(validating: body, as: UTF8.self) else {
            // Find the first bad byte's line for the location.
            var line = 1, col = 1
            var i = 0
            while i < bytes.count {
                if String(bytes: bytes[..<min(bytes.count, i + 1)], encoding: .utf8) == nil, bytes[i] >= 0x80 {
                    // Confirm by decoding from here a little.
                    if String(bytes: bytes[i..<min(bytes.count, i + 4)], encoding: .utf8) == nil { break }
                }
                if bytes[i] == 10 { line += 1; col = 1 } else if bytes[i] & 0xC0 != 0x80 { col += 1 }
                i += 1
            }
            return Result(document: nil, diagnostics: [Diagnostic(at: SourceLocation(line: line, column: col), "the file is not valid UTF-8",
                help: "save it as UTF-8 in your editor")])
        }
        return parse(text: text, path: path)
    }

    public static func parse(text: String, path: String) -> Result {
        if text.allSatisfy({ $0.isWhitespace }) {
            return Result(document: nil, diagnostics: [Diagnostic(at: SourceLocation(line: 1, column: 1), "the file is empty",
                help: "a lesson needs at least one fenced ```steps block; see lessons/README.md")])
        }
        // Split on the byte: Swift counts "\r\n" as one Character, so a split on the Character "\n"
        // (or Foundation's components(separatedBy:)) leaves a Windows file as one long line.
        // A CR before the newline goes too (a CR is always a Character of its own).
        var lines: [String] = []
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "\n") {
                var end = i
                if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                start = i + 1
            }
        }
        if lines.last == "" { lines.removeLast() }
        var diagnostics: [Diagnostic] = []
        var frontMatter: [(String, String, Int)] = []
        var i = 0

        if lines.first?.trimmingSpaces == "---" {
            i = 1
            var closed = false
            while i < lines.count {
                let line = lines[i]
                let lineNo = i + 1
                if line.trimmingSpaces == "---" { closed = true; i += 1; break }
                if line.trimmingSpaces.isEmpty || line.trimmingSpaces.hasPrefix("#") { i += 1; continue }
                if line.first == " " || line.first == "\t" || line.trimmingSpaces.hasPrefix("- ") {
                    diagnostics.append(Diagnostic(at: SourceLocation(line: lineNo, column: 1), length: line.count,
                        "nested front matter is not supported",
                        help: "write one `key: value` per line, with nothing indented"))
                } else if let colon = line.firstIndex(of: ":") {
                    let key = line[..<colon].trimmingSpaces
                    var value = line[line.index(after: colon)...].trimmingSpaces
                    if value.count >= 2, (value.first == "\"" && value.last == "\"") || (value.first == "'" && value.last == "'") {
                        value = String(value.dropFirst().dropLast())
                    }
                    if key.isEmpty || key.contains(" ") {
                        diagnostics.append(Diagnostic(at: SourceLocation(line: lineNo, column: 1), length: max(1, key.count),
                            "`\(key)` is not a front matter key", help: "keys are single words, like `title: My lesson`"))
                    } else {
                        if !FrontMatterKeys.known.contains(key) {
                            let guess = Suggest.closest(to: key, in: FrontMatterKeys.known)
                            diagnostics.append(Diagnostic(.warning, at: SourceLocation(line: lineNo, column: 1), length: key.count,
                                "unknown front matter key `\(key)`",
                                help: guess.map { "did you mean `\($0)`?" } ?? "known keys: \(FrontMatterKeys.known.prefix(6).joined(separator: ", "))"))
                        }
                        if frontMatter.contains(where: { $0.0 == key }) {
                            diagnostics.append(Diagnostic(at: SourceLocation(line: lineNo, column: 1), length: key.count,
                                "`\(key)` is set twice in the front matter", help: "keep one of the two lines"))
                        }
                        if key == "level", !FrontMatterKeys.levels.contains(value) {
                            let guess = Suggest.closest(to: value, in: FrontMatterKeys.levels)
                            diagnostics.append(Diagnostic(.warning, at: SourceLocation(line: lineNo, column: colon.utf16Offset(in: line) + 3), length: max(1, value.count),
                                value.isEmpty ? "`level:` has no value" : "unknown level `\(value)`",
                                help: guess.map { "did you mean `\($0)`?" } ?? "`level: beginner` starts the lesson in learn's beginner view; the others are `intermediate` and `advanced`"))
                        }
                        frontMatter.append((key, value, lineNo))
                    }
                } else {
                    diagnostics.append(Diagnostic(at: SourceLocation(line: lineNo, column: 1), length: line.count,
                        "expected `key: value` in the front matter", help: "front matter ends with a line of `---`"))
                }
                i += 1
            }
            if !closed {
                diagnostics.append(Diagnostic(at: SourceLocation(line: 1, column: 1), length: 3,
                    "the front matter is never closed", help: "add a line with `---` after the last `key: value`"))
                return Result(document: nil, diagnostics: diagnostics)
            }
        }

        var blocks: [Document.Block] = []
        var prose: [String] = []
        var proseStart = i + 1
        var section: String?
        var sawSteps = false
        var illustrations: [Int] = []
        var namedValues: [String: Node] = [:]

        func flushProse() {
            // Blank lines around a paragraph are not part of it (dropped line by line: Foundation's
            // trimmingCharacters bridges through NSString and cost more than the rest of parsing).
            var kept = prose[...]
            while let f = kept.first, f.isEmpty { kept.removeFirst() }
            while let l = kept.last, l.isEmpty { kept.removeLast() }
            let text = kept.joined(separator: "\n")
            if text.contains(where: { $0 != " " && $0 != "\t" && $0 != "\r" }) { blocks.append(.prose(text: text, line: proseStart)) }
            prose = []
        }

        /// Whether `line` is the fence that closes a block opened with `fence` (its first byte
        /// after spaces decides most lines without a copy).
        func closes(_ line: String, _ fence: String) -> Bool {
            guard line.utf8.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) == fence.utf8.first else { return false }
            let trimmed = line.trimmingSpaces
            return trimmed.hasPrefix(fence) && trimmed.allSatisfy { $0 == fence.first }
        }

        while i < lines.count {
            let line = lines[i]
            let lineNo = i + 1
            // Most lines are prose: only one whose first byte after spaces opens a fence or a
            // heading is trimmed (a copy) and looked at more closely.
            guard let lead = line.utf8.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }),
                  lead == UInt8(ascii: "`") || lead == UInt8(ascii: "~") || lead == UInt8(ascii: "#") else {
                if prose.isEmpty { proseStart = lineNo }
                prose.append(line)
                i += 1
                continue
            }
            let trimmed = line.trimmingSpaces
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                let fence = String(trimmed.prefix { $0 == "`" || $0 == "~" })
                let info = trimmed.dropFirst(fence.count).trimmingSpaces
                // Find the closing fence.
                var j = i + 1
                while j < lines.count, !closes(lines[j], fence) { j += 1 }
                if info == "steps" {
                    flushProse()
                    sawSteps = true
                    if j >= lines.count {
                        diagnostics.append(Diagnostic(at: SourceLocation(line: lineNo, column: 1), length: trimmed.count,
                            "this steps block is never closed", help: "add a line with \(fence) after the last step"))
                    }
                    let body = (i + 1..<min(j, lines.count)).map { ($0 + 1, lines[$0]) }
                    var lexer = Lexer(lines: body)
                    let tokens = lexer.tokenize()
                    diagnostics += lexer.diagnostics
                    var lineText: [Int: String] = [:]
                    for (n, t) in body { lineText[n] = t }
                    var parser = StepParser(tokens: tokens, lineText: lineText, comments: lexer.comments, section: section)
                    let steps = NamedValues.apply(parser.parseSteps(), known: &namedValues)
                    diagnostics += parser.diagnostics
                    blocks.append(.steps(steps, line: lineNo))
                    i = j + 1
                    proseStart = i + 1
                    continue
                }
                if Document.isIllustration(info) {
                    // An example that cannot run on its own (it needs the grader's `program`, or shows
                    // a fragment): shown as it is, never run or checked, but still written as steps.
                    illustrations.append(lineNo)
                    if j >= lines.count {
                        diagnostics.append(Diagnostic(at: SourceLocation(line: lineNo, column: 1), length: trimmed.count,
                            "this steps block is never closed", help: "add a line with \(fence) after the last step"))
                    }
                    let body = (i + 1..<min(j, lines.count)).map { ($0 + 1, lines[$0]) }
                    var lexer = Lexer(lines: body)
                    let tokens = lexer.tokenize()
                    var lineText: [Int: String] = [:]
                    for (n, t) in body { lineText[n] = t }
                    var parser = StepParser(tokens: tokens, lineText: lineText, comments: lexer.comments, section: section)
                    _ = parser.parseSteps()
                    diagnostics += lexer.diagnostics + parser.diagnostics
                    diagnostics.append(Diagnostic(.note, at: SourceLocation(line: lineNo, column: fence.count + 1), length: info.count,
                        "this steps block is an illustration: it is shown, not run (only its syntax is checked)",
                        help: "to run it, tag it ```steps instead"))
                    let end = min(j, lines.count - 1)
                    prose += lines[i...end]
                    i = end + 1
                    continue
                }
                if info.hasPrefix("step") || Suggest.distance(info, "steps") == 1 {
                    // `steps illustrate`, `step illustration`: the author meant an illustration.
                    let words = info.split(separator: " ")
                    let meant = words.count == 2 && Suggest.distance(String(words[1]), "illustration") <= 4 ? "```steps illustration" : "```steps"
                    diagnostics.append(Diagnostic(.warning, at: SourceLocation(line: lineNo, column: fence.count + 1), length: info.count,
                        "a code block tagged `\(info)` is shown as text, not run", help: "did you mean \(meant)?"))
                }
                // Any other fenced block is prose, kept verbatim.
                let end = min(j, lines.count - 1)
                prose += lines[i...end]
                i = end + 1
                continue
            }
            if trimmed.hasPrefix("#") {
                let level = trimmed.prefix { $0 == "#" }.count
                if level <= 6, trimmed.dropFirst(level).first == " " {
                    flushProse()
                    let text = trimmed.dropFirst(level).trimmingSpaces
                    blocks.append(.heading(text: text, level: level, line: lineNo))
                    if level == 2 { section = text }
                    i += 1
                    proseStart = i + 1
                    continue
                }
            }
            if prose.isEmpty { proseStart = lineNo }
            prose.append(line)
            i += 1
        }
        flushProse()

        if !sawSteps && illustrations.isEmpty {
            diagnostics.append(Diagnostic(at: SourceLocation(line: 1, column: 1), "no steps block in this file",
                help: "steps go in a fenced block tagged `steps`:\n```steps\ns = socket(AF_INET, SOCK_STREAM)\n```"))
        }
        var doc = Document(path: path, lines: lines, frontMatter: frontMatter.map { ($0.0, $0.1, $0.2) }, blocks: blocks)
        doc.illustrations = illustrations
        return Result(document: doc, diagnostics: diagnostics)
    }
}

/// A token of a step line.
struct Token: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case name(String)
        case int(Int)
        case float(Double)
        case string(String)
        case bytes([UInt8])
        case punct(String)   // ( ) [ ] , . = * ** + - | -> =>
        case newline
        case end
    }
    var kind: Kind
    var location: SourceLocation
    var length: Int
}

/// Turns the lines of a steps block into tokens. Newlines inside brackets are joined, as in Python,
/// so a long call may span lines. Comments are kept aside per line for display.
struct Lexer {
    /// (line number in the file, text)
    let lines: [(Int, String)]
    var diagnostics: [Diagnostic] = []
    var comments: [Int: String] = [:]

    init(lines: [(Int, String)]) { self.lines = lines }

    /// A String from a run of characters: appended one by one, which the compiler specializes
    /// (the generic `String(_: some Sequence<Character>)` cost a third of a cold parse).
    static func text(_ chars: ArraySlice<Character>) -> String {
        var s = ""
        for c in chars { s.append(c) }
        return s
    }

    /// `Character.isLetter` with an ASCII fast path (the Unicode property lookup is slow, and
    /// nearly every character of a step is ASCII).
    static func isLetter(_ c: Character) -> Bool {
        if let a = c.asciiValue { return (a >= 65 && a <= 90) || (a >= 97 && a <= 122) }
        return c.isLetter
    }

    mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        var depth = 0
        for (lineNo, text) in lines {
            // ASCII (nearly every step line): each byte is one Character, no grapheme breaking needed.
            let chars: [Character] = text.utf8.allSatisfy({ $0 < 0x80 }) ? text.utf8.map { Character(Unicode.Scalar($0)) } : Array(text)
            var i = 0
            func loc(_ at: Int) -> SourceLocation { SourceLocation(line: lineNo, column: at + 1) }
            lineLoop: while i < chars.count {
                let c = chars[i]
                if c == " " || c == "\t" { i += 1; continue }
                if c == "#" {
                    comments[lineNo] = Lexer.text(chars[(i + 1)...]).trimmingSpaces
                    break lineLoop
                }
                let start = i
                if Lexer.isLetter(c) || c == "_" {
                    // String prefixes: b"", r"", br"", rb"".
                    var j = i
                    while j < chars.count, Lexer.isLetter(chars[j]) || chars[j].isNumber || chars[j] == "_" { j += 1 }
                    let word = Lexer.text(chars[i..<j])
                    if j < chars.count, chars[j] == "\"" || chars[j] == "'",
                       ["b", "r", "br", "rb", "B", "R", "bR", "Rb", "BR", "RB", "u", "f"].contains(word) {
                        let lower = word.lowercased()
                        if lower == "f" {
                            diagnostics.append(Diagnostic(at: loc(i), length: 1, "f-strings are not supported in steps",
                                                          help: "write the text out in full, e.g. `\"Hello\"`"))
                        }
                        if let tok = lexString(chars, from: j, isBytes: lower.contains("b"), raw: lower.contains("r"), lineNo: lineNo, prefixStart: i) {
                            tokens.append(tok.0)
                            i = tok.1
                        } else {
                            return tokens + [Token(kind: .end, location: loc(i), length: 1)]
                        }
                        continue
                    }
                    tokens.append(Token(kind: .name(word), location: loc(i), length: j - i))
                    i = j
                    continue
                }
                if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                    var j = i
                    var isFloat = false
                    if c == "0", j + 1 < chars.count, chars[j + 1] == "x" || chars[j + 1] == "X" {
                        j += 2
                        while j < chars.count, chars[j].isHexDigit || chars[j] == "_" { j += 1 }
                        let digits = Lexer.text(chars[(i + 2)..<j]).replacingAll("_", with: "")
                        if let v = Int(digits, radix: 16) {
                            tokens.append(Token(kind: .int(v), location: loc(i), length: j - i))
                        } else {
                            diagnostics.append(Diagnostic(at: loc(i), length: j - i, "`\(Lexer.text(chars[i..<j]))` is not a valid number"))
                        }
                        i = j
                        continue
                    }
                    while j < chars.count, chars[j].isNumber || chars[j] == "_" || chars[j] == "." || chars[j] == "e" || chars[j] == "E" {
                        if chars[j] == "." || chars[j] == "e" || chars[j] == "E" { isFloat = true }
                        if (chars[j] == "e" || chars[j] == "E"), j + 1 < chars.count, chars[j + 1] == "-" || chars[j + 1] == "+" { j += 1 }
                        j += 1
                    }
                    let text = Lexer.text(chars[i..<j]).replacingAll("_", with: "")
                    if isFloat, let v = Double(text) {
                        tokens.append(Token(kind: .float(v), location: loc(i), length: j - i))
                    } else if !isFloat, let v = Int(text) {
                        tokens.append(Token(kind: .int(v), location: loc(i), length: j - i))
                    } else if !isFloat, text.allSatisfy(\.isNumber) {
                        diagnostics.append(Diagnostic(at: loc(i), length: j - i, "the number `\(text)` is too large",
                                                      help: "numbers in steps must fit in 64 bits"))
                        tokens.append(Token(kind: .int(Int.max), location: loc(i), length: j - i))
                    } else {
                        diagnostics.append(Diagnostic(at: loc(i), length: j - i, "`\(text)` is not a valid number"))
                    }
                    i = j
                    continue
                }
                if c == "\"" || c == "'" {
                    if let tok = lexString(chars, from: i, isBytes: false, raw: false, lineNo: lineNo, prefixStart: i) {
                        tokens.append(tok.0)
                        i = tok.1
                        continue
                    }
                    return tokens + [Token(kind: .end, location: loc(i), length: 1)]
                }
                let two = i + 1 < chars.count ? Lexer.text(chars[i...(i + 1)]) : ""
                if two == "->" || two == "=>" || two == "**" || two == "==" {
                    tokens.append(Token(kind: .punct(two), location: loc(i), length: 2))
                    i += 2
                    continue
                }
                if "()[],.=*+-|:".contains(c) {
                    if "([".contains(c) { depth += 1 }
                    if ")]".contains(c) { depth = max(0, depth - 1) }
                    tokens.append(Token(kind: .punct(String(c)), location: loc(i), length: 1))
                    i += 1
                    continue
                }
                diagnostics.append(Diagnostic(at: loc(start), "unexpected character `\(c)`",
                                              help: c == ";" ? "write one step per line instead of separating them with `;`" : "steps are written like Python's socket module: `name.call(arguments)`"))
                i += 1
            }
            if depth == 0, let last = tokens.last, last.kind != .newline {
                tokens.append(Token(kind: .newline, location: SourceLocation(line: lineNo, column: chars.count + 1), length: 1))
            }
        }
        let endLoc = SourceLocation(line: (lines.last?.0 ?? 1), column: (lines.last?.1.count ?? 0) + 1)
        if let last = tokens.last, last.kind != .newline { tokens.append(Token(kind: .newline, location: endLoc, length: 1)) }
        tokens.append(Token(kind: .end, location: endLoc, length: 1))
        return tokens
    }

    /// Lexes a quoted literal starting at the quote; nil (with a diagnostic) when unterminated.
    private mutating func lexString(_ chars: [Character], from q: Int, isBytes: Bool, raw: Bool, lineNo: Int, prefixStart: Int) -> (Token, Int)? {
        let quote = chars[q]
        var i = q + 1
        var scalars: [UInt32] = []
        func loc(_ at: Int) -> SourceLocation { SourceLocation(line: lineNo, column: at + 1) }
        while i < chars.count {
            let c = chars[i]
            if c == quote {
                let length = i + 1 - prefixStart
                if isBytes {
                    var bytes: [UInt8] = []
                    for s in scalars {
                        if s > 255 {
                            diagnostics.append(Diagnostic(at: loc(prefixStart), length: length, "bytes can only contain ASCII characters",
                                                          help: "write other bytes as escapes like `\\xe2`, or use a text string and `.encode()`"))
                            break
                        }
                        bytes.append(UInt8(s))
                    }
                    return (Token(kind: .bytes(bytes), location: loc(prefixStart), length: length), i + 1)
                }
                var s = ""
                for v in scalars { if let u = Unicode.Scalar(v) { s.unicodeScalars.append(u) } }
                return (Token(kind: .string(s), location: loc(prefixStart), length: length), i + 1)
            }
            if c == "\\" && !raw {
                guard i + 1 < chars.count else { break }
                let e = chars[i + 1]
                switch e {
                case "n": scalars.append(10); i += 2
                case "r": scalars.append(13); i += 2
                case "t": scalars.append(9); i += 2
                case "0" where !(i + 2 < chars.count && chars[i + 2].isNumber): scalars.append(0); i += 2
                case "a": scalars.append(7); i += 2
                case "b": scalars.append(8); i += 2
                case "f": scalars.append(12); i += 2
                case "v": scalars.append(11); i += 2
                case "\\", "'", "\"": scalars.append(e.unicodeScalars.first!.value); i += 2
                case "x":
                    let hex = i + 3 < chars.count ? Lexer.text(chars[(i + 2)...(i + 3)]) : ""
                    if hex.count == 2, let v = UInt32(hex, radix: 16) {
                        scalars.append(v); i += 4
                    } else {
                        diagnostics.append(Diagnostic(at: loc(i), length: 2, "`\\x` must be followed by two hex digits",
                                                      help: "for a zero byte write `\\x00`"))
                        i += 2
                    }
                case "u" where !isBytes:
                    let hex = i + 5 < chars.count ? Lexer.text(chars[(i + 2)...(i + 5)]) : ""
                    if hex.count == 4, let v = UInt32(hex, radix: 16) { scalars.append(v); i += 6 } else {
                        diagnostics.append(Diagnostic(at: loc(i), length: 2, "`\\u` must be followed by four hex digits"))
                        i += 2
                    }
                default:
                    if e.isNumber, let v = UInt32(Lexer.text(chars[(i + 1)..<min(chars.count, i + 4)].prefix { $0.isNumber && $0 < "8" }), radix: 8) {
                        let n = Lexer.text(chars[(i + 1)..<min(chars.count, i + 4)].prefix { $0.isNumber && $0 < "8" }).count
                        scalars.append(v); i += 1 + n
                    } else {
                        // Python keeps unknown escapes as they are.
                        scalars.append(92); i += 1
                    }
                }
                continue
            }
            for u in c.unicodeScalars { scalars.append(u.value) }
            i += 1
        }
        diagnostics.append(Diagnostic(at: loc(prefixStart), length: chars.count - prefixStart, "unterminated string",
                                      help: "close it with `\(quote)` on the same line"))
        return nil
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and CRs, as Characters: a space followed by a
    /// combining accent is one Character and stays.
    var trimmingSpaces: String {
        // On bytes where the ends are ASCII (nearly always): a space, tab or CR next to an ASCII
        // byte is a Character of its own, so dropping those bytes is dropping those Characters.
        let whole = Substring(self), u = whole.utf8
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        var start = u.startIndex
        while start != u.endIndex, isSpace(u[start]) { start = u.index(after: start) }
        var end = u.endIndex
        if start == u.endIndex { return "" }
        while end != start, isSpace(u[u.index(before: end)]) { end = u.index(before: end) }
        if u[start] < 0x80, u[u.index(before: end)] < 0x80 { return String(whole[start..<end]) }
        return trimmingSpacesByCharacter
    }

    /// The reference: Character by Character.
    var trimmingSpacesByCharacter: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}


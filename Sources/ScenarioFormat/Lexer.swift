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

    mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        var depth = 0
        for (lineNo, text) in lines {
            // ASCII (nearly every step line): lexed on its bytes, each one Character, with the same
            // code (`lexLine` is generic); other lines on their Characters.
            let finished = text.utf8.allSatisfy({ $0 < 0x80 })
                ? lexLine(Array(text.utf8), lineNo: lineNo, into: &tokens, depth: &depth)
                : lexLine(Array(text), lineNo: lineNo, into: &tokens, depth: &depth)
            guard finished else { return tokens }
        }
        let endLoc = SourceLocation(line: (lines.last?.0 ?? 1), column: (lines.last?.1.count ?? 0) + 1)
        if let last = tokens.last, last.kind != .newline { tokens.append(Token(kind: .newline, location: endLoc, length: 1)) }
        tokens.append(Token(kind: .end, location: endLoc, length: 1))
        return tokens
    }

    /// Lexes one line onto `tokens`; false (after an `.end` token) when the rest of the block
    /// cannot be lexed (an unterminated string).
    private mutating func lexLine<C: LexUnit>(_ chars: [C], lineNo: Int, into tokens: inout [Token], depth: inout Int) -> Bool {
        var i = 0
        func loc(_ at: Int) -> SourceLocation { SourceLocation(line: lineNo, column: at + 1) }
        while i < chars.count {
            let c = chars[i]
            if c.matches(" ") || c.matches("\t") { i += 1; continue }
            if c.matches("#") {
                comments[lineNo] = C.text(chars[(i + 1)...]).trimmingSpaces
                break
            }
            let start = i
            if c.isLetter || c.matches("_") {
                // String prefixes: b"", r"", br"", rb"".
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j].matches("_") { j += 1 }
                let word = C.text(chars[i..<j])
                if j < chars.count, chars[j].matches("\"") || chars[j].matches("'"),
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
                        tokens.append(Token(kind: .end, location: loc(i), length: 1))
                        return false
                    }
                    continue
                }
                tokens.append(Token(kind: .name(word), location: loc(i), length: j - i))
                i = j
                continue
            }
            if c.isNumber || (c.matches(".") && i + 1 < chars.count && chars[i + 1].isNumber) {
                var j = i
                var isFloat = false
                if c.matches("0"), j + 1 < chars.count, chars[j + 1].matches("x") || chars[j + 1].matches("X") {
                    j += 2
                    while j < chars.count, chars[j].isHexDigit || chars[j].matches("_") { j += 1 }
                    let digits = C.text(chars[(i + 2)..<j]).replacingAll("_", with: "")
                    if let v = Int(digits, radix: 16) {
                        tokens.append(Token(kind: .int(v), location: loc(i), length: j - i))
                    } else {
                        diagnostics.append(Diagnostic(at: loc(i), length: j - i, "`\(C.text(chars[i..<j]))` is not a valid number"))
                    }
                    i = j
                    continue
                }
                while j < chars.count, chars[j].isNumber || chars[j].matches("_") || chars[j].matches(".") || chars[j].matches("e") || chars[j].matches("E") {
                    if chars[j].matches(".") || chars[j].matches("e") || chars[j].matches("E") { isFloat = true }
                    if chars[j].matches("e") || chars[j].matches("E"), j + 1 < chars.count, chars[j + 1].matches("-") || chars[j + 1].matches("+") { j += 1 }
                    j += 1
                }
                let text = C.text(chars[i..<j]).replacingAll("_", with: "")
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
            if c.matches("\"") || c.matches("'") {
                if let tok = lexString(chars, from: i, isBytes: false, raw: false, lineNo: lineNo, prefixStart: i) {
                    tokens.append(tok.0)
                    i = tok.1
                    continue
                }
                tokens.append(Token(kind: .end, location: loc(i), length: 1))
                return false
            }
            let two = i + 1 < chars.count ? C.text(chars[i...(i + 1)]) : ""
            if two == "->" || two == "=>" || two == "**" || two == "==" {
                tokens.append(Token(kind: .punct(two), location: loc(i), length: 2))
                i += 2
                continue
            }
            if c.isOne(of: "()[],.=*+-|:") {
                if c.isOne(of: "([") { depth += 1 }
                if c.isOne(of: ")]") { depth = max(0, depth - 1) }
                tokens.append(Token(kind: .punct(C.text(chars[i...i])), location: loc(i), length: 1))
                i += 1
                continue
            }
            diagnostics.append(Diagnostic(at: loc(start), "unexpected character `\(c.character)`",
                                          help: c.matches(";") ? "write one step per line instead of separating them with `;`" : "steps are written like Python's socket module: `name.call(arguments)`"))
            i += 1
        }
        if depth == 0, let last = tokens.last, last.kind != .newline {
            tokens.append(Token(kind: .newline, location: SourceLocation(line: lineNo, column: chars.count + 1), length: 1))
        }
        return true
    }

    /// Lexes a quoted literal starting at the quote; nil (with a diagnostic) when unterminated.
    private mutating func lexString<C: LexUnit>(_ chars: [C], from q: Int, isBytes: Bool, raw: Bool, lineNo: Int, prefixStart: Int) -> (Token, Int)? {
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
            if c.matches("\\") && !raw {
                guard i + 1 < chars.count else { break }
                let e = chars[i + 1].character
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
                    let hex = i + 3 < chars.count ? C.text(chars[(i + 2)...(i + 3)]) : ""
                    if hex.count == 2, let v = UInt32(hex, radix: 16) {
                        scalars.append(v); i += 4
                    } else {
                        diagnostics.append(Diagnostic(at: loc(i), length: 2, "`\\x` must be followed by two hex digits",
                                                      help: "for a zero byte write `\\x00`"))
                        i += 2
                    }
                case "u" where !isBytes:
                    let hex = i + 5 < chars.count ? C.text(chars[(i + 2)...(i + 5)]) : ""
                    if hex.count == 4, let v = UInt32(hex, radix: 16) { scalars.append(v); i += 6 } else {
                        diagnostics.append(Diagnostic(at: loc(i), length: 2, "`\\u` must be followed by four hex digits"))
                        i += 2
                    }
                default:
                    let octal = chars[(i + 1)..<min(chars.count, i + 4)].prefix { $0.isNumber && $0.character < "8" }
                    if e.isNumber, let v = UInt32(C.text(octal), radix: 8) {
                        scalars.append(v); i += 1 + C.text(octal).count
                    } else {
                        // Python keeps unknown escapes as they are.
                        scalars.append(92); i += 1
                    }
                }
                continue
            }
            c.appendScalars(to: &scalars)
            i += 1
        }
        diagnostics.append(Diagnostic(at: loc(prefixStart), length: chars.count - prefixStart, "unterminated string",
                                      help: "close it with `\(quote.character)` on the same line"))
        return nil
    }
}

/// What the lexer reads a line as: its Characters, or, for an ASCII line, its bytes (each one
/// Character, so columns and lengths are the same), which are much cheaper to compare and copy.
protocol LexUnit: Equatable {
    /// The unit as a Character, for messages and the rare escape.
    var character: Character { get }
    /// Character's own properties; for a byte, their ASCII answers.
    var isLetter: Bool { get }
    var isNumber: Bool { get }
    var isHexDigit: Bool { get }
    /// True when the unit is the Character `c` (an ASCII one).
    func matches(_ c: Unicode.Scalar) -> Bool
    /// True when the unit is one of the ASCII Characters of `set`.
    func isOne(of set: StaticString) -> Bool
    func appendScalars(to scalars: inout [UInt32])
    static func text(_ units: ArraySlice<Self>) -> String
}

extension Character: LexUnit {
    var character: Character { self }
    func matches(_ c: Unicode.Scalar) -> Bool { self == Character(c) }
    func isOne(of set: StaticString) -> Bool {
        guard let a = asciiValue, self != "\r\n" else { return false }
        return UnsafeBufferPointer(start: set.utf8Start, count: set.utf8CodeUnitCount).contains(a)
    }
    func appendScalars(to scalars: inout [UInt32]) { for u in unicodeScalars { scalars.append(u.value) } }
    /// Appended one by one, which the compiler specializes (the generic
    /// `String(_: some Sequence<Character>)` cost a third of a cold parse).
    static func text(_ units: ArraySlice<Character>) -> String {
        var s = ""
        for c in units { s.append(c) }
        return s
    }
}

extension UInt8: LexUnit {
    var character: Character { Character(Unicode.Scalar(self)) }
    var isLetter: Bool { (self >= 65 && self <= 90) || (self >= 97 && self <= 122) }
    var isNumber: Bool { self >= 0x30 && self <= 0x39 }
    var isHexDigit: Bool { isNumber || (self >= 0x41 && self <= 0x46) || (self >= 0x61 && self <= 0x66) }
    func matches(_ c: Unicode.Scalar) -> Bool { UInt32(self) == c.value }
    func isOne(of set: StaticString) -> Bool {
        UnsafeBufferPointer(start: set.utf8Start, count: set.utf8CodeUnitCount).contains(self)
    }
    func appendScalars(to scalars: inout [UInt32]) { scalars.append(UInt32(self)) }
    static func text(_ units: ArraySlice<UInt8>) -> String { String(decoding: units, as: UTF8.self) }
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


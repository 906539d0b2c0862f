/// Text laid out in terminal columns: prose wrapped at word boundaries, code-like lines (strace,
/// C, the socket line) wrapped between arguments with a hanging indent, Markdown prose reflowed.
///
/// A column is a code point; ANSI colour sequences (ESC [ ... m) take none, so text may be
/// styled before it is wrapped.
public enum Columns {
    /// Prose is never set wider than this, however wide the terminal: longer lines are harder to
    /// read. Code-like lines use the whole width.
    public static let proseLimit = 100

    /// The columns `text` takes on a terminal.
    public static func width(of text: String) -> Int {
        var n = 0
        var inEscape = false
        for b in text.utf8 {
            if inEscape {
                if b == UInt8(ascii: "m") { inEscape = false }
                continue
            }
            if b == 0x1B { inEscape = true; continue }
            if b & 0xC0 != 0x80 { n += 1 }
        }
        return n
    }

    /// Wraps text at spaces to `width` columns, each line after the first starting with `indent`.
    /// A word longer than the width stays whole on its own line.
    public static func wrap(_ text: String, width: Int, indent: String) -> String {
        // Works on UTF-8 bytes: a column is a byte for ASCII, and a continuation byte (10xxxxxx)
        // starts no column, so the count is the number of code points (Character-based counting
        // cost more than everything else in rendering).
        let bytes = Array(text.utf8)
        if bytes.count <= width { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        let breakLine = Array(("\n" + indent).utf8)
        var lineColumns = 0
        var i = 0
        while i <= bytes.count {
            // One word: up to the next space (or the end).
            var j = i
            var columns = 0
            var inEscape = false
            while j < bytes.count, bytes[j] != 32 || inEscape {
                if inEscape {
                    if bytes[j] == UInt8(ascii: "m") { inEscape = false }
                } else if bytes[j] == 0x1B {
                    inEscape = true
                } else if bytes[j] & 0xC0 != 0x80 {
                    columns += 1
                }
                j += 1
            }
            if lineColumns > 0 && lineColumns + 1 + columns > width {
                out += breakLine
                lineColumns = 0
            } else if i > 0 {
                out.append(32)
                lineColumns += 1
            }
            out += bytes[i..<j]
            lineColumns += columns
            i = j + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Wraps a line of code (an strace line, a C call) to `width` columns: it breaks only at a
    /// space outside a string literal, so `"Hello, server!"` stays whole, and a piece longer than
    /// the width is cut at the width. The first line has `first` columns; the others start with
    /// `indent` and have `rest` columns after it.
    public static func wrapCode(_ text: String, first: Int, rest: Int, indent: String) -> String {
        let chars = Array(text)
        if chars.count <= first { return text }
        // Pieces end after a space outside quotes: `bind(3, ` `{sa_family=AF_INET, ` ...
        var pieces: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for c in chars {
            current.append(c)
            if escaped { escaped = false; continue }
            if c == "\\" && quoted { escaped = true; continue }
            if c == "\"" { quoted.toggle() }
            if c == " " && !quoted {
                pieces.append(current)
                current = ""
            }
        }
        if !current.isEmpty { pieces.append(current) }
        // The result of an strace line (`= -1 ECONNREFUSED (Connection refused)`) stays in one piece.
        // Only a call's result: after `) `, and short (C's `int v = 1; ...` is no result).
        if let eq = pieces.lastIndex(of: "= "), eq > 0, eq < pieces.count - 1, pieces[eq - 1].hasSuffix(") ") {
            let tail = pieces[eq...].joined()
            if tail.count <= 48 {
                pieces.removeSubrange(eq...)
                pieces.append(tail)
            }
        }
        let room = max(10, rest)
        var lines: [String] = []
        var line = ""
        var limit = max(10, first)
        for piece in pieces {
            var p = piece
            if !line.isEmpty, line.count + p.trimmingTrailingSpaces.count > limit {
                lines.append(line.trimmingTrailingSpaces)
                line = ""
                limit = room
            }
            // A piece that cannot fit on a line of its own is cut.
            while line.isEmpty, p.trimmingTrailingSpaces.count > limit {
                lines.append(String(p.prefix(limit)))
                p = String(p.dropFirst(limit))
                limit = room
            }
            line += p
        }
        if !line.trimmingTrailingSpaces.isEmpty { lines.append(line.trimmingTrailingSpaces) }
        return lines.joined(separator: "\n" + indent)
    }

    /// Joins `parts` with `separator`, starting a new line (with `indent`) between parts rather
    /// than inside one when the line would pass its room: `first` columns, then `rest` after `indent`.
    public static func wrapParts(_ parts: [String], separator: String = "  ", first: Int, rest: Int, indent: String) -> String {
        var lines: [String] = []
        var line = ""
        var limit = first
        for part in parts {
            if line.isEmpty { line = part; continue }
            if Columns.width(of: line) + separator.count + Columns.width(of: part) > limit {
                lines.append(line)
                line = part
                limit = rest
            } else {
                line += separator + part
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n" + indent)
    }

    /// Markdown prose reflowed to `width`: paragraphs, list items (with a hanging indent) and
    /// quotes are wrapped; fenced and indented code and tables are kept as written.
    public static func reflow(_ markdown: String, width: Int) -> String {
        var out: [String] = []
        var paragraph: [String] = []
        var lead = ""        // the first line's prefix: "", "- ", "1. ", "> "
        var hanging = ""     // the prefix of the lines after the first
        var inFence = false

        func flush() {
            guard !paragraph.isEmpty else { return }
            let text = paragraph.joined(separator: " ")
            let body = wrap(text, width: max(20, width - lead.count), indent: hanging)
            out.append(lead + body)
            paragraph = []
            lead = ""
            hanging = ""
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                flush()
                inFence.toggle()
                out.append(line)
                continue
            }
            if inFence || line.hasPrefix("    ") && paragraph.isEmpty || trimmed.hasPrefix("|") || trimmed.hasPrefix("#") {
                flush()
                out.append(line)
                continue
            }
            if trimmed.isEmpty {
                flush()
                out.append("")
                continue
            }
            if let marker = listMarker(line) {
                flush()
                lead = marker
                hanging = String(repeating: " ", count: marker.count)
                paragraph = [String(line.dropFirst(marker.count))]
                continue
            }
            if line.hasPrefix("> ") {
                if paragraph.isEmpty || lead != "> " {
                    flush()
                    lead = "> "
                    hanging = "> "
                }
                paragraph.append(String(line.dropFirst(2)))
                continue
            }
            paragraph.append(String(trimmed))
        }
        flush()
        return out.joined(separator: "\n")
    }

    /// "- ", "* ", "12. " (with any leading spaces) when `line` starts a list item.
    static func listMarker(_ line: String) -> String? {
        let spaces = line.prefix { $0 == " " }
        let rest = line.dropFirst(spaces.count)
        if rest.hasPrefix("- ") || rest.hasPrefix("* ") { return String(spaces) + String(rest.prefix(2)) }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 3, rest.dropFirst(digits.count).hasPrefix(". ") {
            return String(spaces) + String(digits) + ". "
        }
        return nil
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// How output may look: colour only on a terminal and never with NO_COLOR; Unicode only on UTF-8.
public struct Style: Sendable {
    public var color: Bool
    public var unicode: Bool
    public init(color: Bool, unicode: Bool) {
        self.color = color
        self.unicode = unicode
    }
    public static let plain = Style(color: false, unicode: true)

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    public func green(_ s: String) -> String { paint(s, "32") }
    public func red(_ s: String) -> String { paint(s, "31") }
    public func yellow(_ s: String) -> String { paint(s, "33") }
    public func cyan(_ s: String) -> String { paint(s, "36") }
    public func bold(_ s: String) -> String { paint(s, "1") }
    public func dim(_ s: String) -> String { paint(s, "2") }

    public var check: String { unicode ? "✓" : "ok" }
    public var cross: String { unicode ? "✗" : "FAIL" }
    public var dot: String { unicode ? "·" : "-" }
    public var dash: String { unicode ? "—" : "-" }
}

/// Pads to a width, counting characters (not bytes).
func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

/// Wraps text at word boundaries to `width` columns, each line after the first indented.
func wrap(_ text: String, width: Int, indent: String) -> String {
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
        while j < bytes.count, bytes[j] != 32 {
            if bytes[j] & 0xC0 != 0x80 { columns += 1 }
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

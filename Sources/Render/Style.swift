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
    Columns.wrap(text, width: width, indent: indent)
}

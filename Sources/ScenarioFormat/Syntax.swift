/// The expression language of a step: the part of Python that socket code uses. Only the cases
/// that hold a Node are boxed (`indirect`): a name or a literal, most of a step, needs no allocation.
public enum Expr: Hashable, Sendable {
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case bool(Bool)
    case none
    case name(String)
    indirect case attribute(Node, String)
    indirect case call(Node, [Node])
    case tuple([Node])
    case list([Node])
    indirect case binary(BinaryOp, Node, Node)
    indirect case negate(Node)

    public enum BinaryOp: String, Sendable, Hashable { case add = "+", multiply = "*", power = "**", bitOr = "|" }
}

/// An expression with where it was written.
public struct Node: Hashable, Sendable {
    public var expr: Expr
    public var location: SourceLocation
    /// Characters the expression spans on its line (for markers).
    public var length: Int
    public init(_ expr: Expr, at location: SourceLocation, length: Int = 1) {
        self.expr = expr
        self.location = location
        self.length = length
    }

    /// `server.bind` → ("server", "bind") when this is a method call on a plain name.
    public var methodCall: (receiver: String, receiverLocation: SourceLocation, method: String, args: [Node])? {
        guard case .call(let callee, let args) = expr,
              case .attribute(let base, let method) = callee.expr,
              case .name(let receiver) = base.expr else { return nil }
        return (receiver, base.location, method, args)
    }

    /// `socket(...)` → ("socket", args) when this is a call of a plain function name.
    public var functionCall: (name: String, args: [Node])? {
        guard case .call(let callee, let args) = expr, case .name(let n) = callee.expr else { return nil }
        return (n, args)
    }
}

/// What a step expects, written after `->`.
public enum Expectation: Hashable, Sendable {
    /// A value: bytes, a string, a number, a tuple (with `_` as a wildcard), a TCP state name.
    case value(Node)
    /// An errno by name (`ECONNREFUSED`), or one of Python's exceptions that stand for errnos.
    case error(name: String, errnos: [String], location: SourceLocation)
    /// A Python exception that never reaches the kernel (`OverflowError` for port 123456789).
    case pythonError(name: String, location: SourceLocation)
    /// The call would wait: proven without waiting.
    case blocks
    /// A timeout set with `settimeout` expired.
    case timeout
    /// The peer closed: `recv` returned `b""`.
    case eof
    /// The call succeeded, whatever it returned.
    case ok
}

/// One line (or one bracketed run of lines) of a steps block.
public struct Step: Hashable, Sendable {
    /// Names assigned by the step (`conn, addr = server.accept()` → ["conn", "addr"]).
    public var targets: [String]
    public var targetLocations: [SourceLocation]
    public var call: Node
    public var expectation: Expectation?
    public var expectationLocation: SourceLocation?
    /// The step's text as written, without its trailing comment.
    public var source: String
    /// The trailing `# comment`, shown with the step.
    public var comment: String?
    public var location: SourceLocation
    /// The `## ` section the step is in (exercise checks are sections).
    public var section: String?
    /// Packets the step must cause, written after `=>` (`conn.close() => [RST]`).
    public var packets: PacketExpectation?

    public init(targets: [String], targetLocations: [SourceLocation], call: Node, expectation: Expectation?, expectationLocation: SourceLocation?, source: String, comment: String?, location: SourceLocation, section: String?) {
        self.targets = targets
        self.targetLocations = targetLocations
        self.call = call
        self.expectation = expectation
        self.expectationLocation = expectationLocation
        self.source = source
        self.comment = comment
        self.location = location
        self.section = section
    }
}

/// Packets a step must cause, written after `=>`: `=> [SYN] [SYN, ACK] [ACK]`, `=> RST`, `=> none`.
/// Each item is a set of TCP flags; the step's captured segments must contain, in this order (other
/// segments may come between), one segment carrying at least those flags for each item. `none`: the
/// step sent no packet at all. Checked only when the run captures its packets; skipped otherwise.
public struct PacketExpectation: Hashable, Sendable {
    public struct Item: Hashable, Sendable {
        public var flags: [String]
        public var locations: [SourceLocation]
        public init(flags: [String], locations: [SourceLocation]) {
            self.flags = flags
            self.locations = locations
        }
        /// "[SYN, ACK]".
        public var text: String { "[\(flags.joined(separator: ", "))]" }
    }
    /// Empty for `none`.
    public var items: [Item]
    public var location: SourceLocation
    public init(items: [Item], location: SourceLocation) {
        self.items = items
        self.location = location
    }
    /// "[SYN] [SYN, ACK] [ACK]" or "none".
    public var text: String { items.isEmpty ? "none" : items.map(\.text).joined(separator: " ") }
}

/// Names for plain values, as tutorials write them: `HOST = "127.0.0.1"`, `PORT = 0`,
/// `MESSAGE = "hello".encode()`. The assignment stays a step (it shows the value), and where the
/// name is used later its value is written in its place, so the checker sees the real address
/// (`s.bind((HOST, PORT))` is checked as `s.bind(("127.0.0.1", 0))`) and every exporter writes
/// a literal. The runner binds the name too, for what the text does not say (the shell).
///
/// `"text".encode()` and `b"bytes".decode()` on literals are folded to their value here as well.
public enum NamedValues {
    /// Rewrites `steps` in order; `known` carries the names from one steps block to the next.
    public static func apply(_ steps: [Step], known: inout [String: Node]) -> [Step] {
        var out: [Step] = []
        for var step in steps {
            // Most steps name no known value and call no encode/decode: nothing to rewrite, and
            // rebuilding their trees was most of this pass's time.
            let rewrites = mayRewrite(step.call, known)
            if !step.targets.isEmpty, let value = literal(rewrites ? substitute(step.call, known, asValue: true) : step.call) {
                step.call = value
                if step.targets.count == 1 {
                    known[step.targets[0]] = value
                } else if case .tuple(let items) = value.expr, items.count == step.targets.count {
                    // `HOST, PORT = "127.0.0.1", 0`
                    for (t, v) in zip(step.targets, items) { known[t] = v }
                } else {
                    for t in step.targets { known[t] = nil }
                }
                out.append(step)
                continue
            }
            if case .name(let n) = step.call.expr, step.targets.isEmpty, let v = known[n] {
                // `PORT` alone shows its value.
                step.call = relocate(v, to: step.call)
            } else if rewrites {
                step.call = substitute(step.call, known, asValue: false)
            }
            if case .value(let v)? = step.expectation, mayRewrite(v, known) {
                step.expectation = .value(substitute(v, known, asValue: true, inPattern: true))
            }
            for t in step.targets { known[t] = nil }
            out.append(step)
        }
        return out
    }

    /// False when `substitute` would give `node` back as it is: it uses no known name and calls no
    /// `encode` or `decode` (over-approximated: any mention counts, wherever it is).
    static func mayRewrite(_ node: Node, _ known: [String: Node]) -> Bool {
        switch node.expr {
        case .name(let n): return known[n] != nil
        case .call(let callee, let args):
            if case .attribute(_, let method) = callee.expr, method == "encode" || method == "decode" { return true }
            return mayRewrite(callee, known) || args.contains { mayRewrite($0, known) }
        case .attribute(let base, _): return mayRewrite(base, known)
        case .tuple(let items), .list(let items): return items.contains { mayRewrite($0, known) }
        case .binary(_, let a, let b): return mayRewrite(a, known) || mayRewrite(b, known)
        case .negate(let a): return mayRewrite(a, known)
        default: return false
        }
    }

    /// The node, when it is a plain value: literals, tuples and lists of them, arithmetic on them.
    public static func literal(_ node: Node) -> Node? {
        switch node.expr {
        case .int, .float, .string, .bytes, .bool, .none: return node
        case .tuple(let items), .list(let items): return items.allSatisfy { literal($0) != nil } ? node : nil
        case .binary(_, let a, let b): return literal(a) != nil && literal(b) != nil ? node : nil
        case .negate(let a): return literal(a) != nil ? node : nil
        default: return nil
        }
    }

    /// Replaces known names by their values. A step's own call keeps its shape: the receiver of a
    /// socket call and the called name stay as written; a bare known name becomes its value.
    static func substitute(_ node: Node, _ known: [String: Node], asValue: Bool, inPattern: Bool = false) -> Node {
        func at(_ e: Expr) -> Node { Node(e, at: node.location, length: node.length) }
        switch node.expr {
        case .name(let n):
            guard asValue, let v = known[n] else { return node }
            // The value, marked where the name was written.
            return relocate(v, to: node)
        case .call(let callee, let args):
            var newCallee = callee
            if case .attribute(let base, let method) = callee.expr {
                // `MESSAGE.encode()`: the receiver is a value, not a socket.
                let b = substitute(base, known, asValue: true)
                newCallee = Node(.attribute(b, method), at: callee.location, length: callee.length)
            }
            return fold(at(.call(newCallee, args.map { substitute($0, known, asValue: true) })))
        case .attribute(let base, let attr):
            return at(.attribute(base, attr))
        case .tuple(let items): return at(.tuple(items.map { substitute($0, known, asValue: true, inPattern: inPattern) }))
        case .list(let items): return at(.list(items.map { substitute($0, known, asValue: true, inPattern: inPattern) }))
        case .binary(let op, let a, let b): return at(.binary(op, substitute(a, known, asValue: true), substitute(b, known, asValue: true)))
        case .negate(let a): return at(.negate(substitute(a, known, asValue: true)))
        default: return node
        }
    }

    /// A value placed where its name was written (for markers), recursively.
    static func relocate(_ v: Node, to use: Node) -> Node {
        var r = v
        r.location = use.location
        r.length = use.length
        return r
    }

    /// The encodings `encode` and `decode` take here: UTF-8 (Python's default) and ASCII.
    static let encodings: Set<String> = ["utf-8", "utf8", "UTF-8", "UTF8", "ascii", "ASCII", "us-ascii"]

    /// `"hi".encode()` → `b"hi"`, `b"hi".decode()` → `"hi"`, when both are literals.
    static func fold(_ node: Node) -> Node {
        guard case .call(let callee, let args) = node.expr, case .attribute(let base, let method) = callee.expr, args.count <= 1 else { return node }
        var encoding = "utf-8"
        if let a = args.first {
            guard case .string(let e) = a.expr, encodings.contains(e) else { return node }
            encoding = e.lowercased()
        }
        let ascii = encoding.contains("ascii")
        switch (method, base.expr) {
        case ("encode", .string(let s)):
            if ascii && !s.unicodeScalars.allSatisfy(\.isASCII) { return node }
            return Node(.bytes(Array(s.utf8)), at: node.location, length: node.length)
        case ("decode", .bytes(let b)):
            if ascii && !b.allSatisfy({ $0 < 128 }) { return node }
            guard let s = String(validating: b, as: UTF8.self) else { return node }
            return Node(.string(s), at: node.location, length: node.length)
        default:
            return node
        }
    }
}

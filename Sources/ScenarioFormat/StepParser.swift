import Sockets

/// Parses the tokens of one steps block into steps. Recovers at the end of a line, so every
/// problem in a block is reported, not only the first.
struct StepParser {
    var tokens: [Token]
    var pos = 0
    var diagnostics: [Diagnostic] = []
    let lineText: [Int: String]
    let comments: [Int: String]
    let section: String?

    init(tokens: [Token], lineText: [Int: String], comments: [Int: String], section: String?) {
        self.tokens = tokens
        self.lineText = lineText
        self.comments = comments
        self.section = section
    }

    struct ParseError: Error { let diagnostic: Diagnostic }

    var current: Token { tokens[pos] }
    mutating func advance() -> Token { let t = tokens[pos]; if pos < tokens.count - 1 { pos += 1 }; return t }
    func isPunct(_ p: String) -> Bool { if case .punct(let q) = current.kind { return q == p }; return false }

    mutating func parseSteps() -> [Step] {
        var steps: [Step] = []
        while current.kind != .end {
            if current.kind == .newline { _ = advance(); continue }
            let startLine = current.location.line
            do {
                steps.append(try parseStep())
            } catch let e as ParseError {
                diagnostics.append(e.diagnostic)
                while current.kind != .newline && current.kind != .end { _ = advance() }
            } catch {}
            _ = startLine
        }
        return steps
    }

    mutating func expect(_ p: String, _ what: String) throws {
        guard isPunct(p) else { throw ParseError(diagnostic: unexpected(expected: what)) }
        _ = advance()
    }

    func unexpected(expected: String) -> Diagnostic {
        let found: String
        switch current.kind {
        case .newline, .end: found = "the end of the line"
        case .name(let n): found = "`\(n)`"
        case .punct(let p): found = "`\(p)`"
        case .int(let v): found = "`\(v)`"
        case .float(let v): found = "`\(v)`"
        case .string: found = "a string"
        case .bytes: found = "bytes"
        }
        var help: String?
        if isPunct("=") && expected.contains(")") { help = "keyword arguments are not supported: pass the arguments in order" }
        if isPunct("==") { help = "to check a value, write it after `->`, e.g. `conn.state -> ESTABLISHED`" }
        return Diagnostic(at: current.location, length: current.length, "expected \(expected), found \(found)", help: help)
    }

    mutating func parseStep() throws -> Step {
        let start = current.location
        var targets: [String] = []
        var targetLocations: [SourceLocation] = []
        // Assignment: NAME (, NAME)* = expr   — look ahead for `=` before any `(`.
        var look = pos
        var sawAssign = false
        var onlyNames = true
        while look < tokens.count {
            let k = tokens[look].kind
            if k == .newline || k == .end { break }
            if case .punct("=") = k { sawAssign = true; break }
            switch k {
            case .name, .punct(","), .punct("("), .punct(")"): break
            default: onlyNames = false
            }
            if case .punct("(") = k, look > pos, case .name = tokens[look - 1].kind { onlyNames = false }
            if !onlyNames { break }
            look += 1
        }
        if sawAssign && onlyNames {
            while !isPunct("=") {
                if isPunct("(") || isPunct(")") || isPunct(",") { _ = advance(); continue }
                if case .name(let n) = current.kind {
                    targets.append(n)
                    targetLocations.append(current.location)
                    _ = advance()
                } else { throw ParseError(diagnostic: unexpected(expected: "a name")) }
            }
            _ = advance()
        }
        let call = Self.normalizeArguments(try parseExpr())
        var expectation: Expectation?
        var expectationLocation: SourceLocation?
        if isPunct("->") {
            _ = advance()
            expectationLocation = current.location
            expectation = try parseExpectation()
        }
        var packets: PacketExpectation?
        if isPunct("=>") {
            _ = advance()
            packets = try parsePacketExpectation()
        }
        if current.kind != .newline && current.kind != .end {
            if isPunct("==") || isPunct("=") {
                throw ParseError(diagnostic: Diagnostic(at: current.location, length: current.length, "expected the end of the step, found `\(isPunct("==") ? "==" : "=")`",
                                                        help: "to check a value, write it after `->`, e.g. `conn.recv(1024) -> b\"hi\"`"))
            }
            throw ParseError(diagnostic: unexpected(expected: "the end of the step"))
        }
        let endLine = current.location.line
        _ = advance()
        var source = ""
        for l in start.line...max(start.line, endLine) {
            guard let t = lineText[l] else { continue }
            let code = Self.stripComment(t)
            source += (source.isEmpty ? "" : " ") + code.trimmingSpaces
        }
        let comment = (start.line...max(start.line, endLine)).compactMap { comments[$0] }.first
        var step = Step(targets: targets, targetLocations: targetLocations, call: call, expectation: expectation,
                        expectationLocation: expectationLocation, source: source, comment: comment, location: start, section: section)
        step.packets = packets
        return step
    }

    /// After `=>`: `none`, or items that are `[FLAG, FLAG]` or a bare `FLAG`. The flags' names are
    /// the checker's business (it suggests the right one); the shape is checked here.
    mutating func parsePacketExpectation() throws -> PacketExpectation {
        let start = current.location
        let help = "write the TCP flags of the packets the step causes, e.g. `=> [SYN] [SYN, ACK] [ACK]`, `=> RST`, or `=> none`"
        if case .name("none") = current.kind {
            _ = advance()
            return PacketExpectation(items: [], location: start)
        }
        var items: [PacketExpectation.Item] = []
        if case .name = current.kind {
            // Bare flags are one packet: `=> RST`, `=> FIN, ACK`.
            var item = PacketExpectation.Item(flags: [], locations: [])
            while case .name(let n) = current.kind {
                item.flags.append(n)
                item.locations.append(current.location)
                _ = advance()
                guard isPunct(",") else { break }
                _ = advance()
            }
            if current.kind != .newline && current.kind != .end {
                throw ParseError(diagnostic: Diagnostic(at: current.location, length: current.length, "expected the end of the step after the packet's flags, found \(describe(current))",
                                                        help: "for several packets, put each one's flags in brackets: `=> [SYN] [SYN, ACK] [ACK]`"))
            }
            return PacketExpectation(items: [item], location: start)
        }
        while current.kind != .newline && current.kind != .end {
            guard isPunct("[") else {
                throw ParseError(diagnostic: Diagnostic(at: current.location, length: current.length, "expected TCP flags after `=>`, found \(describe(current))", help: help))
            }
            let open = current
            _ = advance()
            var item = PacketExpectation.Item(flags: [], locations: [])
            while !isPunct("]") {
                guard case .name(let n) = current.kind else {
                    let found = current.kind == .newline || current.kind == .end ? "the end of the step" : describe(current)
                    throw ParseError(diagnostic: Diagnostic(at: current.location, length: current.length,
                                                            "expected a TCP flag or `]` in the packets of `=>`, found \(found)", help: help))
                }
                item.flags.append(n)
                item.locations.append(current.location)
                _ = advance()
                if isPunct(",") { _ = advance() }
            }
            _ = advance()
            if item.flags.isEmpty {
                throw ParseError(diagnostic: Diagnostic(at: open.location, length: 2, "`[]` names no TCP flag", help: help))
            }
            items.append(item)
        }
        if items.isEmpty {
            throw ParseError(diagnostic: Diagnostic(at: start, length: 1, "`=>` must be followed by the packets the step causes", help: help))
        }
        return PacketExpectation(items: items, location: start)
    }

    func describe(_ t: Token) -> String {
        switch t.kind {
        case .punct(let p): return "`\(p)`"
        case .name(let n): return "`\(n)`"
        case .newline, .end: return "the end of the step"
        default: return "`\(lineText[t.location.line].map { String($0.dropFirst(t.location.column - 1).prefix(t.length)) } ?? "?")`"
        }
    }

    /// Inside a call's arguments, `s.getsockname()` and `s.getpeername()` are the values of
    /// `s.address` and `s.peer` (what Python passes on is the address they return), so
    /// `c.connect(server.getsockname())` is read exactly as `c.connect(server.address)`.
    static func normalizeArguments(_ node: Node) -> Node {
        guard case .call(let callee, let args) = node.expr else { return node }
        return Node(.call(callee, args.map(addressValue)), at: node.location, length: node.length)
    }

    static func addressValue(_ node: Node) -> Node {
        switch node.expr {
        case .call(let callee, let args) where args.isEmpty:
            if case .attribute(let base, let method) = callee.expr, case .name = base.expr,
               method == "getsockname" || method == "getpeername" {
                return Node(.attribute(base, method == "getsockname" ? "address" : "peer"), at: node.location, length: node.length)
            }
            return node
        case .tuple(let items): return Node(.tuple(items.map(addressValue)), at: node.location, length: node.length)
        case .list(let items): return Node(.list(items.map(addressValue)), at: node.location, length: node.length)
        default: return node
        }
    }

    /// The code part of a line: everything before a `#` that is not inside a string.
    static func stripComment(_ line: String) -> String {
        var quote: Character?
        var escaped = false
        var out = ""
        for c in line {
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                break
            }
            out.append(c)
        }
        return out
    }

    static let specialExpectations = ["blocks", "timeout", "eof", "ok"]

    mutating func parseExpectation() throws -> Expectation {
        let tok = current
        if case .name(let n) = tok.kind {
            // A bare word: a keyword, an errno, an exception, a state or a constant.
            if pos + 1 < tokens.count, tokens[pos + 1].kind == .newline || tokens[pos + 1].kind == .end || tokens[pos + 1].kind == .punct("=>") {
                switch n {
                case "blocks": _ = advance(); return .blocks
                case "timeout", "TimeoutError": _ = advance(); return .timeout
                case "eof", "EOF": _ = advance(); return .eof
                case "ok": _ = advance(); return .ok
                default: break
                }
                if let errnos = PythonExceptions.errnos[n] {
                    _ = advance()
                    if errnos.isEmpty { return .pythonError(name: n, location: tok.location) }
                    return .error(name: n, errnos: errnos, location: tok.location)
                }
                // ESTABLISHED is a TCP state, not an errno.
                if n.hasPrefix("E"), n.count > 2, n.allSatisfy({ $0.isUppercase || $0.isNumber }), TCPState(name: n) == nil {
                    _ = advance()
                    return .error(name: n, errnos: [n], location: tok.location)
                }
            }
        }
        return .value(try parseExpr())
    }

    // MARK: expressions (precedence: | < + < * < ** < unary < postfix)

    mutating func parseExpr() throws -> Node { try parseBitOr() }

    mutating func parseBitOr() throws -> Node {
        var lhs = try parseAdditive()
        while isPunct("|") {
            _ = advance()
            let rhs = try parseAdditive()
            lhs = Node(.binary(.bitOr, lhs, rhs), at: lhs.location, length: span(lhs, rhs))
        }
        return lhs
    }

    mutating func parseAdditive() throws -> Node {
        var lhs = try parseMultiplicative()
        while isPunct("+") {
            _ = advance()
            let rhs = try parseMultiplicative()
            lhs = Node(.binary(.add, lhs, rhs), at: lhs.location, length: span(lhs, rhs))
        }
        return lhs
    }

    mutating func parseMultiplicative() throws -> Node {
        var lhs = try parsePower()
        while isPunct("*") {
            _ = advance()
            let rhs = try parsePower()
            lhs = Node(.binary(.multiply, lhs, rhs), at: lhs.location, length: span(lhs, rhs))
        }
        return lhs
    }

    mutating func parsePower() throws -> Node {
        let lhs = try parseUnary()
        if isPunct("**") {
            _ = advance()
            let rhs = try parseUnary()
            return Node(.binary(.power, lhs, rhs), at: lhs.location, length: span(lhs, rhs))
        }
        return lhs
    }

    mutating func parseUnary() throws -> Node {
        if isPunct("-") {
            let t = advance()
            let inner = try parseUnary()
            if case .int(let v) = inner.expr { return Node(.int(-v), at: t.location, length: inner.length + 1) }
            if case .float(let v) = inner.expr { return Node(.float(-v), at: t.location, length: inner.length + 1) }
            return Node(.negate(inner), at: t.location, length: inner.length + 1)
        }
        return try parsePostfix()
    }

    func span(_ a: Node, _ b: Node) -> Int {
        a.location.line == b.location.line ? max(1, b.location.column + b.length - a.location.column) : a.length
    }

    mutating func parsePostfix() throws -> Node {
        var node = try parsePrimary()
        while true {
            if isPunct(".") {
                _ = advance()
                guard case .name(let attr) = current.kind else { throw ParseError(diagnostic: unexpected(expected: "a name after `.`")) }
                let t = advance()
                node = Node(.attribute(node, attr), at: node.location, length: t.location.column + t.length - node.location.column)
            } else if isPunct("(") {
                _ = advance()
                var args: [Node] = []
                while !isPunct(")") {
                    if current.kind == .newline || current.kind == .end {
                        throw ParseError(diagnostic: Diagnostic(at: current.location, "expected `)` to close the call",
                                                                help: "every `(` needs a matching `)`"))
                    }
                    args.append(try parseExpr())
                    if isPunct(",") { _ = advance() } else if !isPunct(")") {
                        throw ParseError(diagnostic: unexpected(expected: "`,` or `)`"))
                    }
                }
                let close = advance()
                let len = close.location.line == node.location.line ? close.location.column + 1 - node.location.column : node.length
                node = Node(.call(node, args), at: node.location, length: len)
            } else {
                return node
            }
        }
    }

    mutating func parsePrimary() throws -> Node {
        let t = current
        switch t.kind {
        case .int(let v): _ = advance(); return Node(.int(v), at: t.location, length: t.length)
        case .float(let v): _ = advance(); return Node(.float(v), at: t.location, length: t.length)
        case .string(let s): _ = advance(); return Node(.string(s), at: t.location, length: t.length)
        case .bytes(let b): _ = advance(); return Node(.bytes(b), at: t.location, length: t.length)
        case .name(let n):
            _ = advance()
            switch n {
            case "True": return Node(.bool(true), at: t.location, length: t.length)
            case "False": return Node(.bool(false), at: t.location, length: t.length)
            case "None": return Node(.none, at: t.location, length: t.length)
            default: return Node(.name(n), at: t.location, length: t.length)
            }
        case .punct("("), .punct("["):
            let isList = t.kind == .punct("[")
            let close = isList ? "]" : ")"
            _ = advance()
            var items: [Node] = []
            var sawComma = false
            while !isPunct(close) {
                if current.kind == .newline || current.kind == .end {
                    throw ParseError(diagnostic: Diagnostic(at: t.location, "this `\(isList ? "[" : "(")` is never closed",
                                                            help: "add `\(close)` at the end"))
                }
                items.append(try parseExpr())
                if isPunct(",") { _ = advance(); sawComma = true } else if !isPunct(close) {
                    throw ParseError(diagnostic: unexpected(expected: "`,` or `\(close)`"))
                }
            }
            let end = advance()
            let len = end.location.line == t.location.line ? end.location.column + 1 - t.location.column : 1
            if isList { return Node(.list(items), at: t.location, length: len) }
            if items.count == 1 && !sawComma { var inner = items[0]; inner.location = t.location; inner.length = len; return inner }
            return Node(.tuple(items), at: t.location, length: len)
        default:
            throw ParseError(diagnostic: unexpected(expected: "a value or a call"))
        }
    }
}

/// Python's exceptions that stand for errnos (an empty list: raised by Python before any call).
public enum PythonExceptions {
    public static let errnos: [String: [String]] = [
        "ConnectionRefusedError": ["ECONNREFUSED"],
        "ConnectionResetError": ["ECONNRESET"],
        "ConnectionAbortedError": ["ECONNABORTED"],
        "BrokenPipeError": ["EPIPE", "ESHUTDOWN"],
        "BlockingIOError": ["EAGAIN", "EINPROGRESS", "EALREADY"],
        "FileNotFoundError": ["ENOENT"],
        "FileExistsError": ["EEXIST"],
        "PermissionError": ["EACCES", "EPERM"],
        "InterruptedError": ["EINTR"],
        "NotADirectoryError": ["ENOTDIR"],
        "OSError": ["*"],
        "socket.error": ["*"],
        "socket.gaierror": ["EAI"],
        "gaierror": ["EAI"],
        "OverflowError": [],
        "ValueError": [],
        "TypeError": [],
    ]

    /// The Python exception that a given errno raises (`OSError` for the rest).
    public static func exception(for errno: String) -> String {
        for (name, list) in errnos where list.contains(errno) && name != "OSError" && name != "socket.error" { return name }
        if errno == "ETIMEDOUT" { return "TimeoutError" }
        return "OSError"
    }
}

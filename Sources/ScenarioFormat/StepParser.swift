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

    /// A `with` block being read: its socket is closed when the block ends, as Python's does.
    struct OpenWith {
        var column: Int
        var name: String
        var line: Int
        var nameLocation: SourceLocation
        var hasBody = false
    }

    mutating func parseSteps() -> [Step] {
        var steps: [Step] = []
        var withs: [OpenWith] = []
        func closeWiths(atColumn column: Int?) {
            while let top = withs.last, column.map({ $0 <= top.column }) ?? true {
                withs.removeLast()
                if !top.hasBody {
                    diagnostics.append(Diagnostic(at: top.nameLocation, length: top.name.count, "the `with` block on line \(top.line) has no steps",
                        help: "write its steps on the next lines, indented more than `with` (Python raises IndentationError)"))
                }
                steps.append(closeStep(top))
            }
        }
        while current.kind != .end {
            if current.kind == .newline { _ = advance(); continue }
            let column = current.location.column
            closeWiths(atColumn: column)
            if !withs.isEmpty { withs[withs.count - 1].hasBody = true }
            do {
                if case .name("pass") = current.kind, pos + 1 < tokens.count, tokens[pos + 1].kind == .newline || tokens[pos + 1].kind == .end {
                    // Python's empty statement (a `with` block that only closes its socket): no step.
                    _ = advance()
                } else if case .name(let word) = current.kind, word == "import" || word == "from", isStatement(word) {
                    try parseImport()
                } else if case .name("with") = current.kind, isStatement("with") {
                    let (step, open) = try parseWith()
                    if let step { steps.append(step) }
                    withs.append(open)
                } else {
                    steps.append(try parseStep())
                }
            } catch let e as ParseError {
                diagnostics.append(e.diagnostic)
                while current.kind != .newline && current.kind != .end { _ = advance() }
            } catch {}
        }
        closeWiths(atColumn: nil)
        return steps
    }

    /// True when the keyword starts a statement (`import socket`), not a name (`with.close()`).
    func isStatement(_ word: String) -> Bool {
        guard pos + 1 < tokens.count else { return false }
        if case .name = tokens[pos + 1].kind { return true }
        if word == "with", case .punct("(") = tokens[pos + 1].kind { return true }
        return false
    }

    /// `import socket`, `import socket, select`, `from socket import *`: every name of the socket
    /// module (and `select`) is always there, so these lines are accepted and do nothing.
    mutating func parseImport() throws {
        let keyword = advance()
        var modules: [Token] = []
        if case .name("from") = keyword.kind {
            guard case .name = current.kind else { throw ParseError(diagnostic: unexpected(expected: "a module name")) }
            modules.append(advance())
            guard case .name("import") = current.kind else { throw ParseError(diagnostic: unexpected(expected: "`import`")) }
            _ = advance()
            while current.kind != .newline && current.kind != .end { _ = advance() }
        } else {
            while current.kind != .newline && current.kind != .end {
                guard case .name = current.kind else { throw ParseError(diagnostic: unexpected(expected: "a module name")) }
                modules.append(advance())
                if case .name("as") = current.kind {
                    throw ParseError(diagnostic: Diagnostic(at: current.location, length: 2, "`import … as` is not supported in steps",
                        help: "write `import socket`: steps call `socket(...)` and `socket.socket(...)` by those names"))
                }
                if isPunct(",") { _ = advance() } else { break }
            }
        }
        for m in modules {
            guard case .name(let name) = m.kind, name != "socket", name != "select" else { continue }
            throw ParseError(diagnostic: Diagnostic(at: m.location, length: m.length, "there is no module `\(name)` in steps: sockstep runs the socket module's calls only",
                help: "remove this line; `import socket` (and `select`) may stay, though every name of the socket module is always there"))
        }
        if current.kind != .newline && current.kind != .end { throw ParseError(diagnostic: unexpected(expected: "the end of the line")) }
        _ = advance()
    }

    /// `with socket(AF_INET, SOCK_STREAM) as s:` is the step `s = socket(...)`; `with conn:` makes no
    /// step. Either way the block's indented steps follow, and where the block ends Python closes
    /// the socket: a `s.close()` step of its own.
    mutating func parseWith() throws -> (Step?, OpenWith) {
        let withToken = advance()
        let exprStart = pos
        let expr = try parseExpr()
        var name: String
        var nameLocation: SourceLocation
        var step: Step?
        if case .name("as") = current.kind {
            _ = advance()
            guard case .name(let n) = current.kind else {
                throw ParseError(diagnostic: Diagnostic(at: current.location, length: current.length, "expected one name after `as`",
                    help: "write `with socket(AF_INET, SOCK_STREAM) as s:`"))
            }
            name = n
            nameLocation = current.location
            _ = advance()
            let source = CodeScan.code(lineText[withToken.location.line] ?? "", endingAt: .comment).trimmingSpaces
            step = Step(targets: [n], targetLocations: [nameLocation], call: Self.normalizeArguments(expr), expectation: nil, expectationLocation: nil,
                        source: source, comment: comments[withToken.location.line], location: withToken.location, section: section)
        } else if case .name(let n) = expr.expr {
            name = n
            nameLocation = tokens[exprStart].location
        } else {
            throw ParseError(diagnostic: Diagnostic(at: expr.location, length: expr.length, "a `with` block needs a name for its socket",
                help: "write `with socket(AF_INET, SOCK_STREAM) as s:` (or `with conn:` for a socket that has a name)"))
        }
        guard isPunct(":") else {
            throw ParseError(diagnostic: Diagnostic(at: current.location, length: current.length, "expected `:` at the end of the `with` line",
                help: "write `with socket(AF_INET, SOCK_STREAM) as \(name):`, then the block's steps on the next lines, indented"))
        }
        _ = advance()
        if current.kind != .newline && current.kind != .end {
            throw ParseError(diagnostic: Diagnostic(at: current.location, length: current.length, "the steps of a `with` block go on the next lines",
                help: "end the line at `:` and write each step of the block on its own line, indented more than `with`"))
        }
        _ = advance()
        return (step, OpenWith(column: withToken.location.column, name: name, line: withToken.location.line, nameLocation: nameLocation))
    }

    /// The close Python makes where a `with` block ends, placed at the block's name on its `with` line.
    func closeStep(_ w: OpenWith) -> Step {
        let receiver = Node(.name(w.name), at: w.nameLocation, length: w.name.count)
        let call = Node(.call(Node(.attribute(receiver, "close"), at: w.nameLocation, length: w.name.count + 6), []), at: w.nameLocation, length: w.name.count + 8)
        return Step(targets: [], targetLocations: [], call: call, expectation: nil, expectationLocation: nil, source: "\(w.name).close()",
                    comment: "the end of the `with` block on line \(w.line): Python closes `\(w.name)`", location: w.nameLocation, section: section)
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
        var call = Self.normalizeArguments(try parseExpr())
        if targets.count > 1, isPunct(",") {
            // `HOST, PORT = "127.0.0.1", 0`: a tuple without parentheses, as Python allows.
            var items = [call]
            while isPunct(",") {
                _ = advance()
                if current.kind == .newline || current.kind == .end { break }
                items.append(try parseExpr())
            }
            call = Node(.tuple(items), at: call.location, length: span(call, items[items.count - 1]))
        }
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
            if packets != nil, isPunct("->") {
                throw ParseError(diagnostic: Diagnostic(at: current.location, length: current.length, "`->` comes after `=>` here, but the result goes first",
                                                        help: "write what the call returns, then the packets it sends: `conn.close() -> ok => RST`"))
            }
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
            let code = CodeScan.code(t, endingAt: .comment)
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
            if current.kind != .newline && current.kind != .end && !isPunct("->") {
                throw ParseError(diagnostic: Diagnostic(at: current.location, length: current.length, "expected the end of the step after the packet's flags, found \(describe(current))",
                                                        help: "for several packets, put each one's flags in brackets: `=> [SYN] [SYN, ACK] [ACK]`"))
            }
            return PacketExpectation(items: [item], location: start)
        }
        while current.kind != .newline && current.kind != .end && !(isPunct("->") && !items.isEmpty) {
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
                let length = t.location.column + t.length - node.location.column
                // `socket.socket(...)`, `socket.AF_INET`, `select.select(...)`: the module's names,
                // as tutorials write them, are the names steps use.
                if case .name(let module) = node.expr, (module == "socket" && (SocketConstants.named(attr) != nil || Vocabulary.functionNames.contains(attr) && attr != "select"))
                    || (module == "select" && attr == "select") {
                    node = Node(.name(attr), at: node.location, length: length)
                } else {
                    node = Node(.attribute(node, attr), at: node.location, length: length)
                }
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

import Sockets

/// Static checks of a parsed document: names used before they exist or after close, unknown calls,
/// wrong arguments, addresses outside loopback, impossible ports. Reports every problem at once.
public enum Checker {
    /// What the checker knows about a name at a point in the file.
    enum Binding {
        case socket(family: Int32?, type: Int32?, line: Int)
        case closed(line: Int)
        case value(line: Int)
        /// Something outside the file with an address (the graded program): only `.address` is read.
        case external
    }

    /// Calls that return a tuple Python may unpack: `host, port = s.getsockname()`.
    static let unpackable: Set<String> = ["getsockname", "getpeername", "select"]

    /// States of sockets that are not TCP (Unix-domain streams, datagram sockets), as `.state` reads them.
    public static let otherStates = ["LISTENING", "CONNECTED", "UNCONNECTED", "BOUND", "UNBOUND"]

    /// Largest payload or buffer one step may use: bigger would only fill memory, not teach.
    public static let maximumPayload = 16 * 1024 * 1024

    /// `predefined` names exist before the first step: in exercises, `program` (the student's program,
    /// reachable at `program.address`).
    public static func check(_ document: Document, predefined: [String] = []) -> [Diagnostic] {
        var env: [String: Binding] = [:]
        for name in predefined { env[name] = .external }
        var out: [Diagnostic] = []
        for step in document.steps {
            out += check(step, env: &env)
        }
        return out
    }

    /// Checks one step against the names known so far and updates them (the shell uses this too).
    static func check(_ step: Step, env: inout [String: Binding]) -> [Diagnostic] {
        var c = StepChecker(step: step, env: env)
        c.run()
        env = c.env
        return c.diagnostics
    }
}

/// Kept public so that the shell can hold the checker's state between typed lines.
public struct CheckerState: Sendable {
    var env: [String: Checker.Binding] = [:]
    public init() {}
    public mutating func check(_ step: Step) -> [Diagnostic] { Checker.check(step, env: &env) }
}

extension Checker.Binding: Sendable {}

struct StepChecker {
    let step: Step
    var env: [String: Checker.Binding]
    var diagnostics: [Diagnostic] = []

    init(step: Step, env: [String: Checker.Binding]) {
        self.step = step
        self.env = env
    }

    mutating func error(_ node: Node, _ message: String, help: String? = nil) {
        diagnostics.append(Diagnostic(at: node.location, length: node.length, message, help: help))
    }

    /// True when the step expects an error or exception — then a mistake may be the lesson's point.
    func expects(_ names: String...) -> Bool {
        switch step.expectation {
        case .error(let n, let errnos, _)?: return names.contains(n) || errnos.contains { names.contains($0) } || errnos.contains("*")
        case .pythonError(let n, _)?: return names.contains(n)
        default: return false
        }
    }

    mutating func run() {
        checkExpectation()
        let call = step.call
        var signature: CallSignature?
        var receiverBinding: Checker.Binding?

        if let m = call.methodCall, m.method == "encode" || m.method == "decode", case .value? = env[m.receiver] {
            // `data.decode()` on a value a step returned.
            valueMethod(call, m.method)
        } else if let m = call.methodCall {
            if m.method == "close", case .closed(let line)? = env[m.receiver], !expects("EBADF", "OSError") {
                // Python ignores a second close(), and so does the runner: worth a word, not an error.
                diagnostics.append(Diagnostic(.warning, at: m.receiverLocation, length: m.receiver.count,
                    "`\(m.receiver)` was already closed on line \(line): closing it again does nothing",
                    help: "Python ignores a second `close()`; drop this step"))
            }
            // connect_ex returns the errno (9, EBADF, on a closed socket) rather than raising it.
            let errnoValue: Bool = { if m.method == "connect_ex", case .value? = step.expectation { return true }; return false }()
            receiverBinding = checkReceiver(m.receiver, at: m.receiverLocation, allowClosed: m.method == "close" || errnoValue)
            if case .external? = receiverBinding {
                error(call, "`\(m.receiver)` is the program under test: steps cannot call it directly", help: "connect to it: `c.connect(\(m.receiver).address)`")
                receiverBinding = nil
                return
            }
            if receiverBinding != nil, let sig = Vocabulary.call(m.method), sig.receiver == .socket {
                signature = sig
            } else if receiverBinding != nil {
                unknownCall(m.method, node: call, method: true)
            }
            if let sig = signature { checkArguments(sig, args: m.args, receiver: receiverBinding) }
        } else if let f = call.functionCall {
            if f.name == "socket" || Vocabulary.call(f.name)?.receiver == .function {
                signature = Vocabulary.call(f.name)
                if let sig = signature { checkArguments(sig, args: f.args, receiver: nil) }
            } else if Vocabulary.call(f.name)?.receiver == .socket {
                error(call, "`\(f.name)` is a method of a socket", help: "call it on a socket: `s.\(f.name)(…)`")
            } else {
                unknownCall(f.name, node: call, method: false)
            }
        } else if case .attribute(let base, let attr) = call.expr, case .name(let n) = base.expr {
            // Introspection: `conn.state -> ESTABLISHED`.
            let b = checkReceiver(n, at: base.location, allowClosed: attr == "closed" || attr == "state")
            if b != nil, Vocabulary.attributes[attr] == nil {
                let guess = Suggest.closest(to: attr, in: Array(Vocabulary.attributes.keys) + Vocabulary.methodNames)
                let isMethod = Vocabulary.call(attr) != nil
                error(call, isMethod ? "`\(attr)` is a call: it needs parentheses" : "unknown attribute `\(attr)`",
                      help: isMethod ? "write `\(n).\(attr)()`" : guess.map { "did you mean `\($0)`?" } ?? "attributes are: \(Vocabulary.attributes.keys.sorted().joined(separator: ", "))")
            }
            if step.expectation == nil && step.targets.isEmpty {
                error(call, "reading `\(n).\(attr)` without `->` checks nothing", help: "add what you expect, e.g. `\(n).\(attr) -> …`")
            }
        } else if case .name(let n) = call.expr, step.targets.isEmpty, env[n] != nil {
            // `data -> b"ping"` checks a value an earlier step returned; `conn` alone shows it.
            if case .closed? = env[n] {} else if case .external? = env[n] {
                error(call, "`\(n)` is the program under test", help: "read `\(n).address` instead")
            }
        } else if case .name(let n) = call.expr, Vocabulary.call(n) != nil {
            error(call, "`\(n)` is a call: it needs parentheses", help: "write `\(n)()` with its arguments")
        } else if NamedValues.literal(call) != nil {
            // `HOST = "127.0.0.1"`, `PORT = 0`; a value alone (a name's value, `"hi".encode()`) shows it.
        } else if case .name(let n) = call.expr {
            checkName(call, n)
        } else if !step.targets.isEmpty, isValueExpression(call) {
            // `data = b"x" * size`: a value computed from earlier values.
            checkNames(in: call)
        } else if case .call(let callee, _) = call.expr, case .attribute(_, let method) = callee.expr, method == "encode" || method == "decode" {
            valueMethod(call, method)
        } else {
            error(call, "a step must be a call, like `s.listen(5)`", help: "a step calls a socket (`s.listen(5)`), names a value (`PORT = 0`), or shows a name's value (`data` alone); to check a result, write it after `->`")
        }

        // Assignment: how many names the call returns.
        if !step.targets.isEmpty {
            let returns = signature?.returns ?? .value
            if returns == .nothing, let sig = signature {
                diagnostics.append(Diagnostic(.warning, at: step.targetLocations[0], length: step.targets[0].count,
                    "`\(sig.name)` returns nothing (None): `\(step.targets[0])` would be None", help: "drop `\(step.targets[0]) =`"))
            }
            if let arity = returns.arity, step.targets.count != 1, step.targets.count != arity {
                diagnostics.append(Diagnostic(at: step.targetLocations[0], length: step.targets.joined(separator: ", ").count,
                    "`\(signature?.name ?? "this call")` returns \(arity) values, but \(step.targets.count) names are given",
                    help: signature.map { "write it like `\($0.usage)`" }))
            } else if returns.arity == nil, step.targets.count > 1, let sig = signature, !Checker.unpackable.contains(sig.name) {
                diagnostics.append(Diagnostic(at: step.targetLocations[0], length: step.targets.joined(separator: ", ").count,
                    "`\(signature!.name)` returns one value, but \(step.targets.count) names are given", help: "write it like `\(signature!.usage)`"))
            }
            let line = step.location.line
            let (family, type) = staticFamilyAndType(signature: signature, receiver: receiverBinding)
            for (i, t) in step.targets.enumerated() {
                let isSocket: Bool
                switch returns {
                case .socket: isSocket = true
                case .socketPair: isSocket = step.targets.count == 2
                case .socketAndAddress: isSocket = i == 0 && step.targets.count == 2
                default: isSocket = false
                }
                env[t] = isSocket ? .socket(family: family, type: type, line: line) : .value(line: line)
            }
        }
        if let m = call.methodCall, m.method == "close", case .socket? = env[m.receiver] {
            env[m.receiver] = .closed(line: step.location.line)
        }
    }

    /// The socket a bind or create_server step makes a server of.
    func serverName(_ call: String) -> String {
        call == "bind" ? (step.call.methodCall?.receiver ?? "server") : (step.targets.first ?? "server")
    }

    /// Values and names combined without a call: `b"x" * size`, `(HOST, PORT)`.
    func isValueExpression(_ node: Node) -> Bool {
        switch node.expr {
        case .int, .float, .string, .bytes, .bool, .none, .name: return true
        case .attribute(let base, _): if case .name = base.expr { return true }; return false
        case .tuple(let items), .list(let items): return items.allSatisfy(isValueExpression)
        case .binary(_, let a, let b): return isValueExpression(a) && isValueExpression(b)
        case .negate(let a): return isValueExpression(a)
        case .call: return false
        }
    }

    /// `data.decode()` on a value the run receives, or an encoding sockstep does not know.
    mutating func valueMethod(_ call: Node, _ method: String) {
        guard case .call(let callee, let args) = call.expr, case .attribute(let base, _) = callee.expr else { return }
        if let a = args.first, case .string(let e) = a.expr, !NamedValues.encodings.contains(e) {
            error(a, "sockstep encodes and decodes UTF-8 (Python's default) and ASCII only, not `\(e)`", help: "write `.\(method)()`")
            return
        }
        if method == "encode" {
            error(call, "`.encode()` works here on text written in the step (`\"hello\".encode()`), or on a name given such text",
                  help: "write the bytes themselves: `b\"…\"`, or `\"…\".encode()`")
            return
        }
        if let inner = base.methodCall {
            // `data = conn.recv(1024).decode()`, as tutorials write it.
            let target = step.targets.first ?? "data"
            error(call, "`\(inner.receiver).\(inner.method)(…)` returns bytes; sockstep shows them as they are (b'…') rather than decoding them",
                  help: "drop `.decode()`: write `\(target) = \(inner.receiver).\(inner.method)(…)`, then check the bytes with `\(target) -> b\"hello\"`")
            return
        }
        let what: String = { if case .name(let n) = base.expr { return "`\(n)`" }; return "this" }()
        error(call, "\(what) holds bytes from the run; sockstep shows them as they are (b'…') rather than decoding them",
              help: "compare the bytes themselves: `conn.recv(1024) -> b\"hello\"` (a `b\"…\".decode()` written in the step is fine)")
    }

    func staticFamilyAndType(signature: CallSignature?, receiver: Checker.Binding?) -> (Int32?, Int32?) {
        if case .socket(let f, let t, _)? = receiver { return (f, t) }
        guard let sig = signature, let f = step.call.functionCall else { return (nil, nil) }
        if sig.name == "socket" || sig.name == "socketpair" {
            let family = f.args.first.flatMap(constantValue) ?? (sig.name == "socketpair" ? SocketConstants.named("AF_UNIX")!.value : SocketConstants.named("AF_INET")!.value)
            let type = f.args.dropFirst().first.flatMap(constantValue) ?? SocketConstants.named("SOCK_STREAM")!.value
            return (family, type)
        }
        return (nil, SocketConstants.named("SOCK_STREAM")!.value)
    }

    func constantValue(_ node: Node) -> Int32? {
        if case .name(let n) = node.expr { return SocketConstants.named(n)?.value }
        if case .int(let v) = node.expr { return Int32(exactly: v) }
        return nil
    }

    mutating func checkReceiver(_ name: String, at location: SourceLocation, allowClosed: Bool = false) -> Checker.Binding? {
        let node = Node(.name(name), at: location, length: name.count)
        switch env[name] {
        case nil:
            if SocketConstants.named(name) != nil || name == "socket" {
                error(node, "`\(name)` is not a socket")
                return nil
            }
            let known = env.compactMap { k, v -> String? in if case .socket = v { return k }; return nil }
            let guess = Suggest.closest(to: name, in: known)
            error(node, "`\(name)` is used before it exists",
                  help: guess.map { "did you mean `\($0)`?" } ?? "create it first, e.g. `\(name) = socket(AF_INET, SOCK_STREAM)`")
            return nil
        case .closed(let line)?:
            if allowClosed || expects("EBADF", "OSError") { return .closed(line: line) }
            error(node, "`\(name)` was closed on line \(line)",
                  help: "a closed socket cannot be used again; if this step shows that on purpose, expect the error: `-> EBADF`")
            return nil
        case .external?:
            return .external
        case .value?:
            error(node, "`\(name)` is not a socket", help: "only names created by `socket()`, `accept()` or `socketpair()` have socket calls")
            return nil
        case .socket(let f, let t, let l)?:
            return .socket(family: f, type: t, line: l)
        }
    }

    mutating func unknownCall(_ name: String, node: Node, method: Bool) {
        if name == "print", !method {
            // Tutorials print what they receive; every step's result is shown already.
            var marker = node
            marker.length = name.count
            error(marker, "`print` is not needed in steps: sockstep shows what every step returned",
                  help: "to see a value, write its name alone on a line (`data`); to check it, `data -> b\"hello\"`")
            return
        }
        let candidates = method ? Vocabulary.methodNames : Vocabulary.functionNames
        let guess = Vocabulary.commonMistakes[name] ?? Suggest.closest(to: name, in: candidates)
        // Point the marker at the call's name, not the whole expression.
        var marker = node
        if method, let m = node.methodCall {
            let col = m.receiverLocation.column + m.receiver.count + 1
            marker = Node(node.expr, at: SourceLocation(line: m.receiverLocation.line, column: col), length: name.count)
        } else {
            marker.length = name.count
        }
        error(marker, "unknown call `\(name)`",
              help: guess.map { "did you mean `\($0)`?" } ?? "the calls are: \(candidates.joined(separator: ", "))")
    }

    // MARK: arguments

    mutating func checkArguments(_ sig: CallSignature, args: [Node], receiver: Checker.Binding?) {
        if args.count < sig.minArgs || args.count > sig.maxArgs {
            let range = sig.minArgs == sig.maxArgs ? "\(sig.minArgs)" : sig.minArgs == 0 ? "at most \(sig.maxArgs)" : "\(sig.minArgs) to \(sig.maxArgs)"
            let plural = sig.maxArgs == 1 ? "argument" : "arguments"
            let names = sig.params.map(\.name).joined(separator: ", ")
            var help = "write it like `\(sig.usage)`"
            if ["bind", "connect", "connect_ex", "create_connection", "create_server"].contains(sig.name), args.count == 2 {
                let host = args[0].expr == .string("localhost") ? "localhost" : "127.0.0.1"
                if sig.name == "bind" || sig.name == "create_server" {
                    help = "the address is one tuple: `\(sig.name)((\"\(host)\", 0))`, with two pairs of parentheses"
                } else {
                    let port = staticInt(args[1]).map(String.init) ?? "PORT"
                    help = "the address is one tuple, with two pairs of parentheses: `\(sig.name)((\"\(host)\", \(port)))`; to reach a server of this file, use the address it really got: \(serverAddressHint(sig.name))"
                }
            }
            error(step.call, "`\(sig.name)` takes \(sig.maxArgs == 0 ? "no arguments" : "\(range) \(plural) (\(names))"), but \(args.count) \(args.count == 1 ? "was" : "were") given", help: help)
            return
        }
        var family: Int32?
        var type: Int32?
        if case .socket(let f, let t, _)? = receiver { family = f; type = t }
        for (i, arg) in args.enumerated() {
            // sendto(data, address) and sendto(data, flags, address): the address is where the definition says.
            let kind = sig.addressArgument(count: args.count) == i ? .address : sig.params[i].kind
            checkArgument(arg, kind: kind, call: sig.name, family: family, type: type)
        }
        if sig.name == "setsockopt" && args.count == 3 { checkOption(args) }
    }

    func staticInt(_ node: Node) -> Int? {
        switch node.expr {
        case .int(let v): return v
        case .negate(let n): return staticInt(n).map { -$0 }
        case .binary(let op, let a, let b):
            guard let x = staticInt(a), let y = staticInt(b) else { return nil }
            switch op {
            case .add: return x.addingReportingOverflow(y).overflow ? Int.max : x + y
            case .multiply: return x.multipliedReportingOverflow(by: y).overflow ? Int.max : x * y
            case .power:
                guard y >= 0 else { return nil }
                var r = 1
                for _ in 0..<min(y, 64) { let m = r.multipliedReportingOverflow(by: x); if m.overflow { return Int.max }; r = m.partialValue }
                return r
            case .bitOr: return x | y
            }
        default: return nil
        }
    }

    /// The length of a bytes expression when it can be known (`b"x" * 1048576`).
    func staticBytesLength(_ node: Node) -> Int? {
        switch node.expr {
        case .bytes(let b): return b.count
        case .binary(.multiply, let a, let b):
            if let l = staticBytesLength(a), let n = staticInt(b) { return l.multipliedReportingOverflow(by: n).overflow ? Int.max : l * n }
            if let l = staticBytesLength(b), let n = staticInt(a) { return l.multipliedReportingOverflow(by: n).overflow ? Int.max : l * n }
            return nil
        case .binary(.add, let a, let b):
            guard let x = staticBytesLength(a), let y = staticBytesLength(b) else { return nil }
            return x + y
        default: return nil
        }
    }

    mutating func checkName(_ node: Node, _ name: String, constantsOnly: Bool = false) {
        if SocketConstants.named(name) != nil || name == "_" { return }
        if !constantsOnly, let b = env[name] {
            if case .closed(let line) = b, !expects("EBADF", "OSError") {
                error(node, "`\(name)` was closed on line \(line)", help: "a closed socket cannot be used again")
            }
            return
        }
        let pool = SocketConstants.all.map(\.name) + (constantsOnly ? [] : Array(env.keys))
        let guess = Suggest.closest(to: name.replacingAll("socket.", with: ""), in: pool)
        error(node, "`\(name)` is not defined", help: guess.map { "did you mean `\($0)`?" } ?? "names must be created by an earlier step, or be constants like AF_INET")
    }

    mutating func checkArgument(_ arg: Node, kind: CallSignature.ArgKind, call: String, family: Int32?, type: Int32?) {
        // Names anywhere in the argument must exist.
        var nameCheckDone = false
        switch kind {
        case .address:
            nameCheckDone = true
            checkAddress(arg, call: call, family: family)
        case .bytes:
            switch arg.expr {
            case .string(let s):
                if !expects("TypeError") {
                    error(arg, "`\(call)` needs bytes, not a str",
                          help: "write `b\"\(s.prefix(20))\"`: a socket carries bytes, and Python 3 raises TypeError for a str")
                }
                nameCheckDone = true
            case .int, .float, .tuple, .list, .bool, .none:
                error(arg, "`\(call)` needs bytes", help: "write the data as `b\"…\"`")
                nameCheckDone = true
            default:
                if let n = staticBytesLength(arg), n > Checker.maximumPayload {
                    error(arg, "this sends \(n) bytes; sockstep sends at most \(Checker.maximumPayload / 1024 / 1024) MiB in one step",
                          help: "1 MiB (`b\"x\" * 1048576`) is enough to fill the socket buffers and show what happens")
                }
            }
        case .int:
            if let v = staticInt(arg) {
                if call == "recv" || call == "recvfrom" || call == "recvall" {
                    if v < 0 && !expects("ValueError") {
                        error(arg, "a buffer size cannot be negative", help: "ask for at most that many bytes: `recv(1024)`; Python raises ValueError for \(v)")
                    } else if v > Checker.maximumPayload && !expects("OverflowError", "MemoryError") {
                        error(arg, "`\(call)(\(v))` would ask for a \(v)-byte buffer; sockstep allows at most \(Checker.maximumPayload / 1024 / 1024) MiB",
                              help: "a socket hands out what has arrived, whatever you ask for: `recv(4096)` in a loop is the usual way")
                    }
                }
            } else if case .string = arg.expr {
                error(arg, "`\(call)` needs a number here, not a string")
            } else if case .bytes = arg.expr {
                error(arg, "`\(call)` needs a number here, not bytes")
            }
        case .flags, .constant:
            if case .string(let s) = arg.expr {
                error(arg, "constants are written without quotes", help: "write `\(s)`, not `\"\(s)\"`")
                nameCheckDone = true
            }
            if call == "socket" || call == "socketpair", case .name(let n) = arg.expr, SocketConstants.named(n) == nil, env[n] == nil {
                nameCheckDone = true
                checkName(arg, n, constantsOnly: true)
            }
        case .timeout:
            switch arg.expr {
            case .int(let v) where v < 0:
                if !expects("ValueError") { error(arg, "a timeout cannot be negative", help: "use a number of seconds like `0.05`, `0` for non-blocking, or `None` to wait forever") }
            case .float(let v) where v < 0:
                if !expects("ValueError") { error(arg, "a timeout cannot be negative", help: "use a number of seconds like `0.05`, `0` for non-blocking, or `None` to wait forever") }
            case .string, .bytes:
                error(arg, "a timeout is a number of seconds", help: "write `0.5`, not a string")
            default: break
            }
        case .bool:
            if case .string = arg.expr { error(arg, "`\(call)` takes True or False") }
        case .host:
            if case .string(let h) = arg.expr, h != "localhost" {
                if SocketAddress.isValidIPv4(h) || SocketAddress.isValidIPv6(h) {
                    if let r = AddressPolicy.check(host: h) { error(arg, r.message, help: r.help) }
                } else if case .name = arg.expr {} else {
                    error(arg, "sockstep looks up only `localhost` and this machine's own name (`gethostname()`)",
                          help: "other names would need DNS and could leave this machine")
                }
            }
        case .port:
            if let v = staticInt(arg), let r = AddressPolicy.check(port: v) { error(arg, r.message, help: r.help) }
        case .socketList:
            if case .list(let items) = arg.expr {
                for item in items {
                    if case .name(let n) = item.expr { _ = checkReceiver(n, at: item.location) } else {
                        error(item, "`select` watches sockets: list socket names here")
                    }
                }
                nameCheckDone = true
            } else {
                error(arg, "`select` takes lists of sockets", help: "write `select([server], [], [], 0)`")
                nameCheckDone = true
            }
        case .optionValue, .string, .any:
            break
        }
        if !nameCheckDone { checkNames(in: arg) }
    }

    mutating func checkNames(in node: Node) {
        switch node.expr {
        case .name(let n): checkName(node, n)
        case .attribute(let base, let attr):
            if case .name(let n) = base.expr {
                if n == "socket", SocketConstants.named(attr) != nil { return }
                _ = checkReceiver(n, at: base.location)
                if Vocabulary.attributes[attr] == nil {
                    error(node, "unknown attribute `\(attr)`", help: Suggest.closest(to: attr, in: Array(Vocabulary.attributes.keys)).map { "did you mean `\($0)`?" })
                }
            } else { checkNames(in: base) }
        case .call(let callee, _) where { if case .attribute(_, let m) = callee.expr { return m == "encode" || m == "decode" }; return false }():
            if case .attribute(_, let m) = callee.expr { valueMethod(node, m) }
        case .call(let callee, _):
            error(node, "calls inside arguments are not supported", help: "make the inner call its own step and assign it: `x = \(callee.expr == .name("gethostname") ? "gethostname()" : "…")`")
        case .tuple(let items), .list(let items): for i in items { checkNames(in: i) }
        case .binary(_, let a, let b): checkNames(in: a); checkNames(in: b)
        case .negate(let a): checkNames(in: a)
        default: break
        }
    }

    mutating func checkAddress(_ arg: Node, call: String, family: Int32?) {
        switch arg.expr {
        case .tuple(let items):
            if family == SocketConstants.named("AF_UNIX")?.value {
                error(arg, "a Unix-domain socket's address is a path, not a (host, port) tuple", help: "write `\(call)(\"echo.sock\")`")
                return
            }
            guard items.count == 2 || items.count == 4 else {
                error(arg, "an address is a (host, port) tuple", help: "write `(\"127.0.0.1\", 0)`")
                return
            }
            switch items[0].expr {
            case .string(let host):
                if let r = AddressPolicy.check(host: host) { error(items[0], r.message, help: r.help) }
                if family == SocketConstants.named("AF_INET")?.value, SocketAddress.isValidIPv6(host), !SocketAddress.isValidIPv4(host) {
                    if !expects("EAFNOSUPPORT", "socket.gaierror", "gaierror", "OSError", "EINVAL") {
                        error(items[0], "\(host) is an IPv6 address, but this socket is AF_INET (IPv4)", help: "create the socket with `socket(AF_INET6, SOCK_STREAM)`")
                    }
                }
            case .name: checkNames(in: items[0])
            default:
                error(items[0], "the host must be a string like \"127.0.0.1\"")
            }
            if let port = staticInt(items[1]) {
                if let r = AddressPolicy.check(port: port), !expects("OverflowError") {
                    let toServer = call == "connect" || call == "connect_ex" || call == "sendto" || call == "create_connection"
                    error(items[1], r.message, help: toServer ? "a \(call) needs the port the server really got: \(serverAddressHint(call)); Python raises OverflowError for \(port) before any system call (expect it with `-> OverflowError`)" : r.help)
                }
                if port != 0, call == "bind" || call == "create_server", AddressPolicy.check(port: port) == nil, step.expectation == nil || step.expectation == .ok {
                    error(items[1], "sockstep binds to port 0 only, not to a fixed port like \(port)",
                          help: "a fixed port may be taken by another program, or by another run at the same moment; write 0 (`PORT = 0`): the kernel picks a free port, and clients connect to the port it really got, `\(serverName(call)).address` (or `\(serverName(call)).getsockname()`)")
                }
                if port == 0, call == "connect" || call == "connect_ex" || call == "create_connection", step.expectation == nil || step.expectation == .ok {
                    diagnostics.append(Diagnostic(.warning, at: items[1].location, length: items[1].length,
                        "nothing can listen on port 0: it only asks bind for a free port, so this connect is refused",
                        help: "connect to the port the server really got: \(serverAddressHint(call))"))
                }
            } else {
                switch items[1].expr {
                case .string(let s): error(items[1], "the port must be a number, not a string", help: "write `\(Int(s).map(String.init) ?? "0")` without quotes")
                case .name, .attribute: checkNames(in: items[1])
                default: error(items[1], "the port must be a number from 0 to 65535")
                }
            }
        case .string(let path):
            if family == SocketConstants.named("AF_UNIX")?.value || family == nil {
                if let r = AddressPolicy.check(unixPath: path) { error(arg, r.message, help: r.help) }
            } else {
                error(arg, "an Internet socket's address is a (host, port) tuple", help: "write `(\"\(path)\", 0)`")
            }
        case .name, .attribute:
            checkNames(in: arg)
        case .int:
            error(arg, "an address is a (host, port) tuple, not a number", help: "write `(\"127.0.0.1\", 0)`")
        default:
            error(arg, "an address is a (host, port) tuple", help: "write `(\"127.0.0.1\", 0)`")
        }
    }

    /// `c.connect(server.address)` (or `server.getsockname()`), with a socket of this file that could
    /// be the server: a client needs the port the kernel gave it, never port 0.
    func serverAddressHint(_ call: String) -> String {
        let receiver = step.call.methodCall?.receiver
        let sockets = env.compactMap { name, b -> (String, Int)? in
            if case .socket(_, _, let line) = b, name != receiver { return (name, line) }
            return nil
        }.sorted { $0.1 < $1.1 }.map(\.0)
        let server = sockets.first { $0.lowercased().contains("serv") || $0 == "s" || $0.lowercased().contains("listen") } ?? sockets.first ?? "server"
        let on = receiver.map { "\($0)." } ?? ""
        let args = call == "sendto" ? "data, \(server)" : server
        return "`\(on)\(call)(\(args).address)` (or `\(server).getsockname()`)"
    }

    mutating func checkOption(_ args: [Node]) {
        guard case .name(let level) = args[0].expr, case .name(let option) = args[1].expr,
              let l = SocketConstants.named(level), let o = SocketConstants.named(option) else { return }
        if l.kind != .level && l.kind != .proto {
            error(args[0], "`\(level)` is not an option level", help: "levels are SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP and IPPROTO_IPV6")
            return
        }
        if o.kind != .option {
            error(args[1], "`\(option)` is not a socket option")
            return
        }
        let expectedLevel: String
        switch option {
        case _ where option.hasPrefix("SO_"): expectedLevel = "SOL_SOCKET"
        case _ where option.hasPrefix("TCP_"): expectedLevel = "IPPROTO_TCP"
        case _ where option.hasPrefix("IPV6_"): expectedLevel = "IPPROTO_IPV6"
        default: expectedLevel = "IPPROTO_IP"
        }
        if level != expectedLevel && !(expectedLevel == "IPPROTO_IP" && level == "IPPROTO_IP") && !expects("ENOPROTOOPT", "EINVAL", "OSError") {
            error(args[0], "`\(option)` belongs to the level `\(expectedLevel)`, not `\(level)`", help: "write `setsockopt(\(expectedLevel), \(option), …)`")
        }
    }

    /// The flags of `=> [SYN, ACK]` must be TCP's (Wireshark's names).
    mutating func checkPacketExpectation() {
        guard let p = step.packets else { return }
        let names = TCPFlags.named.map(\.0)
        for item in p.items {
            for (flag, loc) in zip(item.flags, item.locations) where TCPFlags(name: flag) == nil {
                let guess = Suggest.closest(to: flag.uppercased(), in: names) ?? (names.contains(flag.uppercased()) ? flag.uppercased() : nil)
                diagnostics.append(Diagnostic(at: loc, length: flag.count, "unknown TCP flag `\(flag)`",
                                              help: guess.map { "did you mean `\($0)`?" } ?? "the flags are \(names.joined(separator: ", ")) (as Wireshark writes them), or `none` alone"))
            }
        }
    }

    mutating func checkExpectation() {
        checkPacketExpectation()
        guard let e = step.expectation else { return }
        switch e {
        case .error(let name, let errnos, let loc):
            if errnos == [name], Errno(name: name) == nil {
                let pool = Errno.all.map(\.name) + Array(PythonExceptions.errnos.keys)
                let guess = Suggest.closest(to: name, in: pool)
                diagnostics.append(Diagnostic(at: loc, length: name.count, "unknown error `\(name)`",
                                              help: guess.map { "did you mean `\($0)`?" } ?? "errors are errno names like ECONNREFUSED, or Python's exceptions like ConnectionRefusedError"))
            }
        case .value(let node):
            checkExpectedValue(node)
        default: break
        }
    }

    mutating func checkExpectedValue(_ node: Node) {
        switch node.expr {
        case .name(let n):
            if n == "_" || TCPState(name: n) != nil || Checker.otherStates.contains(n) || SocketConstants.named(n) != nil || env[n] != nil { return }
            let pool = StepParser.specialExpectations + Errno.all.map(\.name) + TCPState.allCases.map(\.name) + Checker.otherStates + Array(PythonExceptions.errnos.keys)
            let guess = Suggest.closest(to: n, in: pool)
            error(node, "unknown expectation `\(n)`",
                  help: guess.map { "did you mean `\($0)`?" } ?? "after `->` write a value (b\"hi\", 5), an error (ECONNREFUSED), or one of: blocks, timeout, eof, ok")
        case .tuple(let items), .list(let items):
            for i in items { checkExpectedValue(i) }
        case .attribute(let base, _):
            checkNames(in: node)
            _ = base
        default: break
        }
    }
}

import ScenarioFormat

/// What the C and the Swift export spell differently; everything else about writing a step (the
/// values, the arguments, the calls from `CallDefinition.native`, the expectations) is
/// `NativeWriter`'s, once for both languages.
protocol Dialect {
    static var isC: Bool { get }
    static var languageName: String { get }
    static var reserved: Set<String> { get }

    static func string(_ s: String) -> String
    static func comment(_ text: String) -> String
    static func stmt(_ e: String) -> String
    static func discard(_ e: String) -> String
    static func ifThen(_ condition: String, _ body: [String]) -> [String]
    static func helper(_ name: String) -> String
    static func cast(_ type: String, _ e: String) -> String
    static func size(of variable: String, _ type: String) -> String
    /// A named socket as the runtime's functions take it (`&server` in C).
    static func ref(_ variable: String) -> String
    static var okCondition: String { get }

    static func intValue(_ e: String) -> String
    static func floatValue(_ e: String) -> String
    static func boolValue(_ e: String) -> String
    static var noneValue: String { get }
    static var anyValue: String { get }
    static func textValue(_ s: String) -> String
    static func bytesValue(_ b: [UInt8]) -> String
    static func constantValue(_ name: String) -> String
    static func socketValue(_ ref: String) -> String
    static func tupleValue(_ items: [String]) -> String
    static func listValue(_ items: [String]) -> String
    static func ipValue(_ host: String, _ port: Int) -> String
    static func binary(_ op: Expr.BinaryOp, _ a: String, _ b: String) -> String
    static func negate(_ a: String) -> String

    static var addressValue: String { get }
    static var addressArg: String { get }
    static func withAddress(_ function: String, _ lead: String) -> String
    static func receivingAddress(_ function: String, _ lead: String) -> (before: [String], call: String)
    static func buffer(size: String, literal: Bool) -> (before: [String], pointer: String, length: String, guard: String?)
    static func received(_ n: String) -> String
    static func payload(literal: [UInt8]?, value: String?) -> (before: [String], pointer: String, length: String, guard: String?)
    static func waiting(_ ref: String, _ events: String) -> String
    static func unnamed(_ index: Int, _ what: String) -> (ref: String, make: [String])
    /// `s.state`, waiting for `want` when a packet is still in flight towards it.
    static func stateOf(_ ref: String, want: String?) -> String

    /// The program around the steps: a comment block, the runtime, the command that builds it, `main`.
    static func commentBlock(_ lines: [String]) -> String
    static func banner(_ text: String) -> String
    static var runtime: String { get }
    static var buildCommand: String { get }
    static var languageFlag: String { get }
    static func declareSocket(_ variable: String, _ name: String) -> String
    static func declareValue(_ variable: String) -> String
    static var mainOpen: String { get }
    static var mainStart: String { get }
    static func mainClose(_ count: Int) -> String
    /// Scratch variables of `main`, each declared only where the steps use it.
    static var scratch: [(String, String)] { get }
    static func withoutComments(_ body: String) -> String

    static func heading(_ text: String) -> String
    static func prose(_ lines: [String]) -> String
    static func stepHead(_ number: Int, line: Int, source: String, comment: String?) -> String
    static func begin(_ number: Int) -> String
    static func end(_ expectation: String) -> String

    static var expectNothing: String { get }
    static var expectOK: String { get }
    static var expectEOF: String { get }
    static var expectBlocks: String { get }
    static var expectTimeout: String { get }
    static func expectValue(_ v: String, _ text: String) -> String
    static func expectError(_ name: String, _ errnos: [String]) -> String
}

/// Writes a lesson's steps in C or Swift: one block per step making the real call.
struct NativeWriter<D: Dialect> {
    let document: Document
    let names: LessonNames
    /// The document mentions multicast: sendto() then leaves by the loopback interface, as sockstep does.
    let multicast: Bool

    init(document: Document, names: LessonNames) {
        self.document = document
        self.names = names
        multicast = document.steps.contains { $0.source.contains("MULTICAST") || $0.source.contains("MEMBERSHIP") || $0.source.contains("\"22") || $0.source.contains("\"23") }
    }

    func sock(_ n: String) -> String { identifier(n, reserved: D.reserved) }
    func val(_ n: String) -> String { identifier(names.isSocket(n) ? n + "_value" : n, reserved: D.reserved) }

    /// The whole program: the runtime, the lesson's names, then `main` with every step.
    static func program(_ document: Document) throws -> String {
        let shapes = try document.steps.enumerated().map { try StepShape($0.element, number: $0.offset + 1) }
        let writer = NativeWriter(document: document, names: LessonNames(shapes))
        let body = writer.body(shapes)
        var top = ["\(document.title): exported by `sockstep export --lang \(D.languageFlag) \(document.path)`."]
        if let s = document.meta("summary") { top += ["", s] }
        top += ["", "Makes the lesson's calls in the same order on real loopback sockets and checks the same",
                "expectations. Prints one line per step: `step N: ok`, `step N: ECONNREFUSED`, `step N: blocks`...",
                "Exit status 0 when every step did what the lesson expects.", "", "    " + D.buildCommand]
        var out = D.commentBlock(top) + D.runtime
        out += D.banner("The lesson's names: a `\(D.isC ? "sock" : "Sock")` for each socket, a `\(D.isC ? "value" : "Value")` for everything else.")
        for s in writer.names.sockets { out += D.declareSocket(writer.sock(s), s) }
        for v in writer.names.values { out += D.declareValue(writer.val(v)) }
        out += D.mainOpen
        let code = D.withoutComments(body)
        for (name, decl) in D.scratch where containsWord(code, name) { out += "    " + decl + "\n" }
        return out + D.mainStart + body + D.mainClose(shapes.count)
    }

    /// The lesson's headings, prose (as comments) and steps, in order.
    func body(_ shapes: [StepShape]) -> String {
        var out = ""
        for block in document.blocks {
            switch block {
            case .heading(let text, _, _):
                out += D.heading(text)
            case .prose(let text, _):
                let lines = proseLines(text)
                if !lines.isEmpty { out += D.prose(lines) }
            case .steps(let steps, _):
                for step in steps {
                    guard let shape = shapes.first(where: { $0.step.location == step.location }) else { continue }
                    out += code(shape)
                }
            }
        }
        return out
    }

    func code(_ s: StepShape) -> String {
        var lines: [String]
        do {
            lines = try body(s)
        } catch let e as ExportError {
            // Said plainly, at run time too: the agreement test shows it.
            lines = [D.comment("not supported in \(D.languageName) export: \(e.message)"), D.stmt("fail(\"unsupported\")")]
        } catch {
            lines = [D.comment("not supported in \(D.languageName) export"), D.stmt("fail(\"unsupported\")")]
        }
        return D.stepHead(s.number, line: s.step.location.line, source: s.step.source, comment: s.step.comment)
            + (s.packetsNote.map { "    " + D.comment($0) + "\n" } ?? "")
            + "    " + D.begin(s.number) + "\n" + lines.map { "    " + $0 + "\n" }.joined() + "    " + D.end(expectation(s.step.expectation)) + "\n"
    }

    func body(_ s: StepShape) throws -> [String] {
        var lines: [String]
        switch s.kind {
        case .method(let r, let name, _):
            guard names.isSocket(r) else {
                throw ExportError(message: "`\(r)` is not a socket, so it has no `\(name)`", location: s.step.location, help: nil)
            }
            lines = try call(s, receiver: r)
        case .function:
            lines = try call(s, receiver: nil)
        case .attribute(let r, let name):
            var want: String?
            if case .value(let n)? = s.step.expectation, case .name(let st) = n.expr, stateNames.contains(st) {
                want = st == "SYN_RECEIVED" ? "SYN_RECV" : st
            }
            lines = [D.stmt("returned(\(try attribute(r, name, want: want)))")]
        case .name(let n):
            lines = [D.stmt("returned(\(names.isSocket(n) ? D.socketValue(D.ref(sock(n))) : val(n)))")]
        case .value(let n):
            lines = [D.stmt("returned(\(try value(n)))")]
        }
        // Values the step names: assigned only when it returned one (accept names its own).
        let made = LessonNames.socketTargets(s)
        let valueTargets = s.step.targets.enumerated().filter { !made.contains($0.offset) }
        if s.assigns, !valueTargets.isEmpty, s.definition?.returns != .socketAndAddress {
            if s.step.targets.count == 1 {
                lines += D.ifThen(D.okCondition, [D.stmt("\(val(s.step.targets[0])) = result")])
            } else {
                lines += D.ifThen(D.okCondition, valueTargets.map { D.stmt("\(val($0.element)) = item(result, \($0.offset))") })
            }
        }
        return lines
    }

    func call(_ s: StepShape, receiver: String?) throws -> [String] {
        guard let def = s.definition, let args = s.arguments else {
            throw ExportError(message: "`\(s.callName)` has no \(D.languageName) equivalent here", location: s.step.location, help: nil)
        }
        let step = NativeStep(writer: self, shape: s, definition: def, args: args, receiver: receiver)
        var lines: [String] = []
        if step.blocks, def.attempts, receiver != nil {
            lines.append(D.stmt("\(D.helper("trying"))(\(step.ref))") + "   " + D.comment("would it wait? a non-blocking attempt tells"))
        }
        return lines + (try def.native(step))
    }

    func expectation(_ e: Expectation?) -> String {
        guard let e else { return D.expectNothing }
        switch e {
        case .ok: return D.expectOK
        case .eof: return D.expectEOF
        case .blocks: return D.expectBlocks
        case .timeout: return D.expectTimeout
        case .value(let n): return D.expectValue((try? value(n, pattern: true)) ?? D.anyValue, D.string(expectationText(e, document)))
        case .error(let name, let errnos, _): return D.expectError(name, errnos)
        case .pythonError(let name, _): return D.expectError(name, [name])
        }
    }

    // MARK: expressions

    /// A node as an expression of the runtime's value type.
    func value(_ n: Node, pattern: Bool = false) throws -> String {
        switch n.expr {
        case .int(let v): return D.intValue(String(v))
        case .float(let d): return D.floatValue(String(d))
        case .string(let s): return D.textValue(s)
        case .bytes(let b): return D.bytesValue(b)
        case .bool(let b): return D.boolValue(D.isC ? (b ? "1" : "0") : String(b))
        case .none: return D.noneValue
        case .name(let name):
            if pattern && name == "_" { return D.anyValue }
            if pattern && stateNames.contains(name) { return D.textValue(name == "SYN_RECEIVED" ? "SYN_RECV" : name) }
            if isConstant(name) { return D.constantValue(name) }
            if names.isSocket(name) { return D.socketValue(D.ref(sock(name))) }
            return val(name)
        case .attribute(let base, let attr):
            if case .name("socket") = base.expr { return D.constantValue(attr) }
            guard case .name(let r) = base.expr else {
                throw ExportError(message: "only a socket's name may have an attribute here", location: n.location, help: nil)
            }
            return try attribute(r, attr, want: nil)
        case .call:
            throw ExportError(message: "a call inside an argument cannot be exported", location: n.location, help: "make it a step of its own and name its result")
        case .tuple(let items):
            if !pattern, items.count == 2, case .string(let h) = items[0].expr, case .int(let p) = items[1].expr { return D.ipValue(h, p) }
            return D.tupleValue(try items.map { try value($0, pattern: pattern) })
        case .list(let items):
            return D.listValue(try items.map { try value($0, pattern: pattern) })
        case .binary(let op, let a, let b):
            return D.binary(op, try value(a, pattern: pattern), try value(b, pattern: pattern))
        case .negate(let a): return D.negate(try value(a, pattern: pattern))
        }
    }

    func isConstant(_ name: String) -> Bool {
        name.first?.isUppercase == true && name.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" } && !stateNames.contains(name)
    }

    /// An integer argument: written as it is where it is a literal or a constant, else read from a value.
    func int(_ n: Node) throws -> String {
        switch n.expr {
        case .int(let v): return String(v)
        case .bool(let b): return b ? "1" : "0"
        case .name(let name) where isConstant(name): return name
        case .attribute(let base, let attr): if case .name("socket") = base.expr { return attr }
        case .binary(.bitOr, let a, let b): return "\(try int(a)) | \(try int(b))"
        case .negate(let a): if case .int(let v) = a.expr { return "-\(v)" }
        default: break
        }
        return "\(D.helper("as_int"))(\(try value(n)))"
    }

    /// Seconds for settimeout and friends: -1 for None.
    func seconds(_ n: Node) throws -> String {
        switch n.expr {
        case .int(let v) where v >= 0: return "\(v)"
        case .float(let d) where d >= 0: return "\(d)"
        case .none: return "-1"
        default: return "\(D.helper("as_seconds"))(\(try value(n)))"
        }
    }

    func attribute(_ r: String, _ name: String, want: String?) throws -> String {
        guard names.isSocket(r) else {
            throw ExportError(message: "`\(r)` is not a socket, so it has no `.\(name)`", location: SourceLocation(line: 1, column: 1), help: nil)
        }
        let ref = D.ref(sock(r))
        switch name {
        case "address", "peer", "readable", "unacked", "pending", "backlog": return "\(D.helper(name + "_of"))(\(ref))"
        case "state": return D.stateOf(ref, want: want)
        case "family", "type": return D.intValue("\(sock(r)).\(name)")
        case "closed": return D.boolValue("\(sock(r)).fd < 0")
        default:
            throw ExportError(message: "the attribute `.\(name)` has no \(D.languageName) equivalent here", location: SourceLocation(line: 1, column: 1), help: nil)
        }
    }
}

/// One step as a call's `native` form sees it (see `NativeCode`).
struct NativeStep<D: Dialect>: NativeCode {
    let writer: NativeWriter<D>
    let shape: StepShape
    let definition: CallDefinition
    let args: [Node]
    let receiver: String?

    var isC: Bool { D.isC }
    var blocks: Bool { shape.step.expectation == .blocks }
    var timed: Bool { receiver.map { writer.names.timedBefore[shape.number]?.contains($0) ?? false } ?? false }
    var multicast: Bool { writer.multicast }
    func reads(_ attribute: String) -> Bool { writer.document.steps.contains { $0.source.contains(".\(attribute)") } }
    var sock: String { receiver.map(writer.sock) ?? "" }
    var ref: String { D.ref(sock) }
    var fd: String { "\(sock).fd" }

    func value(_ i: Int) throws -> String { try writer.value(args[i]) }
    func value(_ node: Node) throws -> String { try writer.value(node) }
    func int(_ i: Int) throws -> String {
        i < args.count ? try writer.int(args[i]) : (i < definition.params.count ? definition.params[i].absent : nil) ?? "0"
    }
    func int(_ node: Node) throws -> String { try writer.int(node) }
    func seconds(_ i: Int) throws -> String {
        i < args.count ? try writer.seconds(args[i]) : (i < definition.params.count ? definition.params[i].absent : nil) ?? "-1"
    }
    func seconds(_ node: Node) throws -> String { try writer.seconds(node) }
    func flags(_ i: Int) throws -> String {
        if i < args.count { return try writer.int(args[i]) + (blocks ? " | MSG_DONTWAIT" : "") }
        return blocks ? "MSG_DONTWAIT" : "0"
    }

    func string(_ s: String) -> String { D.string(s) }
    func comment(_ text: String) -> String { D.comment(text) }
    func stmt(_ expression: String) -> String { D.stmt(expression) }
    func discard(_ expression: String) -> String { D.discard(expression) }
    func ifThen(_ condition: String, _ body: [String]) -> [String] { D.ifThen(condition, body) }
    func helper(_ name: String) -> String { D.helper(name) }
    func cast(_ type: String, _ expression: String) -> String { D.cast(type, expression) }
    func size(of variable: String, _ type: String) -> String { D.size(of: variable, type) }

    func intValue(_ e: String) -> String { D.intValue(e) }
    func floatValue(_ e: String) -> String { D.floatValue(e) }
    func boolValue(_ e: String) -> String { D.boolValue(e) }
    var noneValue: String { D.noneValue }
    func tupleValue(_ items: [String]) -> String { D.tupleValue(items) }
    func socketValue(_ ref: String) -> String { D.socketValue(ref) }
    var addressValue: String { D.addressValue }
    var addressArg: String { D.addressArg }

    func withAddress(_ function: String, _ lead: String) -> String { D.withAddress(function, lead) }
    func receivingAddress(_ function: String, _ lead: String) -> (before: [String], call: String) { D.receivingAddress(function, lead) }
    func buffer(_ i: Int) throws -> (before: [String], pointer: String, length: String, guard: String?) {
        if case .int(let v) = args[i].expr { return D.buffer(size: String(v), literal: true) }
        return D.buffer(size: try int(i), literal: false)
    }
    func received(_ n: String) -> String { D.received(n) }
    func payload(_ i: Int) throws -> (before: [String], pointer: String, length: String, guard: String?) {
        if case .bytes(let b) = args[i].expr { return D.payload(literal: b, value: nil) }
        return D.payload(literal: nil, value: try value(i))
    }
    func waiting(_ events: String) -> String? { timed ? D.waiting(ref, events) : nil }
    func guarded(_ call: String, _ guards: [String?]) -> String {
        let g = guards.compactMap { $0 }
        return g.isEmpty ? call : "\(g.joined(separator: " && ")) ? \(call) : -1"
    }
    func target(_ i: Int, _ what: String) -> (ref: String, make: [String]) {
        if shape.assigns, i < shape.step.targets.count { return (D.ref(writer.sock(shape.step.targets[i])), []) }
        return D.unnamed(i, what)
    }
    func adopt(_ ref: String, _ fd: String) -> String { D.stmt("adopt(\(ref), \(fd))") }
    func valueTarget(_ i: Int) -> String? {
        guard shape.assigns, i < shape.step.targets.count, shape.step.targets[i] != "_" else { return nil }
        return writer.val(shape.step.targets[i])
    }
}

/// A prose block's lines for comments: without HTML comments and blank lines around it.
func proseLines(_ text: String) -> [String] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("<!--") }.map(String.init)
    while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeLast() }
    while let first = lines.first, first.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeFirst() }
    return lines
}

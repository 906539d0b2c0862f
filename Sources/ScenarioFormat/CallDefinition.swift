/// One call of the step language, defined once for every part of sockstep that knows calls:
///
/// - the parser and the checker read its arguments (`params`), what it returns (`returns`) and
///   how it is written (`usage`, shown in `did you mean` help);
/// - the runner reports a call on a closed socket as the system call `syscall`, and proves a
///   `-> blocks` with a non-blocking attempt where `attempts` says the call can wait;
/// - the explainer and `sockstep explain` show `summary`, `detail`, `manPage` and `cLine`;
/// - the Python exports spell it as `python` says; the C and Swift exports write it with
///   `native`, once for both languages, through the small set of spellings `NativeCode` offers.
///
/// The table itself is `CallDefinition.all` (CallTable.swift). Adding a call is one entry there,
/// plus what it does on real sockets in `Sources/Runner/Calls.swift` (and, for a system call the
/// project does not wrap yet, one function in `Sources/Sockets/SocketCalls.swift`), and its tests:
/// a scenario using it in `scenarios/` is run by CI and exported, compiled and compared with the
/// runner in Python, C and Swift by Tests/ExportTests/ExportAgreementTests.swift (`scenarios/dup.md`
/// is the example). The Export module's doc comment (Exporter.swift) lists the optional extras.
public final class CallDefinition: Sendable {
    public enum Receiver: Sendable, Hashable { case socket, function }
    public enum ArgKind: Sendable, Hashable {
        case address, int, bytes, flags, timeout, bool, constant, optionValue, string, socketList, host, port, any
    }
    public enum Returns: Sendable, Hashable {
        case nothing, socket, socketAndAddress, socketPair, value, bytesAndAddress, readyLists
        /// How many names an assignment may take: nil means one (a single value).
        public var arity: Int? {
            switch self {
            case .socketAndAddress, .socketPair, .bytesAndAddress: return 2
            case .readyLists: return 3
            default: return nil
            }
        }
        /// Which of the names an assignment gives receive new sockets.
        public var socketTargets: Set<Int> {
            switch self {
            case .socket, .socketAndAddress: return [0]
            case .socketPair: return [0, 1]
            default: return []
            }
        }
    }
    public struct Param: Sendable, Hashable {
        public var name: String
        public var kind: ArgKind
        public var optional: Bool
        /// What the C and Swift exports pass when the step leaves the argument out (`AF_INET`, `128`).
        public var absent: String?
    }
    /// How Python writes the call.
    public enum PythonSpelling: Sendable, Hashable {
        /// `sock.name(args)`
        case method
        /// `name(sock, args)`: a helper of the exported program (values Python wants packed, or a loop).
        case helper
        /// `module.name(args)`
        case function(module: String)
    }

    public let name: String
    public let receiver: Receiver
    public let params: [Param]
    public let returns: Returns
    /// Shown in `did you mean` help and in `sockstep explain`.
    public let usage: String
    /// What the call does, in one sentence, then in a few more (`sockstep explain`, every explained step).
    public let summary: String
    public let detail: String
    public let manPage: String
    /// The call as a C programmer writes it, with `FD` for the socket's descriptor (explanations).
    public let cLine: String
    /// The system call strace shows first for it (a call on a closed socket is reported as this one).
    public let syscall: String
    /// True when the call can wait: `-> blocks` is then proven by one non-blocking attempt.
    public let attempts: Bool
    public let python: PythonSpelling
    /// The lines of C or Swift that make the call in an exported program.
    public let native: @Sendable (any NativeCode) throws -> [String]

    public var minArgs: Int { params.filter { !$0.optional }.count }
    public var maxArgs: Int { params.count }

    /// Where the step's address argument is (`sendto(data, address)` and `sendto(data, flags, address)`).
    public func addressArgument(count: Int) -> Int? {
        guard let i = params.firstIndex(where: { $0.kind == .address }) else { return nil }
        return params[i].optional && i == params.count - 1 ? count - 1 : i
    }

    init(_ name: String, _ receiver: Receiver, _ params: [(String, ArgKind, Bool, String?)], returns: Returns, usage: String,
         summary: String, detail: String = "", man: String, c: String, syscall: String? = nil, attempts: Bool = false,
         python: PythonSpelling? = nil, native: @escaping @Sendable (any NativeCode) throws -> [String]) {
        self.name = name
        self.receiver = receiver
        self.params = params.map { Param(name: $0.0, kind: $0.1, optional: $0.2, absent: $0.3) }
        self.returns = returns
        self.usage = usage
        self.summary = summary
        self.detail = detail
        self.manPage = man
        self.cLine = c
        self.syscall = syscall ?? name
        self.attempts = attempts
        self.python = python ?? (receiver == .socket ? .method : .function(module: "socket"))
        self.native = native
    }
}

/// The spellings a call's `native` form is written with: what differs between the C and the Swift
/// export (types, pointers, statements, the runtime's names) is answered by the exporter, so each
/// call is written once for both. The receiver and the arguments come already written.
public protocol NativeCode {
    /// The language, for the few lines that have no common shape.
    var isC: Bool { get }
    /// The step's arguments as written in the lesson.
    var args: [Node] { get }
    /// The step expects `-> blocks`: the call is a non-blocking attempt.
    var blocks: Bool { get }
    /// An earlier step gave the receiver a timeout: calls wait with poll() first, as Python's do.
    var timed: Bool { get }
    /// The lesson reads a sendto's multicast group: leave by the loopback interface, as sockstep does.
    var multicast: Bool { get }
    /// True when some step of the lesson reads that attribute (`.backlog`): only then is it kept.
    func reads(_ attribute: String) -> Bool
    /// The receiver socket (`server`), as it is passed to the runtime (`&server` in C), its descriptor.
    var sock: String { get }
    var ref: String { get }
    var fd: String { get }

    /// An argument as a value, an integer (a literal or constant as written), seconds (-1 for None),
    /// or flags (with MSG_DONTWAIT for a `-> blocks` attempt); absent ones take the param's default.
    func value(_ i: Int) throws -> String
    func value(_ node: Node) throws -> String
    func int(_ i: Int) throws -> String
    func int(_ node: Node) throws -> String
    func seconds(_ i: Int) throws -> String
    func seconds(_ node: Node) throws -> String
    func flags(_ i: Int) throws -> String

    /// A string literal, a comment, a statement, a statement whose result is dropped.
    func string(_ s: String) -> String
    func comment(_ text: String) -> String
    func stmt(_ expression: String) -> String
    func discard(_ expression: String) -> String
    /// `if (cond) body` with the language's braces.
    func ifThen(_ condition: String, _ body: [String]) -> [String]
    /// The runtime's function of that (C) name (`to_address` is `toAddress` in Swift).
    func helper(_ name: String) -> String
    /// An expression converted where the language needs it (Swift `Int(x)`; C converts by itself).
    func cast(_ type: String, _ expression: String) -> String
    /// The size of a variable of a C type, as a socklen_t.
    func size(of variable: String, _ type: String) -> String

    /// Values: Python's int, float, bool, None, a tuple, a socket, the address in `sa`.
    func intValue(_ e: String) -> String
    func floatValue(_ e: String) -> String
    func boolValue(_ e: String) -> String
    var noneValue: String { get }
    func tupleValue(_ items: [String]) -> String
    func socketValue(_ ref: String) -> String
    var addressValue: String { get }
    /// `sa` where a function reads the address (`&sa` in C).
    var addressArg: String { get }

    /// `fn(lead, <the address in sa>)` and `fn(lead, <room for an address>)` (with lines before it).
    func withAddress(_ function: String, _ lead: String) -> String
    func receivingAddress(_ function: String, _ lead: String) -> (before: [String], call: String)
    /// Room for argument i's bytes in `buf`: lines, the pointer and length a recv() takes, a guard.
    func buffer(_ i: Int) throws -> (before: [String], pointer: String, length: String, guard: String?)
    /// The first `n` bytes of `buf` as a value.
    func received(_ n: String) -> String
    /// Argument i's bytes for send(): lines, pointer, length, and a guard when the value is made at run time.
    func payload(_ i: Int) throws -> (before: [String], pointer: String, length: String, guard: String?)
    /// The poll() a timed socket waits with before the call (nil when the receiver has no timeout).
    func waiting(_ events: String) -> String?
    /// `guards ? call : -1`, or the call alone.
    func guarded(_ call: String, _ guards: [String?]) -> String
    /// Where a new socket goes: the lesson's name (`&conn`) or one it did not name, with the lines that make it.
    func target(_ i: Int, _ what: String) -> (ref: String, make: [String])
    /// `adopt(ref, fd)`: the name now stands for that descriptor.
    func adopt(_ ref: String, _ fd: String) -> String
    /// The value names of the step (`addr` in `conn, addr = server.accept()`), if the step keeps them.
    func valueTarget(_ i: Int) -> String?
}

extension NativeCode {
    /// `if (check(fd)) { adopt(target, fd); then }`: a call that made a socket.
    public func adopting(_ target: Int, _ what: String, fd: String = "fd", then: (String) -> [String] = { _ in [] }) -> [String] {
        let t = self.target(target, what)
        return ifThen("check(\(fd))", t.make + [adopt(t.ref, fd)] + then(t.ref))
    }

    /// `check(call)` as a statement.
    public func check(_ call: String) -> String { stmt("check(\(call))") }

    /// `returned(value)` as a statement.
    public func returned(_ value: String) -> String { stmt("returned(\(value))") }

    /// A step Python refuses before any call (`recv(-1)`: ValueError), when the argument is a negative literal.
    public func refusesNegative(_ i: Int, _ exception: String, _ why: String) -> [String]? {
        guard i < args.count else { return nil }
        switch args[i].expr {
        case .int(let v) where v < 0: break
        case .float(let v) where v < 0: break
        default: return nil
        }
        return [stmt("fail(\"\(exception)\")") + "   " + comment("Python: \(why)")]
    }

    /// The name of a socket option argument (`SO_LINGER`), when it is written as a constant.
    public func constantName(_ i: Int) -> String? {
        if i < args.count, case .name(let n) = args[i].expr { return n }
        return nil
    }
}

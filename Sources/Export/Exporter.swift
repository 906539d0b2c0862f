import Runner
import ScenarioFormat

/// The languages a lesson or scenario can be exported to.
public enum ExportLanguage: String, CaseIterable, Sendable {
    case python, c, swift

    /// The usual file extension of a program in the language.
    public var fileExtension: String {
        switch self {
        case .python: return "py"
        case .c: return "c"
        case .swift: return "swift"
        }
    }
}

/// A step the exporter cannot write in the target language, with where it is.
public struct ExportError: Error, Sendable {
    public var message: String
    public var location: SourceLocation
    public var help: String?
}

/// The Export module: a lesson as a program in Python, C or Swift.
///
/// Each call is defined once, in `CallDefinition.all` (Sources/ScenarioFormat/CallTable.swift): its
/// Python spelling and its one C-and-Swift form live there, next to its arguments and its
/// explanation. Here are only the emitters: `PythonExporter` (the harness and Python's spelling),
/// `PlainPythonExporter` (the beginner's program), and `NativeWriter`, which writes every step for
/// C and Swift through a `Dialect` (`CDialect` in CExporter.swift, `SwiftDialect` in
/// SwiftExporter.swift: spellings, the runtime the program starts with, `main`).
///
/// Adding a call touches: Sources/ScenarioFormat/CallTable.swift (its definition: parser, checker,
/// explanation, Python, C and Swift), Sources/Runner/Calls.swift (what it does on real sockets), and
/// Sources/Sockets/SocketCalls.swift only for a system call not wrapped yet; then its tests
/// (Tests/ExportTests/ExportAgreementTests.swift runs it in every language against the runner).
/// A call that needs a new helper in an exported program's runtime also touches that runtime
/// (`PythonExporter.prelude`, `CDialect.runtime`, `SwiftDialect.runtime`). Optional, where the
/// generic words are not enough: its own sentence in Sources/Explain/Explainer.swift (otherwise the
/// definition's summary explains it), its arrow in Sources/Render/DiagramModel.swift (otherwise a
/// dot on its socket's line), grader wording in Sources/Grader/Messages.swift, and its word in
/// Fuzz/steps.dict.
///
/// Turns a checked document into one complete, runnable program that makes the same calls in the
/// same order and checks the same expectations. Every exported program prints one line per step,
/// `step N: OUTCOME`, where OUTCOME is `ok` (maybe followed by the value), an errno name
/// (`ECONNREFUSED`), `blocks`, `timeout`, a Python exception name or `not run`; a step whose
/// expectation does not hold adds `-- expected …`. The exit status is 0 when every step did what
/// the file expects, 1 otherwise.
public enum Exporter {
    /// `plain`: for Python, the program a beginner would write instead (no harness, no checks;
    /// see `PlainPythonExporter`).
    public static func export(_ document: Document, language: ExportLanguage, plain: Bool = false) -> Result<String, ExportError> {
        do {
            switch language {
            case .python where plain: return .success(try PlainPythonExporter(document).program())
            case .python: return .success(try PythonExporter(document).program())
            case .c: return .success(try NativeWriter<CDialect>.program(document))
            case .swift: return .success(try NativeWriter<SwiftDialect>.program(document))
            }
        } catch let e as ExportError {
            return .failure(e)
        } catch {
            return .failure(ExportError(message: "\(error)", location: SourceLocation(line: 1, column: 1)))
        }
    }
}

/// What every exporter needs to know about a step, read once from the syntax tree.
extension StepShape {
    /// A packet expectation (`=> [RST]`) has no meaning in an exported program: only sockstep
    /// captures the packets. The export says so in a comment and checks the rest of the step.
    var packetsNote: String? {
        step.packets.map { "packets `=> \($0.text)` are checked only by sockstep, which captures them; not here" }
    }
}

struct StepShape {
    enum Kind {
        case method(receiver: String, name: String, args: [Node])
        case function(name: String, args: [Node])
        case attribute(receiver: String, name: String)
        /// A name read back to check it (`data -> b"ping"`).
        case name(String)
        /// A plain value, named or shown (`PORT = 0`; later uses of `PORT` are written as its value).
        case value(Node)
    }
    var number: Int
    var step: Step
    var kind: Kind

    init(_ step: Step, number: Int) throws {
        self.step = step
        self.number = number
        if let m = step.call.methodCall {
            kind = .method(receiver: m.receiver, name: m.method, args: m.args)
        } else if let f = step.call.functionCall {
            kind = .function(name: f.name, args: f.args)
        } else if case .attribute(let base, let attr) = step.call.expr, case .name(let n) = base.expr {
            kind = .attribute(receiver: n, name: attr)
        } else if case .name(let n) = step.call.expr {
            kind = .name(n)
        } else if NamedValues.literal(step.call) != nil {
            kind = .value(step.call)
        } else {
            throw ExportError(message: "this step is not a call the exporter knows", location: step.location,
                              help: "a step is `name.call(...)`, `function(...)` or `name.attribute`")
        }
    }

    /// True when the step's names are assigned only if it returns a value.
    var assigns: Bool {
        guard !step.targets.isEmpty else { return false }
        switch step.expectation {
        case nil, .value?, .ok?, .eof?: return true
        default: return false
        }
    }

    /// The call the step makes (`connect`), and its arguments; nil for an attribute or a name.
    var callName: String {
        switch kind {
        case .method(_, let name, _), .function(let name, _), .attribute(_, let name): return name
        case .name(let n): return n
        case .value: return "value"
        }
    }
    var arguments: [Node]? {
        switch kind {
        case .method(_, _, let args), .function(_, let args): return args
        default: return nil
        }
    }

    /// The call's one definition (a method only on a socket, a function only alone).
    var definition: CallDefinition? {
        switch kind {
        case .method(_, let name, _): return Vocabulary.call(name).flatMap { $0.receiver == .socket ? $0 : nil }
        case .function(let name, _): return Vocabulary.call(name).flatMap { $0.receiver == .function ? $0 : nil }
        default: return nil
        }
    }

    /// Where the address argument sits, if the call takes one.
    var addressArgument: Int? { definition?.addressArgument(count: arguments?.count ?? 0) }
}

/// TCP state names and the other names `.state` reads, written as text in exported programs.
let stateNames: Set<String> = ["ESTABLISHED", "SYN_SENT", "SYN_RECV", "SYN_RECEIVED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSED",
                               "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "LISTENING", "CONNECTED", "UNCONNECTED", "BOUND", "UNBOUND"]

/// Python's `repr` of bytes and strings (the runner's own, so exports and explanations agree).
func pyBytes(_ b: [UInt8]) -> String { Value.pythonRepr(bytes: b) }
func pyString(_ s: String) -> String { Value.pythonRepr(string: s) }

/// A C (and Swift) string literal for bytes: printable ASCII kept, the rest as \x escapes.
func cBytes(_ b: [UInt8]) -> String {
    var s = "\""
    var lastWasHex = false
    for c in b {
        let hexDigit = (48...57).contains(c) || (65...70).contains(c) || (97...102).contains(c)
        switch c {
        case 92: s += "\\\\"; lastWasHex = false
        case 34: s += "\\\""; lastWasHex = false
        case 10: s += "\\n"; lastWasHex = false
        case 13: s += "\\r"; lastWasHex = false
        case 9: s += "\\t"; lastWasHex = false
        case 32..<127:
            // "\x41" followed by "B" would read as one escape: split the literal.
            if lastWasHex && hexDigit { s += "\"\"" }
            s += String(UnicodeScalar(c)); lastWasHex = false
        default: s += "\\x" + (c < 16 ? "0" : "") + String(c, radix: 16); lastWasHex = true
        }
    }
    return s + "\""
}

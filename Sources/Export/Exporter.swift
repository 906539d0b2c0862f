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

/// Turns a checked document into one complete, runnable program that makes the same calls in the
/// same order and checks the same expectations. Every exported program prints one line per step,
/// `step N: OUTCOME`, where OUTCOME is `ok` (maybe followed by the value), an errno name
/// (`ECONNREFUSED`), `blocks`, `timeout`, a Python exception name or `not run`; a step whose
/// expectation does not hold adds `-- expected …`. The exit status is 0 when every step did what
/// the file expects, 1 otherwise.
public enum Exporter {
    public static func export(_ document: Document, language: ExportLanguage) -> Result<String, ExportError> {
        do {
            switch language {
            case .python: return .success(try PythonExporter(document).program())
            case .c: return .success(try CExporter(document).program())
            case .swift: return .success(try SwiftExporter(document).program())
            }
        } catch let e as ExportError {
            return .failure(e)
        } catch {
            return .failure(ExportError(message: "\(error)", location: SourceLocation(line: 1, column: 1)))
        }
    }
}

/// What every exporter needs to know about a step, read once from the syntax tree.
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

    /// Where an address argument sits, by call.
    static func addressArgument(_ call: String, argCount: Int) -> Int? {
        switch call {
        case "bind", "connect", "connect_ex", "create_connection", "create_server": return 0
        case "sendto": return argCount - 1
        default: return nil
        }
    }
}

/// TCP state names and the other names `.state` reads, written as text in exported programs.
let stateNames: Set<String> = ["ESTABLISHED", "SYN_SENT", "SYN_RECV", "SYN_RECEIVED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSED",
                               "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "LISTENING", "CONNECTED", "UNCONNECTED", "BOUND", "UNBOUND"]

/// Python's `repr` of bytes and strings, shared by the exporters.
func pyBytes(_ b: [UInt8]) -> String {
    var s = "b'"
    for c in b {
        switch c {
        case 92: s += "\\\\"
        case 39: s += "\\'"
        case 10: s += "\\n"
        case 13: s += "\\r"
        case 9: s += "\\t"
        case 32..<127: s += String(UnicodeScalar(c))
        default: s += "\\x" + (c < 16 ? "0" : "") + String(c, radix: 16)
        }
    }
    return s + "'"
}

func pyString(_ str: String) -> String {
    var s = "'"
    for ch in str.unicodeScalars {
        switch ch {
        case "\\": s += "\\\\"
        case "'": s += "\\'"
        case "\n": s += "\\n"
        case "\r": s += "\\r"
        case "\t": s += "\\t"
        default:
            if ch.value < 32 || ch.value == 127 { s += "\\x" + (ch.value < 16 ? "0" : "") + String(ch.value, radix: 16) }
            else { s.unicodeScalars.append(ch) }
        }
    }
    return s + "'"
}

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

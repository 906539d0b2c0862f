import ScenarioFormat
import Sockets

/// Decides a step's verdict from its outcome and what the file expected.
public enum Expectations {
    /// Outcomes after which a real program could not go on: it would hang, or it raised.
    public static func stopsRun(_ outcome: Outcome) -> Bool {
        switch outcome {
        case .blocked, .refused, .pythonError, .error, .timedOut: return true
        default: return false
        }
    }

    static func verdict(for outcome: Outcome, expected: Expectation?, session: Session) -> Verdict {
        switch (outcome, expected) {
        case (.notRun, _): return .skipped
        case (.refused, _): return .unexpected

        case (.value, nil), (.value, .ok?): return .passed
        case (.value(let v), .eof?):
            if v == .bytes([]) { return .passed }
            if case .tuple(let t) = v, t.first == .bytes([]) { return .passed }
            return .failed(mismatch(expected: "eof (b'')", actual: v, message: "expected the end of the stream, but data arrived"))
        case (.value(let v), .value(let node)?):
            let pattern: Value
            do { pattern = try session.evaluatePattern(node) } catch let stop as StepStop {
                if case .pythonError(_, let m) = stop.outcome { return .failed(Mismatch(expected: "?", actual: v.description, markerColumn: nil, message: "the expected value could not be read: \(m)")) }
                return .unexpected
            } catch { return .unexpected }
            if matches(v, pattern) { return .passed }
            return .failed(mismatch(expected: pattern.patternDescription, actual: v, message: "the value is not what the file expects"))
        case (.value(let v), .error(let name, _, _)?):
            return .failed(Mismatch(expected: name, actual: v.description, markerColumn: nil, message: "expected \(name), but the call succeeded"))
        case (.value(let v), .pythonError(let name, _)?):
            return .failed(Mismatch(expected: name, actual: v.description, markerColumn: nil, message: "expected Python to raise \(name), but the call succeeded"))
        case (.value(let v), .blocks?):
            return .failed(Mismatch(expected: "blocks", actual: v.description, markerColumn: nil, message: "expected the call to wait, but it returned at once"))
        case (.value(let v), .timeout?):
            return .failed(Mismatch(expected: "timeout", actual: v.description, markerColumn: nil, message: "expected a timeout, but the call returned"))

        case (.error(let e), .error(_, let errnos, _)?):
            if errnos.contains(e.name) || errnos.contains("*") || (e == .EAGAIN && errnos.contains("EWOULDBLOCK")) { return .expectedError }
            return .failed(Mismatch(expected: errnos.joined(separator: " or "), actual: e.name, markerColumn: nil, message: "a different error happened"))
        case (.error, nil): return .unexpected
        case (.error(let e), .blocks?) where e == .EAGAIN || e == .EINPROGRESS:
            return .failed(Mismatch(expected: "blocks", actual: e.name, markerColumn: nil,
                                    message: "the socket is non-blocking, so instead of waiting the call failed at once with \(e.name)"))
        case (.error(let e), _?):
            return .failed(Mismatch(expected: describe(expected!), actual: e.name, markerColumn: nil, message: "the call failed with \(e.name)"))

        case (.blocked, .blocks?): return .passed
        case (.blocked, nil): return .unexpected
        case (.blocked, _?):
            return .failed(Mismatch(expected: describe(expected!), actual: "blocks", markerColumn: nil, message: "the call would wait forever here"))

        case (.timedOut, .timeout?): return .passed
        case (.timedOut, .error(_, let errnos, _)?) where errnos.contains("ETIMEDOUT") || errnos.contains("*"): return .expectedError
        case (.timedOut, nil): return .unexpected
        case (.timedOut, _?):
            return .failed(Mismatch(expected: describe(expected!), actual: "timeout", markerColumn: nil, message: "the call timed out"))

        case (.pythonError(let name, _), .pythonError(let want, _)?):
            return name == want ? .expectedError : .failed(Mismatch(expected: want, actual: name, markerColumn: nil, message: "Python raised a different exception"))
        case (.pythonError(let name, _), .error(let want, let errnos, _)?):
            if errnos.contains("*") || (want.contains("gaierror") && name.contains("gaierror")) { return .expectedError }
            return .failed(Mismatch(expected: want, actual: name, markerColumn: nil, message: "Python raised \(name)"))
        case (.pythonError, nil): return .unexpected
        case (.pythonError(let name, _), _?):
            return .failed(Mismatch(expected: describe(expected!), actual: name, markerColumn: nil, message: "Python raised \(name)"))
        }
    }

    static func describe(_ e: Expectation) -> String {
        switch e {
        case .value(let n): return n.sourceText
        case .error(let name, _, _): return name
        case .pythonError(let name, _): return name
        case .blocks: return "blocks"
        case .timeout: return "timeout"
        case .eof: return "eof"
        case .ok: return "ok"
        }
    }

    /// Equality with `_` wildcards; an int matches an equal float; state names compare as text.
    static func matches(_ v: Value, _ p: Value) -> Bool {
        if case .string("\u{0}_") = p { return true }
        switch (v, p) {
        case (.tuple(let a), .tuple(let b)), (.list(let a), .list(let b)), (.tuple(let a), .list(let b)), (.list(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { matches($0, $1) }
        case (.int(let a), .float(let b)), (.float(let b), .int(let a)): return Double(a) == b
        case (.bool(let a), .int(let b)), (.int(let b), .bool(let a)): return (a ? 1 : 0) == b
        case (.socket(let a), .socket(let b)): return a == b
        // getaddrinfo's families and types print as names but equal their numbers, like Python's IntEnum.
        case (.string(let name), .int(let n)), (.int(let n), .string(let name)):
            guard let c = SocketConstants.named(name) else { return false }
            return Int(c.value) == n
        default: return v == p
        }
    }

    /// Expected vs actual, with the marker under the first byte that differs.
    static func mismatch(expected: String, actual: Value, message: String) -> Mismatch {
        let a = actual.description
        var column: Int?
        let ea = Array(expected), aa = Array(a)
        if (expected.hasPrefix("b'") || expected.hasPrefix("b\"") || expected.hasPrefix("'")) {
            var i = 0
            while i < min(ea.count, aa.count), ea[i] == aa[i] { i += 1 }
            column = i
        }
        return Mismatch(expected: expected, actual: a, markerColumn: column, message: message)
    }
}

extension Value {
    /// `_` shows as `_` in expectations.
    var patternDescription: String {
        switch self {
        case .string("\u{0}_"): return "_"
        case .tuple(let items): return "(" + items.map(\.patternDescription).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.patternDescription).joined(separator: ", ") + "]"
        default: return description
        }
    }
}

extension Session {
    /// The verdict for an outcome the caller put together (the grader joins reads that arrived in pieces).
    public func verdict(for outcome: Outcome, expected: Expectation?) -> Verdict {
        Expectations.verdict(for: outcome, expected: expected, session: self)
    }

    /// Evaluates an expected value: like an argument, but `_` is a wildcard and state names are text.
    func evaluatePattern(_ node: Node) throws -> Value {
        switch node.expr {
        case .name("_"): return .string("\u{0}_")
        case .name(let n) where TCPState(name: n) != nil || Checker.otherStates.contains(n):
            return .string(TCPState(name: n)?.name ?? n)
        case .tuple(let items): return .tuple(try items.map(evaluatePattern))
        case .list(let items): return .list(try items.map(evaluatePattern))
        default: return try evaluate(node)
        }
    }
}

extension Node {
    /// The expression as a step would write it, for "expected:" lines.
    var sourceText: String {
        switch expr {
        case .int(let v): return String(v)
        case .float(let d): return String(d)
        case .string(let s): return Value.pythonRepr(string: s)
        case .bytes(let b): return Value.pythonRepr(bytes: b)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .name(let n): return n
        case .attribute(let base, let attr): return base.sourceText + "." + attr
        case .call(let callee, let args): return callee.sourceText + "(" + args.map(\.sourceText).joined(separator: ", ") + ")"
        case .tuple(let items): return "(" + items.map(\.sourceText).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.sourceText).joined(separator: ", ") + "]"
        case .binary(let op, let a, let b): return a.sourceText + " " + op.rawValue + " " + b.sourceText
        case .negate(let a): return "-" + a.sourceText
        }
    }
}

import Explain
import Runner
import ScenarioFormat
import Sockets

/// Predict mode of `sockstep learn`: before a step with an expectation runs, the expectation is
/// hidden and the learner says what the call will do, from a short menu built from the step
/// (returns · blocks · times out · two errors the call can raise) or in their own words. The run
/// then decides, from what really happened (not from the file's expectation).
struct Prediction: Equatable {
    /// What a learner can predict a call does.
    enum Guess: Equatable {
        /// Returns at once; with the value when the learner typed one.
        case returns(String?)
        /// `b""`: the peer closed.
        case endOfStream
        case blocks
        case timeout
        /// An errno (`ECONNREFUSED`) or a Python exception (`ConnectionRefusedError`, `OverflowError`).
        case error(String)
    }

    struct Choice: Equatable {
        var guess: Guess
        var label: String
    }

    /// How the question is asked: a menu of what a call can do, a menu of TCP states, or the value
    /// in the learner's words (an attribute such as `server.pending`, or a call that can only
    /// return: only its value is worth guessing).
    enum Mode: Equatable { case kinds, states, value }

    /// The step as the learner sees it: without `-> expectation`.
    let hiddenSource: String
    /// What the file wrote after `->`.
    let expectationText: String
    let mode: Mode
    let choices: [Choice]

    /// Calls that can wait, so "blocks" and "times out" are both fair guesses.
    static let waiting: Set<String> = ["recv", "recvfrom", "recv_into", "recvmsg", "accept", "connect", "send", "sendall", "sendto", "select", "makefile"]
    static let reading: Set<String> = ["recv", "recvfrom", "recv_into", "recvmsg", "read"]
    /// The order the state menu lists states in: the life of a connection.
    static let states = ["CLOSED", "LISTEN", "SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT"]

    /// Nil when the step has no expectation: there is nothing to predict.
    init?(step: Step) {
        guard let expectation = step.expectation else { return nil }
        (hiddenSource, expectationText) = Prediction.split(step)
        let isCall: Bool
        if case .call = step.call.expr { isCall = true } else { isCall = false }
        let call = step.call.methodCall?.method ?? step.call.functionCall?.name ?? ""
        var isValue = false
        if case .value = expectation { isValue = true }
        if isValue, let at = Prediction.states.firstIndex(of: expectationText) {
            // The expected state with its neighbours in a connection's life: four to choose from.
            let low = max(0, min(at - 1, Prediction.states.count - 4))
            mode = .states
            choices = Prediction.states[low..<(low + 4)].map { Choice(guess: .returns($0), label: $0) }
            return
        }
        if !isCall || isValue && !Prediction.waiting.contains(call) {
            mode = .value
            choices = []
            return
        }
        mode = .kinds
        var choices: [Choice] = []
        if case .eof = expectation {
            choices.append(Choice(guess: .returns(nil), label: "returns the bytes that arrived"))
            choices.append(Choice(guess: .endOfStream, label: "returns b\"\": the other side closed"))
        } else if Prediction.reading.contains(call) {
            choices.append(Choice(guess: .returns(nil), label: "returns the bytes that arrived"))
            choices.append(Choice(guess: .endOfStream, label: "returns b\"\": the other side closed"))
        } else {
            choices.append(Choice(guess: .returns(nil), label: "returns at once (succeeds)"))
        }
        choices.append(Choice(guess: .blocks, label: "blocks: waits for something to happen"))
        if Prediction.waiting.contains(call) || expectation == .timeout {
            choices.append(Choice(guess: .timeout, label: "times out (socket.timeout)"))
        }
        // Two errors, in name order so the right one is not always first: the expected one (if
        // any) and others the catalog knows this call for.
        var errors: [String] = []
        switch expectation {
        case .error(let name, let errnos, _): errors.append(errnos.first.flatMap { $0 == "*" ? nil : $0 } ?? name)
        case .pythonError(let name, _): errors.append(name)
        default: break
        }
        let known = ErrnoCatalog.entries.filter { $0.byCall[call] != nil && $0.name != "EAGAIN" && $0.name != "EINPROGRESS" }.map(\.name)
        for name in known where errors.count < 2 && !errors.contains(name) { errors.append(name) }
        for name in ["EBADF", "EINVAL"] where errors.count < 2 && !errors.contains(name) { errors.append(name) }
        for name in errors.sorted() {
            let python = ErrnoCatalog.entry(name)?.python ?? name
            let label = python == name ? "raises \(name)" : "raises \(python) (\(name))"
            choices.append(Choice(guess: .error(name), label: label))
        }
        self.choices = choices
    }

    /// The step's text before and after its `->`.
    static func split(_ step: Step) -> (String, String) {
        let s = step.source
        if let loc = step.expectationLocation, loc.line == step.location.line {
            let offset = loc.column - step.location.column
            if offset > 0, offset <= s.count {
                let before = String(s.prefix(offset)).trimmingTrailingSpaces
                if before.hasSuffix("->") {
                    return (String(before.dropLast(2)).trimmingTrailingSpaces, String(s.dropFirst(offset)).trimmingTrailingSpaces)
                }
            }
        }
        if let r = s.ranges(of: " -> ").last {
            return (String(s[..<r.lowerBound]).trimmingTrailingSpaces, String(s[r.upperBound...]))
        }
        return (s, "")
    }

    /// Reads what the learner typed: a choice's number, or their own words, leniently.
    /// Nil for an empty answer (the learner chose not to guess) or a number out of range.
    func parse(_ typed: String) -> Guess? {
        let t = String(typed.drop { $0 == " " || $0 == "\t" }).trimmingTrailingSpaces
        if t.isEmpty { return nil }
        if mode != .value, let n = Int(t) { return n >= 1 && n <= choices.count ? choices[n - 1].guess : nil }
        let lower = t.lowercased()
        let words = String(lower.hasPrefix("->") ? lower.dropFirst(2).drop { $0 == " " } : Substring(lower))
        switch words {
        case "block", "blocks", "it blocks", "wait", "waits", "hang", "hangs": return .blocks
        case "timeout", "times out", "time out", "timeouterror", "socket.timeout", "timed out": return .timeout
        case "eof", "b''", "b\"\"", "''", "\"\"", "empty", "end of stream", "nothing to read": return .endOfStream
        case "ok", "succeeds", "success", "works", "returns", "none", "nothing": return .returns(nil)
        default: break
        }
        if let e = Errno(name: t.uppercased()) { return .error(e.name) }
        if let name = PythonExceptions.errnos.keys.first(where: { $0.lowercased() == words }) { return .error(name) }
        if ["overflowerror", "typeerror", "valueerror", "oserror", "gaierror", "socket.gaierror"].contains(words) {
            return .error(words == "oserror" ? "OSError" : String(t.drop { $0 == " " }))
        }
        return .returns(t)
    }

    /// What the call really did, as a guess would say it; nil for outcomes nobody predicts
    /// (a refused address, a step not run).
    func actual(_ e: Event) -> Guess? {
        switch e.outcome {
        case .value(.bytes(let b)) where b.isEmpty && Prediction.reading.contains(e.call): return .endOfStream
        case .value(let v): return .returns(v.description)
        case .error(let errno): return .error(errno.name)
        case .blocked: return .blocks
        case .timedOut: return .timeout
        case .pythonError(let name, _): return .error(name)
        case .refused, .notRun: return nil
        }
    }

    /// True when the guess says what happened; a typed value must equal the value returned (or
    /// what the file expected, when the step did what the file expected).
    func isRight(_ guess: Guess, _ e: Event) -> Bool {
        guard let actual = actual(e) else { return false }
        return matches(guess, actual, expectationHeld: e.verdict.isSuccess)
    }

    /// The comparison itself, pure: `expectationHeld` lets a typed value match what the file wrote
    /// (`client.address`, `("127.0.0.1", _)`) when the step did what the file expected.
    func matches(_ guess: Guess, _ actual: Guess, expectationHeld: Bool) -> Bool {
        switch (guess, actual) {
        case (.returns(nil), .returns): return true
        case (.returns(let typed?), .returns(let value?)):
            let t = Prediction.normalized(typed)
            return t == Prediction.normalized(value) || expectationHeld && t == Prediction.normalized(expectationText)
        case (.endOfStream, .returns(let value?)): return Prediction.normalized(value) == "b''"
        case (.endOfStream, .endOfStream), (.blocks, .blocks), (.timeout, .timeout): return true
        case (.error(let g), .error(let a)):
            if g.uppercased() == a.uppercased() { return true }
            if let errnos = PythonExceptions.errnos[g] { return errnos.contains(a) || errnos == ["*"] && Errno(name: a) != nil }
            return false
        default: return false
        }
    }

    /// How a guess reads in a sentence: "it blocks", "it raises ConnectionRefusedError (ECONNREFUSED)".
    func describe(_ g: Guess) -> String {
        switch g {
        case .returns(nil): return "it returns at once"
        case .returns(let v?): return "it returns \(v)"
        case .endOfStream: return "it returns b\"\" (the other side closed)"
        case .blocks: return "it blocks"
        case .timeout: return "it times out"
        case .error(let name):
            let python = ErrnoCatalog.entry(name)?.python ?? name
            return python == name ? "it raises \(name)" : "it raises \(python) (\(name))"
        }
    }

    /// Lenient comparison of values: case, spaces and the kind of quotes do not matter.
    static func normalized(_ s: String) -> String {
        var t = String(s.lowercased().filter { $0 != " " }.map { $0 == "\"" ? "'" : $0 })
        // 'LISTEN' and LISTEN, '127.0.0.1' and 127.0.0.1 in a tuple: quotes around a plain word do not matter.
        if t.count >= 2, t.first == "'", t.last == "'", !t.dropFirst().dropLast().contains("'") { t = String(t.dropFirst().dropLast()) }
        return t
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

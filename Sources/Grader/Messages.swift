import FoundationEssentials
import Runner
import ScenarioFormat
import Sockets

/// Every sentence the grader says to a student: what happened, then what to do.
enum Messages {
    static func seconds(_ s: Double) -> String {
        if s < 1 { return "\(Int((s * 1000).rounded())) ms" }
        let r = (s * 10).rounded() / 10
        return r == r.rounded() ? "\(Int(r)) s" : "\(r) s"
    }
    static func milliseconds(_ s: Double) -> String { "\(Int((s * 1000).rounded())) ms" }

    static func isPython(_ command: [String]) -> Bool {
        command.contains { Path.lastComponent($0).hasPrefix("python") || $0.hasSuffix(".py") }
    }

    // MARK: the program as a whole

    static func launch(_ problem: LaunchProblem, command: [String]) -> Feedback {
        switch problem {
        case .emptyCommand:
            return Feedback("No program was given to grade.", help: "put the command after `--`: sockstep grade EXERCISE -- python3 server.py")
        case .notFound(let name, let suggestion):
            if name.contains("/") {
                return Feedback("The program `\(name)` does not exist.", help: "check the path; to run a script with its interpreter, write `-- python3 \(name)`")
            }
            return Feedback("`\(name)` is not a command this machine knows: it is not on PATH.",
                            help: suggestion.map { "did you mean `\($0)`?" } ?? "check the spelling, or give the program's full path")
        case .notExecutable(let name):
            return Feedback("`\(name)` cannot be run: it is not an executable program.",
                            help: "run a script with its interpreter (`-- python3 \(name)`), or make it executable with `chmod +x \(name)`")
        case .badDirectory(let dir):
            return Feedback("The directory `\(dir)` to run the program in does not exist.", help: "check the submission's folder")
        case .other(let name, let e):
            return Feedback("`\(name)` could not be started: \(e.name) (\(e.message)).", help: "check the command after `--`")
        }
    }

    static func stderrTail(_ out: CapturedOutput, lines: Int = 8) -> String? {
        let t = out.tail(lines: lines)
        return t.isEmpty ? nil : t
    }

    /// The last line of stderr that says what went wrong ("SyntaxError: invalid syntax").
    static func lastErrorLine(_ out: CapturedOutput) -> String? {
        out.tail(lines: 1).trimmingWhitespace.nilIfEmpty
    }

    static func exitedBeforeListening(_ status: ExitStatus, stderr: CapturedOutput, port: UInt16) -> Feedback {
        let last = lastErrorLine(stderr)
        var message = "Your program exited with \(status) before it listened on port \(port)"
        message += last.map { ": \($0)" } ?? "."
        let help: String
        if last?.contains("Address already in use") == true {
            help = "the port was taken: use the port in the PORT environment variable, not a fixed one"
        } else if last == nil {
            help = "a server must keep running: create the socket, bind, listen, then accept clients in a loop"
        } else {
            help = "run the program yourself to see the whole error, fix it, and grade again"
        }
        return Feedback(message, detail: stderrTail(stderr), help: help)
    }

    static func portAdvice(_ command: [String], udp: Bool) -> String {
        let python = isPython(command)
        let read = python ? "`port = int(os.environ[\"PORT\"])`" : "the PORT environment variable"
        return "read the port from \(read) (or pass `{port}` on the command line) and \(udp ? "bind" : "listen") on 127.0.0.1"
    }

    static func listensElsewhere(_ addresses: [SocketAddress], port: UInt16, udp: Bool, command: [String]) -> Feedback {
        let what = udp ? "is bound to" : "listens on"
        let samePort = addresses.filter { $0.port == port }
        if !samePort.isEmpty, samePort.count == addresses.count {
            let at = samePort.map(\.description).joined(separator: " and ")
            return Feedback("Your program \(what) the right port, but only at \(at), which connections to 127.0.0.1 cannot reach.",
                            help: "bind to (\"127.0.0.1\", port), or to (\"\", port) for every address")
        }
        let ports = Array(Set(addresses.compactMap(\.port))).sorted().map(String.init)
        let list = ports.count == 1 ? "port \(ports[0])" : "ports \(ports.joined(separator: ", "))"
        return Feedback("Your program \(what) \(list), but the grader gave it port \(port).",
                        detail: "a fixed port (like a tutorial's 12345) collides when several programs run at once; the grader hands every program its own free port",
                        help: portAdvice(command, udp: udp))
    }

    static func neverListened(seconds s: Double, port: UInt16, udp: Bool, program: RunningProgram, command: [String]) -> Feedback {
        let still = program.exitStatus == nil ? "it was still running" : "it exited with \(program.exitStatus!)"
        return Feedback("Your program did not \(udp ? "bind a socket to" : "listen on") port \(port) within \(seconds(s)); \(still), so it is probably stuck before `\(udp ? "bind" : "listen")`.",
                        detail: stderrTail(program.stderr),
                        help: "check that it calls \(udp ? "bind()" : "bind() and listen()") before anything that waits (input(), a loop, a connect), and " + portAdvice(command, udp: udp))
    }

    static func appendExit(_ feedback: Feedback?, program: RunningProgram, status: ExitStatus? = nil, client: Bool = false) -> Feedback {
        guard let status = status ?? program.exitStatus else { return feedback ?? Feedback("") }
        var f = feedback ?? Feedback("")
        let crashed: Bool = { if case .exited(0) = status { return false }; return true }()
        let last = lastErrorLine(program.stderr)
        f.message += crashed ? " Your program exited with \(status)" + (last.map { ": \($0)" } ?? ".")
                             : client ? " Your program then exited with status 0." : " Your program had exited (with status 0): it stopped serving clients."
        if crashed, let tail = stderrTail(program.stderr) { f.detail = [f.detail, tail].compactMap { $0 }.joined(separator: "\n") }
        if !crashed, !client, f.help == nil { f.help = "a server must accept clients in a loop (`while True: conn, addr = s.accept() ...`), not just once" }
        return f
    }

    // MARK: steps

    static func describe(_ outcome: Outcome) -> String {
        switch outcome {
        case .value(.none): return "ok"
        case .value(let v): return v.description
        case .error(let e): return e.name
        case .blocked: return "nothing (it waits)"
        case .timedOut(let t): return "a timeout after \(seconds(t))"
        case .pythonError(let name, let m): return "\(name): \(m)"
        case .refused(let m, _): return "refused: \(m)"
        case .notRun: return "not run"
        }
    }

    /// The expected value as the exercise wrote it: `b'HELLO\n'`, `(b"ping", program.address)`.
    static func expectationText(_ step: Step) -> String? {
        guard case .value(let node)? = step.expectation else { return nil }
        if let b = GradingRun.literalBytes(node), b.count <= 200 { return Value.pythonRepr(bytes: b) }
        if let arrow = step.source.firstRange(ofText: "->") { return step.source[arrow.upperBound...].trimmingWhitespace }
        return nil
    }

    static func stepExpectationNode(_ step: Step) -> Node? {
        if case .value(let n)? = step.expectation { return n }
        return nil
    }

    static func short(_ s: String, limit: Int = 80) -> String {
        s.count > limit ? String(s.prefix(limit - 1)) + "…" : s
    }

    static func transcriptLine(_ step: Step, _ event: Event, waited: Double) -> TranscriptLine {
        var result: String
        switch (event.call, event.outcome) {
        case ("connect", .value): result = "connected"
        case ("accept", .value): result = "accepted a connection"
        case ("sendall", .value), ("send", .value), ("sendto", .value):
            let n = step.call.methodCall.flatMap { m -> Int? in if case .bytes(let b)? = m.args.first?.expr { return b.count }; return nil }
            if case .value(.int(let sent)) = event.outcome { result = "sent \(sent) bytes" }
            else { result = n.map { "sent \($0) bytes" } ?? "sent" }
        case ("recv", .value(.bytes(let b))) where b.isEmpty: result = "got b'' (the program closed the connection)"
        case ("recv", .value(.bytes(let b))): result = "got " + (b.count > 48 ? "\(b.count) bytes: " + Value.pythonRepr(bytes: b, limit: 24) : Value.pythonRepr(bytes: b))
        case ("recv", .value(let v)), ("recvfrom", .value(let v)): result = "got " + short(v.description)
        case ("close", .value): result = "closed"
        case (_, .blocked): result = "nothing came"
        default: result = describe(event.outcome)
        }
        var line = TranscriptLine(line: step.location.line, step: step.source, passed: event.verdict.isSuccess, result: result)
        if case .failed(let m) = event.verdict {
            line.expected = m.expected
            line.actual = m.actual
            line.marker = m.markerColumn
            // The expectation as the exercise wrote it, when the runner could not print its value.
            if !(m.expected.hasPrefix("b'") || m.expected.hasPrefix("b\"") || m.expected.hasPrefix("'")),
               case .value(let node)? = step.expectation {
                if let bytes = GradingRun.literalBytes(node) {
                    line.expected = Value.pythonRepr(bytes: bytes)
                    if case .value(.bytes) = event.outcome {
                        line.marker = zip(line.expected!, m.actual).prefix { $0 == $1 }.count
                    }
                } else if let arrow = step.source.firstRange(ofText: "->") {
                    line.expected = step.source[arrow.upperBound...].trimmingWhitespace
                }
            }
        }
        // Long values are kept around the first difference: reports stay readable.
        if let e = line.expected, let a = line.actual, max(e.count, a.count) > 240 {
            let (ew, aw, m) = TextReport.window(expected: e, actual: a, marker: line.marker ?? 0, limit: 200)
            line.expected = ew
            line.actual = aw
            line.marker = m
        }
        if waited >= 0.002 { line.waitedMilliseconds = Int((waited * 1000).rounded()) }
        return line
    }

    /// What a failing step means for the student.
    static func stepFailure(_ step: Step, _ event: Event, continuation: Outcome?, limit: Double, within: Bool,
                            port: UInt16, program: RunningProgram?, exercise: Exercise) -> Feedback {
        let call = event.call
        let limitText = seconds(limit) + (within ? " (this check's time limit)" : "")
        let expectedText: String? = expectationText(step) ?? {
            if case .failed(let m) = event.verdict { return m.expected }
            return nil
        }()
        switch (call, event.outcome, step.expectation) {
        case ("recv", .value(.bytes(let got)), .value?), ("recvfrom", .value(.bytes(let got)), .value?):
            let want = expectedText ?? "?"
            if got.isEmpty { return Feedback("Your program closed the connection without sending \(want).") }
            let sent = got.count > 48 ? "only \(got.count) bytes" : Value.bytes(got).description
            let wanted = want.count > 60 ? "\(GradingRun.literalBytes(stepExpectationNode(step)!)?.count ?? 0) bytes" : want
            if let c = continuation {
                if case .value(.bytes([])) = c { return Feedback("Your program sent \(sent) and then closed the connection; expected \(wanted).") }
                if case .blocked = c { return Feedback("Your program sent \(sent) and then nothing more within \(limitText); expected \(wanted).") }
                if case .error(let e) = c {
                    return Feedback("Your program sent \(sent) and then the connection failed with \(e.name); expected \(wanted).", detail: SocketErrorText.explain(e, call: call))
                }
            }
            var f = Feedback("Your program sent \(got.count > 60 ? Value.pythonRepr(bytes: got, limit: 40) : Value.bytes(got).description); expected \(want.count > 70 ? String(want.prefix(60)) + "…" : want).")
            if case .value(let node)? = step.expectation, case .bytes(let w) = node.expr {
                if got.count > w.count, got.starts(with: w) { f.message = "Your program sent more than expected: \(w.count) bytes were expected, \(got.count) came." }
                else if String(decoding: got, as: UTF8.self).lowercased() == String(decoding: w, as: UTF8.self).lowercased() { f.message = "Your program sent the right letters, but not in the expected case." }
            }
            return f
        case (_, .value(let v), .value?) where call == "recvfrom":
            _ = v
            return Feedback("Your program's answer is not what was expected.")
        case ("recv", .blocked, .value?), ("recvfrom", .blocked, .value?):
            return Feedback("Your program sent nothing back within \(limitText); expected \(expectedText ?? "an answer").")
        case ("recv", .blocked, .eof?):
            return Feedback("Your program kept the connection open for \(limitText); it should close it here.")
        case ("recv", .value(let v), .eof?):
            return Feedback("Your program sent \(v) but it should have closed the connection here.")
        case ("recv", .value(.bytes([])), .blocks?), ("recvfrom", .value(.bytes([])), .blocks?):
            return Feedback("Your program closed the connection, but it should have kept it open and waited.")
        case ("recv", .value(let v), .blocks?), ("recvfrom", .value(let v), .blocks?):
            return Feedback("Your program sent \(v), but it should not have answered yet: it should have waited for the rest.")
        case ("accept", .blocked, _):
            return Feedback("Your program did not connect to the server at 127.0.0.1 port \(port) within \(limitText).",
                            help: "connect to the HOST and PORT from the environment (or `{host}` and `{port}` on the command line)")
        case ("connect", .error(.ECONNREFUSED), _):
            return Feedback("Nothing was listening on 127.0.0.1 port \(port) any more.", detail: SocketErrorText.explain(.ECONNREFUSED, call: "connect"))
        case (_, .error(let e), _) where e == .ECONNRESET:
            return Feedback("Your program reset the connection.", detail: SocketErrorText.explain(e, call: call))
        case ("sendall", .error(let e), _), ("send", .error(let e), _):
            return Feedback("Your program had already closed the connection when the grader sent data.", detail: SocketErrorText.explain(e, call: call))
        case ("sendall", .blocked, _), ("send", .blocked, _):
            return Feedback("Your program stopped reading: the grader could not send everything within \(limitText).",
                            help: "read what the client sends as it arrives, even while answering")
        case (_, .error(let e), _):
            return Feedback("`\(step.source)` failed with \(e.name).", detail: SocketErrorText.explain(e, call: call))
        case (_, .blocked, _):
            return Feedback("`\(step.source)` did not finish within \(limitText).")
        default:
            if case .failed(let m) = event.verdict { return Feedback("`\(step.source)`: \(m.message).") }
            return Feedback("`\(step.source)` gave \(describe(event.outcome)), which the exercise did not expect.")
        }
    }

    // MARK: client programs' output and status

    static func output(_ check: Check, program: RunningProgram, stillRunning: Bool, waited: Double) -> Feedback? {
        if let want = check.stdout {
            let printed = program.stdout.text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingTrailingWhitespace }
            var at = 0
            for (i, w) in want.map({ $0.trimmingTrailingWhitespace }).enumerated() where !w.isEmpty {
                guard let found = printed[at...].firstIndex(of: w) else {
                    let shown = program.stdout.text.isEmpty ? "Your program printed nothing." : "Your program printed:\n" + program.stdout.tail(lines: 10).indented
                    var f = Feedback("Your program did not print \(Value.pythonRepr(string: w))" + (i > 0 ? " (after the lines before it)." : "."),
                                     detail: shown + "\nexpected, in order:\n" + want.joined(separator: "\n").indented)
                    if program.stdout.wasCut { f.detail! += "\n(only the first \(program.stdout.limit) bytes of the output were kept)" }
                    if stillRunning { f.help = "your program was still running after \(seconds(waited)); make it exit when it is done" }
                    return f
                }
                at = found + 1
            }
        }
        if let want = check.exitStatus {
            if stillRunning {
                return Feedback("Your program was still running \(seconds(waited)) after the last step, so it had no exit status; expected it to exit with status \(want).",
                                help: "a client should exit when it is done: close the socket and return from main")
            }
            switch program.exitStatus {
            case .exited(want)?: break
            case let s?:
                return Feedback("Your program exited with \(s); expected status \(want).", detail: stderrTail(program.stderr))
            case nil:
                return Feedback("Your program's exit status is unknown; expected status \(want).")
            }
        }
        return nil
    }
}

extension Substring {
    var trimmingTrailingWhitespace: String {
        var s = self
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    var trimmingTrailingWhitespace: String { self[...].trimmingTrailingWhitespace }
    var nilIfEmpty: String? { isEmpty ? nil : self }
    var indented: String { split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n") }
}

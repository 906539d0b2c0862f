import Explain
import Runner
import ScenarioFormat

/// One JSON object per line: `diagnostic`, `step` and `summary` events (documented in README.md).
public enum JSONLinesRenderer {
    public static func diagnostic(_ d: Diagnostic, path: String) -> String {
        JSON.object([
            ("type", .string("diagnostic")), ("file", .string(path)), ("line", .int(d.location.line)),
            ("column", .int(d.location.column)), ("severity", .string(d.severity.rawValue)),
            ("message", .string(d.message)), ("help", d.help.json),
        ]).text
    }

    public static func verdictName(_ v: Verdict) -> String {
        switch v {
        case .passed: return "passed"
        case .expectedError: return "expected-error"
        case .failed: return "failed"
        case .unexpected: return "unexpected-error"
        case .skipped: return "skipped"
        }
    }

    public static func outcome(_ o: Outcome) -> JSON {
        switch o {
        case .value(let v): return .object([("kind", .string("value")), ("value", .string(v.description))])
        case .error(let e): return .object([("kind", .string("error")), ("errno", .string(e.name)), ("message", .string(e.message))])
        case .blocked(let r): return .object([("kind", .string("blocks")), ("reason", .string(r))])
        case .timedOut(let s): return .object([("kind", .string("timeout")), ("seconds", .double(s))])
        case .pythonError(let n, let m): return .object([("kind", .string("python-exception")), ("exception", .string(n)), ("message", .string(m))])
        case .refused(let m, let h): return .object([("kind", .string("refused")), ("message", .string(m)), ("help", .string(h))])
        case .notRun: return .object([("kind", .string("not-run"))])
        }
    }

    public static func socket(_ s: SocketSnapshot) -> JSON {
        .object([
            ("name", .string(s.name)), ("fd", s.fd.map { JSON.int(Int($0)) } ?? .null), ("family", .string(s.family)),
            ("type", .string(s.type)), ("local", s.local.json), ("peer", s.peer.json), ("state", s.state.json),
            ("readable", s.readable.json), ("unacked", s.unacked.json), ("pending", s.pending.json),
            ("backlog", s.backlog.json), ("parent", s.parent.json), ("mode", .string(s.mode)), ("closed", .bool(s.closed)),
        ])
    }

    public static func step(_ e: Event, path: String) -> String {
        let x = Explainer.explain(e)
        var fields: [(String, JSON)] = [
            ("type", .string("step")), ("file", .string(path)), ("index", .int(e.index)),
            ("line", .int(e.step.location.line)), ("source", .string(e.step.source)), ("call", .string(e.call)),
            ("socket", e.receiver.json), ("verdict", .string(verdictName(e.verdict))), ("outcome", outcome(e.outcome)),
        ]
        if case .failed(let m) = e.verdict {
            fields.append(("mismatch", .object([("expected", .string(m.expected)), ("actual", .string(m.actual)),
                                                ("first_difference", m.markerColumn.json), ("message", .string(m.message))])))
        }
        fields += [
            ("syscalls", .array(e.syscalls.map(JSON.string))),
            ("explanation", .object([
                ("summary", .string(x.summary)), ("details", .array(x.details.map(JSON.string))), ("fix", x.fix.json),
                ("python_exception", x.pythonException.json), ("man", .array(x.manPages.map(JSON.string))),
                ("python", .string(x.python)), ("c", x.c.json), ("state_changes", .array(x.stateChanges.map(JSON.string))),
                ("cause", x.cause.map { c in JSON.object([("text", .string(c.text)), ("line", c.line.json), ("index", c.index.json), ("step", c.step.json)]) } ?? .null),
            ])),
            ("sockets", .array(e.sockets.map(socket))),
            ("duration_ms", .double((e.duration * 1_000_000).rounded() / 1000)),
        ]
        if let packets = e.packets { fields.append(("packets", .array(packets.map(PacketRendering.json)))) }
        return JSON.object(fields).text
    }

    public static func summary(_ r: RunResult) -> String {
        let passed = r.events.filter { $0.verdict.isSuccess }.count
        let skipped = r.events.filter { $0.verdict == .skipped }.count
        return JSON.object([
            ("type", .string("summary")), ("file", .string(r.document.path)), ("title", .string(r.document.title)),
            ("steps", .int(r.events.count)), ("passed", .int(passed)), ("failed", .int(r.events.count - passed - skipped)),
            ("skipped", .int(skipped)), ("ok", .bool(r.passed)), ("duration_ms", .double((r.duration * 1_000_000).rounded() / 1000)),
        ]).text
    }
}

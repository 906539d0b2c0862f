import ScenarioFormat

/// The baseline: the same socket calls, in the same order, as a plain Python program — no checks,
/// no explanations, no kernel view. The benchmark uses `sockstep export --lang python` when it can,
/// and this program where the export is unavailable (an older binary, a step the exporter refuses).
///
/// Each step becomes the Python statement it is written as (`conn.recv(1024)`); `name.address`
/// becomes `name.getsockname()`; an expected error is caught; `-> blocks` is tried once without
/// waiting (as sockstep proves it); `conn.state` reads TCP_INFO, one `getsockopt` like sockstep's.
/// The program times its own steps and prints one line: `BASELINE <total ns> <waited ns> 0`,
/// where "waited" is the time spent in steps that expect `timeout` (a deliberate wait).
enum PythonBaseline {
    static func program(for document: Document) -> String {
        var out = """
        import os, sys, tempfile, time, fcntl, termios, struct, shutil
        import select as _select_module
        from socket import *
        _pc = time.perf_counter_ns
        _dir = tempfile.mkdtemp(prefix="sockstep-baseline-")
        os.chdir(_dir)
        def _state(s):
            try:
                return s.getsockopt(IPPROTO_TCP, TCP_INFO, 8)[0]
            except OSError:
                return None
        def _readable(s):
            try:
                return fcntl.ioctl(s, termios.FIONREAD, b"\\0\\0\\0\\0")
            except OSError:
                return None
        def select(r, w, x, t=None):
            return _select_module.select(r, w, x, t)
        _waited = 0
        _start = _pc()

        """
        for step in document.steps {
            out += statement(for: step)
        }
        out += """

        _total = _pc() - _start
        os.chdir("/")
        shutil.rmtree(_dir, ignore_errors=True)
        print("BASELINE", _total, _waited, 0)

        """
        return out
    }

    static func statement(for step: Step) -> String {
        var call = expression(step.call)
        if case .name = step.call.expr { call = "None" } // `data -> b"x"` only checks a value
        let assign = step.targets.isEmpty ? "" : step.targets.joined(separator: ", ") + " = "
        var body = assign + call
        if step.targets.count > 1 {
            // A failing call leaves the names defined, as later steps may still read them.
            body = "_r = \(call)\n    \(step.targets.joined(separator: ", ")) = _r"
        }
        switch step.expectation {
        case .blocks?:
            if let m = step.call.methodCall {
                return """
                _t = \(m.receiver).gettimeout(); \(m.receiver).setblocking(False)
                try:
                    \(body)
                except OSError:
                    pass
                \(m.receiver).settimeout(_t)

                """
            }
            return "try:\n    \(body)\nexcept OSError:\n    pass\n"
        case .timeout?:
            return """
            _w = _pc()
            try:
                \(body)
            except OSError:
                pass
            _waited += _pc() - _w

            """
        default:
            return "try:\n    \(body)\nexcept Exception:\n    pass\n"
        }
    }

    static func expression(_ node: Node) -> String {
        switch node.expr {
        case .int(let v): return String(v)
        case .float(let v): return String(v)
        case .string(let s): return pythonString(s)
        case .bytes(let b): return "b" + pythonBytes(b)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .name(let n): return n
        case .attribute(let base, let attr):
            let b = expression(base)
            if case .name("socket") = base.expr { return attr }
            switch attr {
            case "address": return "\(b).getsockname()"
            case "peer": return "\(b).getpeername()"
            case "state": return "_state(\(b))"
            case "readable": return "_readable(\(b))"
            case "family", "type": return "\(b).\(attr)"
            case "closed": return "(\(b).fileno() == -1)"
            default: return "None"
            }
        case .call(let callee, let args):
            if case .attribute(let base, let method) = callee.expr {
                return expression(base) + "." + method + "(" + args.map(expression).joined(separator: ", ") + ")"
            }
            return expression(callee) + "(" + args.map(expression).joined(separator: ", ") + ")"
        case .tuple(let items):
            return "(" + items.map(expression).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items):
            return "[" + items.map(expression).joined(separator: ", ") + "]"
        case .binary(let op, let a, let b):
            return "(" + expression(a) + " " + op.rawValue + " " + expression(b) + ")"
        case .negate(let a):
            return "(-" + expression(a) + ")"
        }
    }

    static func pythonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20 || u.value == 0x7F: out += "\\x" + hex(UInt8(u.value))
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func pythonBytes(_ bytes: [UInt8]) -> String {
        var out = "\""
        for b in bytes {
            switch b {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "\\x" + hex(b)
            }
        }
        return out + "\""
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }
}

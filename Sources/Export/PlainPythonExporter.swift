import ScenarioFormat

/// A lesson as the Python program a beginner would write (`sockstep export --lang python --plain`):
/// `import socket`, the calls in order, and the lesson's expectations as comments and prints.
/// No harness: an error the lesson expects is caught where it happens (`try`/`except`), a call that
/// would block is tried once without waiting (non-blocking, `except BlockingIOError`), so the
/// program never hangs and the rest of it goes on exactly as the lesson does, and what only the
/// kernel knows (`conn.state`, `conn.readable`) stays a comment.
struct PlainPythonExporter {
    let document: Document
    private let python: PythonExporter
    init(_ document: Document) {
        self.document = document
        python = PythonExporter(document)
    }

    func program() throws -> String {
        let shapes = try document.steps.enumerated().map { try StepShape($0.element, number: $0.offset + 1) }
        var body: [String] = []
        var timeouts: [String: String] = [:]     // a socket's last settimeout/setblocking, to restore after a `blocks` attempt
        var heading: String?                     // shown only above steps
        for block in document.blocks {
            switch block {
            case .heading(let text, _, _):
                heading = text
            case .prose:
                continue
            case .steps(let steps, _):
                for step in steps {
                    guard let shape = shapes.first(where: { $0.step.location == step.location }) else { continue }
                    if let h = heading { body += ["", "# " + h]; heading = nil }
                    body += try code(shape, timeouts: &timeouts)
                }
            }
        }
        let text = body.joined(separator: "\n")
        var out = ["#!/usr/bin/env python3", "# \(document.title): the lesson as a plain Python program.",
                   "# Made by `sockstep export --lang python --plain \(document.path)`.", ""]
        let unix = usesUnixPaths(shapes)
        var modules = ["socket"]
        if text.contains("select.") { modules.append("select") }
        if text.contains("struct.") { modules.append("struct") }
        if unix { modules += ["os", "tempfile"] }
        out += modules.sorted().map { "import " + $0 }
        if unix {
            out += ["", "# Unix-domain sockets are files: make them in a fresh folder, removed at exit.",
                    "folder = tempfile.TemporaryDirectory()", "os.chdir(folder.name)"]
        }
        if text.contains("recvall(") {
            out += ["", "", "def recvall(sock, n, flags=0):", "    \"\"\"recv() until n bytes have arrived or the peer closed: the loop every program writes.\"\"\"",
                    "    data = b\"\"", "    while len(data) < n:", "        chunk = sock.recv(n - len(data), flags)", "        if not chunk:", "            break",
                    "        data += chunk", "    return data", ""]
        }
        return (out + body).joined(separator: "\n") + "\n"
    }

    func usesUnixPaths(_ shapes: [StepShape]) -> Bool {
        shapes.contains { s in
            guard let i = s.addressArgument, let args = s.arguments, i < args.count else { return false }
            if case .string = args[i].expr { return true }
            return false
        }
    }

    func code(_ s: StepShape, timeouts: inout [String: String]) throws -> [String] {
        let note = s.step.comment.map { "; " + $0 } ?? ""
        if case .attribute(_, let attr) = s.kind, !["address", "peer", "family", "type", "closed"].contains(attr) {
            // Only the kernel knows: sockstep reads it, a Python program cannot without more work.
            return ["# \(s.step.source)  (\(Vocabulary.attributes[attr] ?? "the kernel's view")\(note))"]
        }
        let call = try expression(s)
        let targets = s.step.targets.isEmpty ? "" : s.step.targets.joined(separator: ", ") + " = "
        if case .method(let r, "settimeout", let args) = s.kind, let a = args.first { timeouts[r] = "\(r).settimeout(\(try python.expr(a)))" }
        if case .method(let r, "setblocking", let args) = s.kind, let a = args.first { timeouts[r] = "\(r).setblocking(\(try python.expr(a)))" }
        var before: [String] = []
        if s.callName == "sendto", multicast, case .method(let r, _, _) = s.kind {
            before = ["\(r).setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(\"127.0.0.1\"))  # multicast by loopback only",
                      "\(r).setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)  # and never past this machine"]
        }
        switch s.step.expectation {
        case nil, .ok?:
            return before + [targets + call + (s.step.comment.map { "  # " + $0 } ?? "")]
        case .value(let n)?:
            let expected = (try? python.expr(n, pattern: true)) ?? python.describe(.value(n))
            if targets.isEmpty { return before + ["print(\(call))  # \(expected)" + note] }
            return before + [targets + call, "print(\(s.step.targets.joined(separator: ", ")))  # \(expected)" + note]
        case .eof?:
            if targets.isEmpty { return before + ["print(\(call))  # b'': end of stream" + note] }
            return before + [targets + call, "print(\(s.step.targets[0]))  # b'': end of stream" + note]
        case .blocks?:
            if s.callName == "select" { return before + ["print(\(call))  # nothing ready: select would wait" + note] }
            guard case .method(let r, _, _) = s.kind else { return ["# \(s.step.source): would block" + note] }
            // Tried once without waiting, so the program goes on; a blocking call would wait here.
            return before + ["\(r).setblocking(False)  # would it wait? try once without waiting" + note, "try:", "    " + targets + call,
                             "except BlockingIOError:", "    print(\(pyString(call + " would block")))",
                             timeouts[r] ?? "\(r).setblocking(True)"]
        case .timeout?:
            return before + ["try:", "    " + targets + call, "except socket.timeout:", "    print(\(pyString(call + " timed out")))" + (s.step.comment.map { "  # " + $0 } ?? "")]
        case .error(let name, let errnos, _)?:
            let exception = PythonExceptions.errnos[name] != nil ? name : errnos.first.map(PythonExceptions.exception(for:)) ?? "OSError"
            return before + ["try:", "    " + targets + call, "except \(exception.hasPrefix("gaierror") ? "socket." + exception : exception) as \(errorName):",
                             "    print(\(pyString(exception + ":")), \(errorName))  # \(name)" + note]
        case .pythonError(let name, _)?:
            return before + ["try:", "    " + targets + call, "except \(name) as \(errorName):", "    print(\(pyString(name + ":")), \(errorName))  # \(name)" + note]
        }
    }

    /// The name an `except` clause gives the error: one the lesson does not use (Python deletes it after the clause).
    var errorName: String {
        let used = Set(document.steps.flatMap(\.targets))
        return ["err", "error", "problem", "oops"].first { !used.contains($0) } ?? "err_"
    }

    var multicast: Bool { document.steps.contains { $0.source.contains("MULTICAST") || $0.source.contains("MEMBERSHIP") || $0.source.contains("\"22") || $0.source.contains("\"23") } }

    /// The step's call in plain Python.
    func expression(_ s: StepShape) throws -> String {
        switch s.kind {
        case .method(let r, let name, let args):
            var a = try args.map { try python.expr($0) }
            if name == "recvall" { return "recvall(\(([r] + a).joined(separator: ", ")))" }
            if name == "setsockopt", args.count == 3 { a[2] = try optionValue(args[1], args[2], a[2]) }
            if name == "getsockopt", case .name(let o)? = args.dropFirst().first?.expr {
                if o == "SO_LINGER" { return "struct.unpack(\"ii\", \(r).getsockopt(\(a[0]), \(a[1]), 8))" }
                if o == "SO_RCVTIMEO" || o == "SO_SNDTIMEO" { return "struct.unpack(\"ll\", \(r).getsockopt(\(a[0]), \(a[1]), 16))" }
            }
            return "\(r).\(name)(\(a.joined(separator: ", ")))"
        case .function(let name, let args):
            let a = try args.map { try python.expr($0) }
            var module = "socket"
            if case .function(let m)? = s.definition?.python { module = m }
            if name == "select", s.step.expectation == .blocks { return "select.select(\((a.prefix(3) + ["0"]).joined(separator: ", ")))" }
            return "\(module).\(name)(\(a.joined(separator: ", ")))"
        case .attribute(let r, let name):
            return try python.attribute(r, name)
        case .name(let n):
            return n
        case .value(let n):
            return try python.expr(n)
        }
    }

    /// setsockopt's value as Python takes it: packed structs for SO_LINGER, the timeouts and multicast.
    func optionValue(_ option: Node, _ value: Node, _ written: String) throws -> String {
        guard case .name(let o) = option.expr else { return written }
        switch (o, value.expr) {
        case ("SO_LINGER", .tuple(let items)) where items.count == 2:
            return "struct.pack(\"ii\", \(try python.expr(items[0])), \(try python.expr(items[1])))"
        case ("SO_RCVTIMEO", .tuple(let items)) where items.count == 2, ("SO_SNDTIMEO", .tuple(let items)) where items.count == 2:
            return "struct.pack(\"ll\", \(try python.expr(items[0])), \(try python.expr(items[1])))"
        case ("SO_RCVTIMEO", _), ("SO_SNDTIMEO", _):
            return "struct.pack(\"ll\", int(\(written)), int(\(written) % 1 * 1000000))"
        case ("IP_ADD_MEMBERSHIP", .tuple(let items)) where items.count == 2, ("IP_DROP_MEMBERSHIP", .tuple(let items)) where items.count == 2:
            return "socket.inet_aton(\(try python.expr(items[0]))) + socket.inet_aton(\(try python.expr(items[1])))"
        case ("IP_MULTICAST_IF", .string):
            return "socket.inet_aton(\(written))"
        default:
            return written
        }
    }
}

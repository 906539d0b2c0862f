import Runner
import ScenarioFormat

/// Which sockets belong to which column of a sequence diagram, as a file's front matter says:
///
///     actors: server=server,conn; client=client
///
/// Entries are separated by `;`. `NAME=SOCKET,SOCKET` puts those sockets in one column called NAME;
/// a bare `SOCKET` gives that socket its own column. Columns come in the order written, then the
/// run's other actors in the order they appeared. Connections a listener accepted join the
/// listener's column unless an entry names them.
public struct ActorAnnotation: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var actor: String
        public var sockets: [String]
        public init(actor: String, sockets: [String]) {
            self.actor = actor
            self.sockets = sockets
        }
    }
    public var entries: [Entry]
    /// Parts of the annotation that could not be read (the diagram ignores them).
    public var problems: [String]

    public init(entries: [Entry] = [], problems: [String] = []) {
        self.entries = entries
        self.problems = problems
    }

    public static func parse(_ text: String) -> ActorAnnotation {
        var result = ActorAnnotation()
        for raw in text.split(separator: ";") {
            let part = raw.trimmingWhitespace
            if part.isEmpty { continue }
            let actor: String
            let sockets: [String]
            if let eq = part.firstIndex(of: "=") {
                actor = part[..<eq].trimmingWhitespace
                sockets = part[part.index(after: eq)...].split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            } else {
                actor = part
                sockets = [part]
            }
            guard isName(actor), !sockets.isEmpty, sockets.allSatisfy(isName) else {
                result.problems.append("`\(part)` is not `ACTOR=SOCKET,SOCKET`")
                continue
            }
            result.entries.append(Entry(actor: actor, sockets: sockets))
        }
        return result
    }

    /// The annotation in a document's front matter (`actors:`), if any.
    public init?(document: Document) {
        guard let text = document.meta("actors") else { return nil }
        self = ActorAnnotation.parse(text)
    }

    static func isName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f == "_" || isLetter(f) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || isLetter($0) || isDigit($0) }
    }

    /// Foundation's `CharacterSet.letters`: the Unicode categories L* and M*.
    private static func isLetter(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// With `isLetter`, Foundation's `CharacterSet.alphanumerics`: the categories N*.
    private static func isDigit(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}

/// A run seen as a sequence diagram: columns (actors) and, step by step, the calls made on each
/// actor's line, the packets that went between them and the TCP states that changed. The terminal
/// (`DiagramRenderer`), SVG (`SVGDiagram`) and the text list of the HTML page all draw this model.
public struct DiagramModel: Sendable {
    public struct Actor: Sendable, Hashable {
        public var name: String
        public var sockets: [String]
        /// An address no socket of the run owns (nothing listening there): drawn dotted.
        public var outside: Bool
    }

    public enum ArrowKind: String, Sendable, Hashable {
        /// SYN, SYN-ACK, ACK.
        case handshake
        /// Bytes on a stream.
        case data
        /// One datagram.
        case datagram
        case fin
        case rst
        /// A Unix-domain connection (no packets, the kernel links the two sockets).
        case connection
        /// End of stream on a Unix-domain socket.
        case eof
    }

    public enum ResultKind: String, Sendable, Hashable { case none, value, error, blocked, notRun }

    public enum Item: Sendable, Hashable {
        /// A call on `actor`'s line: the call as written, and what it returned.
        case call(actor: Int, text: String, result: String?, kind: ResultKind)
        /// A packet (or a Unix-domain connection) from one actor to another.
        case arrow(from: Int, to: Int, label: String, detail: String?, kind: ArrowKind)
        /// A TCP state change of a socket of `actor`.
        case state(actor: Int, socket: String, state: String)
    }

    public struct Row: Sendable {
        /// The step's number in the file.
        public var index: Int
        public var line: Int
        public var source: String
        /// The step's expectation did not hold, or it failed unexpectedly.
        public var failed: Bool
        public var expected: String?
        public var items: [Item]
    }

    public var actors: [Actor]
    public var rows: [Row]
    /// Steps that were not run because an earlier one stopped the run (not drawn).
    public var notRun: [Int] = []

    /// Where the packets come from: captured on the run's loopback, or inferred from the calls.
    public enum PacketSource: String, Sendable, Hashable { case inferred, captured }
    public var packetSource: PacketSource = .inferred

    /// Why the packets are inferred, when the run tried to capture them and could not.
    public var notCapturedBecause: String?

    /// One line under the diagram: captured packets, or inferred ones when a capture was wanted
    /// (a diagram of a run that never tried, as in the golden files, says nothing).
    public var packetSourceNote: String? {
        if packetSource == .captured { return "packets as captured on the run's own loopback (--packets lists them)" }
        return notCapturedBecause.map { "packets inferred from the calls, not captured: \($0)" }
    }

    /// The model of a whole run, saying why its packets were not captured if they were not.
    public static func build(_ result: RunResult, actors: ActorAnnotation?, options: Options = Options()) -> DiagramModel {
        var model = build(events: result.events, actors: actors, options: options)
        if model.packetSource == .inferred, case .unavailable(let why)? = result.capture?.availability { model.notCapturedBecause = why }
        return model
    }

    /// "client → server: SYN": one sentence per item, for screen readers and the text table.
    public func describe(_ item: Item) -> String {
        switch item {
        case .call(let a, let text, let result, let kind):
            var s = "\(actors[a].name) calls \(text)"
            if let result {
                switch kind {
                case .error: s += ": fails with \(result)"
                case .blocked: s += ": \(result)"
                case .notRun: s = "\(actors[a].name): \(text) was not run"
                default: s += ", which returns \(result)"
                }
            }
            return s
        case .arrow(let f, let t, let label, let detail, let kind):
            let what: String
            switch kind {
            case .handshake: what = label
            case .data: what = "data \(label)" + (detail.map { " (\($0))" } ?? "")
            case .datagram: what = "datagram \(label)" + (detail.map { " (\($0))" } ?? "")
            case .fin: what = "FIN (end of its data)"
            case .rst: what = "RST (reset)"
            case .connection: what = "connection (Unix domain, no packets)"
            case .eof: what = "end of stream (Unix domain)"
            }
            return "\(actors[f].name) → \(actors[t].name): \(what)"
        case .state(let a, let socket, let state):
            return socket == actors[a].name ? "\(socket) is now \(state)" : "\(actors[a].name)'s \(socket) is now \(state)"
        }
    }
}

extension DiagramModel {
    public struct Options: Sendable {
        /// Replace each distinct port with P1, P2… in first-seen order (stable output for goldens
        /// and documentation: the kernel picks other ports every run).
        public var normalizePorts = false
        public init(normalizePorts: Bool = false) { self.normalizePorts = normalizePorts }
    }

    /// Builds the diagram of `events`. Pure: reads the events' calls, outcomes and socket snapshots.
    public static func build(events: [Event], actors annotation: ActorAnnotation? = nil, options: Options = Options()) -> DiagramModel {
        var b = Builder(annotation: annotation, options: options)
        b.assignActors(events)
        for e in events {
            if e.verdict == .skipped { b.notRun.append(e.index) } else { b.add(e) }
        }
        var model = DiagramModel(actors: b.actors, rows: b.rows, notRun: b.notRun)
        if events.contains(where: { $0.packets != nil }) { model.packetSource = .captured }
        return model
    }
}

/// Reads events one by one, remembering what it needs to know who talks to whom.
struct Builder {
    let annotation: ActorAnnotation?
    let options: DiagramModel.Options
    var actors: [DiagramModel.Actor] = []
    var actorOf: [String: Int] = [:]
    var rows: [DiagramModel.Row] = []
    var notRun: [Int] = []
    /// Sockets the annotation puts in a column, by name.
    var explicit: [String: String] = [:]
    /// The last snapshot seen of every socket (closed ones vanish from later snapshots).
    var lastKnown: [String: SocketSnapshot] = [:]
    /// Socket names in the order they appeared, so that every search is deterministic.
    var known: [String] = []
    var knownSnapshots: [SocketSnapshot] { known.compactMap { lastKnown[$0] } }
    /// The other end of each connection, by socket name.
    var links: [String: String] = [:]
    /// Connected clients a listener has not accepted yet, in order (Unix paths need this).
    var pending: [String: [String]] = [:]
    var ports: [String: String] = [:]
    var outsideByAddress: [String: Int] = [:]

    init(annotation: ActorAnnotation?, options: DiagramModel.Options) {
        self.annotation = annotation
        self.options = options
    }

    // MARK: actors

    mutating func assignActors(_ events: [Event]) {
        for entry in annotation?.entries ?? [] { for s in entry.sockets where explicit[s] == nil { explicit[s] = entry.actor } }
        // Every socket the run created, in order, with its listener.
        var seen: [String] = []
        var parent: [String: String] = [:]
        for e in events {
            for s in e.sockets where !seen.contains(s.name) {
                seen.append(s.name)
                if let p = s.parent { parent[s.name] = p }
            }
        }
        func actorName(_ s: String) -> String {
            if let a = explicit[s] { return a }
            var name = s
            var hops = 0
            while let p = parent[name], hops < 16 {
                if let a = explicit[p] { return a }
                name = p
                hops += 1
            }
            return name
        }
        var order: [String] = (annotation?.entries ?? []).map(\.actor).filter { a in seen.contains { actorName($0) == a } }
        for s in seen where !order.contains(actorName(s)) { order.append(actorName(s)) }
        var unique: [String] = []
        for a in order where !unique.contains(a) { unique.append(a) }
        actors = unique.map { DiagramModel.Actor(name: $0, sockets: [], outside: false) }
        for s in seen {
            let i = unique.firstIndex(of: actorName(s))!
            actorOf[s] = i
            actors[i].sockets.append(s)
        }
    }

    /// The column for an address nothing in the run owns (or the program under test), made on
    /// first use and found again by its address.
    mutating func outsideActor(_ name: String, address: String? = nil) -> Int {
        if let address, let i = outsideByAddress[address] { return i }
        if let i = actors.firstIndex(where: { $0.outside && $0.name == name }) {
            if let address { outsideByAddress[address] = i }
            return i
        }
        actors.append(DiagramModel.Actor(name: name, sockets: [], outside: true))
        if let address { outsideByAddress[address] = actors.count - 1 }
        return actors.count - 1
    }

    /// Socket names a call mentions (`select([conn], [], [])`).
    static func names(in node: Node) -> [String] {
        switch node.expr {
        case .name(let n): return [n]
        case .attribute(let b, _): return names(in: b)
        case .call(let f, let args): return names(in: f) + args.flatMap { names(in: $0) }
        case .tuple(let xs), .list(let xs): return xs.flatMap { names(in: $0) }
        case .binary(_, let x, let y): return names(in: x) + names(in: y)
        case .negate(let x): return names(in: x)
        default: return []
        }
    }

    mutating func actor(_ socket: String) -> Int {
        if let a = actorOf[socket] { return a }
        if let name = explicit[socket], let i = actors.firstIndex(where: { !$0.outside && $0.name == name }) {
            actorOf[socket] = i
            actors[i].sockets.append(socket)
            return i
        }
        actors.append(DiagramModel.Actor(name: socket, sockets: [socket], outside: false))
        actorOf[socket] = actors.count - 1
        return actors.count - 1
    }

    // MARK: text

    /// `127.0.0.1:41217` → `127.0.0.1:P1` when ports are normalised.
    mutating func address(_ a: String) -> String {
        guard options.normalizePorts, let colon = a.lastIndex(of: ":") else { return a }
        let port = String(a[a.index(after: colon)...])
        guard !port.isEmpty, port.allSatisfy(\.isNumber) else { return a }
        return String(a[...colon]) + portName(port)
    }

    mutating func portName(_ port: String) -> String {
        if let p = ports[port] { return p }
        let p = "P\(ports.count + 1)"
        ports[port] = p
        return p
    }

    /// A value as Python prints it, shortened, with the ports of addresses normalised.
    mutating func value(_ v: Value, limit: Int = 40) -> String {
        switch v {
        case .bytes(let b):
            let repr = Value.pythonRepr(bytes: b, limit: limit)
            return b.count > limit ? repr + " (\(b.count) bytes)" : repr
        case .tuple(let items):
            if options.normalizePorts, items.count >= 2, case .string = items[0], case .int(let p) = items[1] {
                var rest = items.map(\.description)
                rest[1] = portName(String(p))
                return "(" + rest.joined(separator: ", ") + ")"
            }
            return "(" + items.map { value($0, limit: 16) }.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        default:
            let s = v.description
            return s.count > limit ? String(s.prefix(limit)) + "…" : s
        }
    }

    /// The call as written, without the names it assigns and the receiver: `accept()`.
    static func callText(_ step: Step, receiver: String?, actorName: String) -> String {
        var s = withoutExpectation(step.source)
        if !step.targets.isEmpty, let eq = s.firstIndex(of: "="), s.firstIndex(of: "(").map({ eq < $0 }) ?? true {
            s = String(s[s.index(after: eq)...]).trimmingWhitespace
        }
        s = s.trimmingWhitespace
        if let r = receiver, r == actorName, s.hasPrefix(r + ".") { s = String(s.dropFirst(r.count + 1)) }
        return s
    }

    /// `conn.recv(1024) -> b"hi"` → `conn.recv(1024)`: the `->` (or a packets `=>`) outside quotes and brackets ends the call.
    static func withoutExpectation(_ source: String) -> String {
        var quote: Character?
        var depth = 0
        var previous: Character = " "
        var escaped = false
        for (i, ch) in source.enumerated() {
            if let q = quote {
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == q { quote = nil }
            } else if ch == "'" || ch == "\"" {
                quote = ch
            } else if ch == "(" || ch == "[" {
                depth += 1
            } else if ch == ")" || ch == "]" {
                depth -= 1
            } else if ch == ">" && (previous == "-" || previous == "=") && depth == 0 {
                return String(source.prefix(i - 1)).trimmingWhitespace
            }
            previous = ch
        }
        return source
    }

    // MARK: events

    mutating func add(_ e: Event) {
        var items: [DiagramModel.Item] = []
        let before = lastKnown
        for s in e.sockets {
            if lastKnown[s.name] == nil { known.append(s.name) }
            lastKnown[s.name] = s
        }
        let subject = e.receiver ?? e.facts["socket"] ?? e.step.targets.first { actorOf[$0] != nil }
            ?? Builder.names(in: e.step.call).first { actorOf[$0] != nil }
        let a = subject.map { actor($0) } ?? (actors.isEmpty ? nil : 0)
        var failed = false
        var expected: String?
        switch e.verdict {
        case .failed(let m): failed = true; expected = m.expected
        case .unexpected: failed = true
        default: break
        }
        if let a {
            var text = Builder.callText(e.step, receiver: e.receiver, actorName: actors[a].name)
            if e.receiver == nil, let t = e.step.targets.first, t != actors[a].name, e.step.targets.count == 1 { text = "\(t) = \(text)" }
            let (result, kind) = resultText(e)
            items.append(.call(actor: a, text: text, result: result, kind: kind))
        }
        var inferred: [DiagramModel.Item] = []
        if e.verdict != .skipped, let r = e.receiver {
            inferred += arrows(e, socket: r, before: before)
        }
        inferred += resets(e, before: before, already: items + inferred)
        if let packets = e.packets {
            // Captured: the real segments replace the inferred ones (Unix-domain links have no packets).
            items += inferred.filter { if case .arrow(_, _, _, _, let k) = $0 { return k == .connection || k == .eof }; return false }
            items += captured(packets)
        } else {
            items += inferred
        }
        for c in e.stateChanges {
            guard let snap = lastKnown[c.socket], snap.type == "SOCK_STREAM", snap.family != "AF_UNIX" else { continue }
            if c.from == nil && c.to == "CLOSED" { continue }
            // A closed socket is never listening: the kernel's view matched the listener's entry.
            if c.to == "LISTEN" && snap.closed { continue }
            items.append(.state(actor: actor(c.socket), socket: c.socket, state: c.to))
        }
        rows.append(DiagramModel.Row(index: e.index, line: e.step.location.line, source: e.step.source, failed: failed,
                                     expected: expected, items: items))
    }

    mutating func resultText(_ e: Event) -> (String?, DiagramModel.ResultKind) {
        switch e.outcome {
        case .notRun: return ("not run", .notRun)
        case .error(let err): return (err.name, .error)
        case .blocked: return ("blocks", .blocked)
        case .timedOut(let s): return ("timeout after \(Value.formatFloatPublic(s))s", .blocked)
        case .pythonError(let name, _): return (name, .error)
        case .refused: return ("refused by sockstep", .error)
        case .value(let v):
            switch (e.call, v) {
            case ("bind", .none):
                return (e.facts["address"].map { address($0) }, .value)
            case ("accept", .tuple):
                return (e.facts["new"], .value)
            case (_, .none): return (nil, .none)
            case (_, .socket): return (nil, .none)
            case ("state", .string(let s)):
                return (s, .value)   // a state name, as the lesson writes it: LISTEN, not 'LISTEN'
            case ("recv", .bytes(let b)) where b.isEmpty && lastKnown[e.receiver ?? ""]?.type == "SOCK_STREAM":
                return ("b'' (end of stream)", .value)
            case ("socketpair", .tuple(let items)):
                return (items.map(\.description).joined(separator: ", "), .value)
            case ("recvfrom", .tuple(let items)) where items.count == 2:
                let from = Builder.addressText(items[1])
                return (value(items[0]) + (from.map { " from \(address($0))" } ?? ""), .value)
            default:
                return (value(v), .value)
            }
        }
    }

    static func addressText(_ v: Value) -> String? {
        switch v {
        case .tuple(let items) where items.count >= 2:
            guard case .string(let h) = items[0], case .int(let p) = items[1] else { return nil }
            return h.contains(":") ? "[\(h)]:\(p)" : "\(h):\(p)"
        case .string(let s): return s.isEmpty ? nil : s
        default: return nil
        }
    }

    // MARK: who talks to whom

    /// The other end of `socket`'s connection: a link made at accept, else by addresses.
    func peer(of socket: String) -> String? {
        if let p = links[socket] { return p }
        guard let me = lastKnown[socket], let myPeer = me.peer, myPeer != "(unnamed)" else { return nil }
        let candidates = knownSnapshots.filter { $0.name != socket && $0.local == myPeer && $0.state != "LISTEN" && $0.state != "LISTENING" }
        if let exact = candidates.first(where: { $0.peer == me.local }) { return exact.name }
        return candidates.count == 1 ? candidates[0].name : nil
    }

    /// The socket listening at `address`.
    func listener(at address: String) -> String? {
        knownSnapshots.first { ($0.state == "LISTEN" || $0.state == "LISTENING") && !$0.closed && $0.local == address }?.name
            ?? knownSnapshots.first { ($0.state == "LISTEN" || $0.state == "LISTENING") && $0.local.map { Builder.samePort($0, address) } == true }?.name
    }

    /// `0.0.0.0:5000` listens for `127.0.0.1:5000`.
    static func samePort(_ local: String, _ address: String) -> Bool {
        guard local.hasPrefix("0.0.0.0:") || local.hasPrefix("[::]:"), let c1 = local.lastIndex(of: ":"), let c2 = address.lastIndex(of: ":") else { return false }
        return local[c1...] == address[c2...]
    }

    /// The socket bound to `address` (a datagram's destination).
    func owner(of address: String, except: String) -> String? {
        knownSnapshots.filter { $0.name != except && $0.local == address && !$0.closed }.first?.name
            ?? knownSnapshots.filter { $0.name != except && $0.local.map { Builder.samePort($0, address) } == true && !$0.closed }.first?.name
    }

    /// Where a connect or sendto went: `program.address` names the program, else the address.
    mutating func destination(_ e: Event, owner: String?) -> Int {
        if let owner { return actor(owner) }
        let raw = e.facts["address"]
        if let arg = e.step.call.methodCall?.args.last ?? e.step.call.functionCall?.args.first,
           case .attribute(let base, "address") = arg.expr, case .name(let n) = base.expr, actorOf[n] == nil {
            return outsideActor(n, address: raw)
        }
        return outsideActor(raw.map { address($0) } ?? "elsewhere", address: raw)
    }

    /// Where `socket`'s bytes and FINs go: its peer's column, the listener still holding the
    /// connection in its queue, or the address outside the run.
    mutating func peerActor(of socket: String) -> Int? {
        if let p = peer(of: socket) { return actor(p) }
        guard let addr = lastKnown[socket]?.peer, addr != "(unnamed)" else { return nil }
        if let l = listener(at: addr) { return actor(l) }
        return outsideActor(address(addr), address: addr)
    }

    static func isTCP(_ s: SocketSnapshot?) -> Bool { s?.type == "SOCK_STREAM" && s?.family != "AF_UNIX" }
    static let connectedStates: Set<String> = ["ESTABLISHED", "CLOSE_WAIT", "SYN_RECV", "SYN_SENT"]

    mutating func arrows(_ e: Event, socket: String, before: [String: SocketSnapshot]) -> [DiagramModel.Item] {
        let me = actor(socket)
        let snap = lastKnown[socket]
        let old = before[socket]
        var out: [DiagramModel.Item] = []
        let succeeded: Bool = { if case .value = e.outcome { return true }; return false }()
        switch e.call {
        case "connect", "connect_ex", "create_connection":
            guard let snap else { return [] }
            var errno: String?
            if case .error(let err) = e.outcome { errno = err.name }
            if e.call == "connect_ex", case .value(.int(let code)) = e.outcome, code != 0 {
                errno = snap.peer == nil ? "ECONNREFUSED" : "EINPROGRESS"
            }
            let target = e.facts["address"] ?? snap.peer
            let l = target.flatMap { listener(at: $0) }
            if snap.type == "SOCK_DGRAM" { return [] }
            if snap.family == "AF_UNIX" {
                guard succeeded && errno == nil, let l else { return [] }
                pending[l, default: []].append(socket)
                return [.arrow(from: me, to: actor(l), label: "connect", detail: nil, kind: .connection)]
            }
            let dest = destination(e, owner: l ?? target.flatMap { owner(of: $0, except: socket) })
            switch errno {
            case nil, "EINPROGRESS", "EALREADY":
                if errno == nil && !succeeded {
                    // Blocked or timed out: the SYN went out and nothing came back.
                    return [.arrow(from: me, to: dest, label: "SYN", detail: "no answer", kind: .handshake)]
                }
                out.append(.arrow(from: me, to: dest, label: "SYN", detail: nil, kind: .handshake))
                if snap.state == "SYN_SENT" { return out }
                out.append(.arrow(from: dest, to: me, label: "SYN-ACK", detail: nil, kind: .handshake))
                out.append(.arrow(from: me, to: dest, label: "ACK", detail: nil, kind: .handshake))
                if let l { pending[l, default: []].append(socket) }
            case "ECONNREFUSED":
                out.append(.arrow(from: me, to: dest, label: "SYN", detail: nil, kind: .handshake))
                out.append(.arrow(from: dest, to: me, label: "RST", detail: nil, kind: .rst))
            case "ETIMEDOUT":
                out.append(.arrow(from: me, to: dest, label: "SYN", detail: "no answer", kind: .handshake))
            default: break
            }
            return out
        case "accept":
            guard succeeded, let new = e.facts["new"] else { return [] }
            let conn = lastKnown[new]
            var queue = pending[socket] ?? []
            var client: String?
            if let p = conn?.peer, p != "(unnamed)",
               let exact = knownSnapshots.first(where: { $0.name != new && $0.local == p && $0.peer == conn?.local }) {
                client = exact.name
            }
            if client == nil, !queue.isEmpty { client = queue.first }
            if let c = client { queue.removeAll { $0 == c } }
            pending[socket] = queue
            if let c = client {
                links[new] = c
                links[c] = new
            }
            return []
        case "send", "sendall", "sendto":
            guard let snap else { return [] }
            let total = Int(e.facts["total"] ?? "") ?? 0
            var sent = 0
            switch e.outcome {
            case .value(.int(let n)): sent = n
            case .value: sent = total
            default:
                for case .partialSend(let s, _) in e.notes { sent = s }
            }
            guard sent > 0 || (succeeded && total == 0 && snap.type != "SOCK_STREAM") else { return [] }
            let data = Builder.payload(e.step)
            let label = data.map { Value.pythonRepr(bytes: Array($0.prefix(sent)), limit: 48) } ?? "\(sent) bytes"
            var detail = sent == 1 ? "1 byte" : "\(sent) bytes"
            if sent < total { detail = "\(sent) of \(total) bytes" }
            if snap.type == "SOCK_STREAM" {
                guard let to = peerActor(of: socket) else { return [] }
                out.append(.arrow(from: me, to: to, label: label, detail: data == nil ? nil : detail, kind: .data))
            } else {
                let dest = e.facts["address"] ?? snap.peer
                let o = dest.flatMap { owner(of: $0, except: socket) }
                let to = o.map { actor($0) } ?? destination(e, owner: nil)
                out.append(.arrow(from: me, to: to, label: label, detail: data == nil ? nil : detail, kind: .datagram))
            }
            return out
        case "close", "shutdown":
            guard succeeded, let old, let state = old.state else { return [] }
            if e.call == "close" && old.closed { return [] }
            // Another descriptor (a dup) still holds the socket: closing this one sends nothing.
            if e.call == "close" && e.facts["close"] == "shared" { return [] }
            if e.call == "shutdown" && !(e.syscalls.first?.contains("SHUT_WR") ?? false || e.syscalls.first?.contains("SHUT_RDWR") ?? false) { return [] }
            guard let to = peerActor(of: socket) else { return [] }
            let p = peer(of: socket)
            if old.family == "AF_UNIX" {
                return old.type == "SOCK_STREAM" || old.type == "SOCK_SEQPACKET" ? [.arrow(from: me, to: to, label: "EOF", detail: nil, kind: .eof)] : []
            }
            guard Builder.isTCP(old), Builder.connectedStates.contains(state) else { return [] }
            let peerReset = p.map { p in e.stateChanges.contains { $0.socket == p && $0.to == "CLOSED" } } ?? false
            if e.call == "close" && (peerReset || (old.readable ?? 0) > 0) {
                return [.arrow(from: me, to: to, label: "RST", detail: (old.readable ?? 0) > 0 ? "unread data" : nil, kind: .rst)]
            }
            return [.arrow(from: me, to: to, label: "FIN", detail: nil, kind: .fin)]
        case "recv", "recvall":
            // Bytes from a peer outside the run (the program under test) are drawn when they arrive:
            // no step of the run sent them.
            guard let snap, snap.type == "SOCK_STREAM", peer(of: socket) == nil, let from = peerActor(of: socket),
                  case .value(.bytes(let b)) = e.outcome else { return [] }
            if b.isEmpty { return [.arrow(from: from, to: me, label: "FIN", detail: nil, kind: .fin)] }
            return [.arrow(from: from, to: me, label: Value.pythonRepr(bytes: Array(b.prefix(48)), limit: 48),
                           detail: b.count == 1 ? "1 byte" : "\(b.count) bytes", kind: .data)]
        case "socketpair":
            if case .value(.tuple(let items)) = e.outcome, items.count == 2, case .socket(let x) = items[0], case .socket(let y) = items[1] {
                links[x] = y
                links[y] = x
            }
            return []
        default:
            return []
        }
    }

    /// A connected TCP socket that became CLOSED without closing itself got a reset from its peer.
    mutating func resets(_ e: Event, before: [String: SocketSnapshot], already: [DiagramModel.Item]) -> [DiagramModel.Item] {
        var out: [DiagramModel.Item] = []
        for c in e.stateChanges where c.to == "CLOSED" {
            guard let was = c.from, was != "CLOSED", was != "LISTEN", was != "LAST_ACK", was != "TIME_WAIT",
                  let snap = lastKnown[c.socket], Builder.isTCP(snap), !snap.closed else { continue }
            if e.receiver == c.socket && e.call == "close" { continue }
            guard let from = peerActor(of: c.socket) else { continue }
            let to = actor(c.socket)
            let seen = (already + out).contains {
                if case .arrow(_, let t, _, _, .rst) = $0 { return t == to }
                return false
            }
            if !seen { out.append(.arrow(from: from, to: to, label: "RST", detail: nil, kind: .rst)) }
        }
        return out
    }

    /// The bytes a send step passes, when they are written out (`b"hi"`, `b"x" * 10`).
    /// Arrows for captured packets: `SYN`, `SYN, ACK`, `ACK`, `FIN, ACK`, `RST`; data with its bytes.
    mutating func captured(_ packets: [Packet]) -> [DiagramModel.Item] {
        packets.map { p in
            let from = endActor(p.from), to = endActor(p.to)
            let s = p.segment
            if s.transport == .icmp {
                return .arrow(from: from, to: to, label: s.icmpDescription, detail: nil, kind: .rst)
            }
            if s.transport == .udp {
                return .arrow(from: from, to: to, label: value(.bytes(s.payload), limit: 24), detail: "UDP len=\(s.payloadLength)", kind: .datagram)
            }
            let flags = s.flags.description
            let kind: DiagramModel.ArrowKind = s.flags.contains(.rst) ? .rst : s.flags.contains(.fin) ? .fin
                : s.payloadLength > 0 ? .data : .handshake
            if s.payloadLength > 0 && kind == .data {
                // The bytes themselves, as the inferred arrow shows them (the flags are PSH, ACK).
                let label = s.payload.count == s.payloadLength ? value(.bytes(s.payload)) : "\(s.payloadLength) bytes"
                return .arrow(from: from, to: to, label: label, detail: "\(s.payloadLength) byte\(s.payloadLength == 1 ? "" : "s")", kind: kind)
            }
            return .arrow(from: from, to: to, label: flags, detail: nil, kind: kind)
        }
    }

    /// The column of a captured packet's end: its socket's, or an outside one for an address.
    mutating func endActor(_ name: String) -> Int {
        if actorOf[name] != nil || lastKnown[name] != nil { return actor(name) }
        if name.first?.isNumber == true || name.first == "[" { return outsideActor(address(name), address: name) }
        return outsideActor(name)
    }

    static func payload(_ step: Step) -> [UInt8]? {
        guard let arg = step.call.methodCall?.args.first else { return nil }
        return bytes(arg, depth: 0)
    }

    static func bytes(_ node: Node, depth: Int) -> [UInt8]? {
        guard depth < 8 else { return nil }
        switch node.expr {
        case .bytes(let b): return b
        case .binary(.add, let x, let y):
            guard let a = bytes(x, depth: depth + 1), let b = bytes(y, depth: depth + 1) else { return nil }
            return a + b
        case .binary(.multiply, let x, let y):
            let (data, count): ([UInt8]?, Int?) = {
                if case .int(let n) = y.expr { return (bytes(x, depth: depth + 1), n) }
                if case .int(let n) = x.expr { return (bytes(y, depth: depth + 1), n) }
                return (nil, nil)
            }()
            guard let data, let count, count >= 0, data.count * count <= 1 << 24 else { return nil }
            // Only the start is ever shown.
            var out: [UInt8] = []
            for _ in 0..<count where out.count < 256 { out += data }
            return out
        default: return nil
        }
    }
}

extension Value {
    /// `1.0`, `0.05`: floats as Python prints them.
    static func formatFloatPublic(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e15 { return String(Int(d)) + ".0" }
        return String(d)
    }
}

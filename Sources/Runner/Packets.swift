import ScenarioFormat
import Sockets

/// One TCP segment or UDP datagram captured on the run's loopback, with its ends named as the run
/// named its sockets: `client → server  [SYN] seq=0 win=65495`.
public struct Packet: Sendable, Hashable {
    /// The sending and receiving socket's names, or the address when no socket of the run owns it.
    public var from: String
    public var to: String
    public var segment: Segment
    /// Seconds since the run's capture started.
    public var time: Double

    public init(from: String, to: String, segment: Segment, time: Double) {
        self.from = from
        self.to = to
        self.segment = segment
        self.time = time
    }

    /// `client → server  [SYN] seq=0 win=65495`.
    public var text: String { "\(from) → \(to)  \(segment.summary)" }
    /// `client -> server  [SYN] seq=0 win=65495`.
    public var asciiText: String { "\(from) -> \(to)  \(segment.summary)" }
}

/// Whether the run's packets were captured, and why not when they were not.
public enum CaptureAvailability: Sendable, Hashable {
    case captured
    case unavailable(String)
}

/// Everything a run captured: every frame (for `--pcap`) and what was left out.
public struct CaptureRecord: Sendable {
    public var availability: CaptureAvailability
    public var frames: [CapturedFrame]
    /// Frames not kept because the run reached its limits (count or bytes).
    public var cut: Int
    /// Frames the kernel dropped because the capture's buffer was full.
    public var dropped: Int
    public var snapLength: Int
    public var isCaptured: Bool { availability == .captured }
    public init(availability: CaptureAvailability, frames: [CapturedFrame] = [], cut: Int = 0, dropped: Int = 0, snapLength: Int = 1024) {
        self.availability = availability
        self.frames = frames
        self.cut = cut
        self.dropped = dropped
        self.snapLength = snapLength
    }
}

/// The run's capture: raw IP sockets on the loopback (`PacketCapture`), drained after every step. Only segments to
/// or from one of the run's own ports (its sockets', the program under test's) are kept, so runs
/// in parallel never see each other's packets, in the private network (the grader's jobs share
/// it) and on the machine's own loopback (root, or tests) alike.
final class PacketRecorder {
    /// How long a step with a `=>` expectation waits for packets still on their way through the
    /// kernel before it fails (only a step that would fail waits).
    static let lateness = 0.05
    let capture: PacketCapture?
    let availability: CaptureAvailability
    var frames: [CapturedFrame] = []
    var keptBytes = 0
    var cut = 0
    var conversations = TCPConversations()
    var start: (Int, Int)?
    var saidCut = false
    let maximumFrames: Int
    let maximumBytes: Int
    /// The record as the run ended (kept once the capture socket is closed).
    var finalRecord: CaptureRecord?

    init(options: RunOptions) {
        maximumFrames = options.captureMaximumPackets
        maximumBytes = options.captureMaximumBytes
        let network = PrivateNetwork.status
        guard options.capture else {
            capture = nil
            availability = .unavailable("the capture was turned off")
            return
        }
        guard network.isEntered || options.captureOnSharedLoopback else {
            capture = nil
            availability = .unavailable(network.reason ?? "the run has no private network")
            return
        }
        switch PacketCapture.acquire(snapLength: options.captureSnapLength) {
        case .success(let c):
            capture = c
            availability = .captured
        case .failure(let e):
            capture = nil
            availability = .unavailable("a raw socket on the loopback was refused (\(e.name))")
        }
    }

    /// Reads what the last step caused (everything is already queued: loopback delivers within
    /// the system call) and names each segment's ends. `ports` are the run's own local ports.
    func drain(names: (Segment) -> (String, String), ports: () -> Set<Int>, notes: inout [Note]) -> [Packet] {
        guard let capture else { return [] }
        var fresh: [CapturedFrame] = []
        // Always the run's own ports: other runs of this process (the grader's jobs) share the
        // private network, and their packets are theirs.
        let ours: Set<Int>? = ports()
        let room = max(0, maximumFrames - frames.count)
        let dropped = capture.drain(keep: { bytes in
            guard let ours else { return true }
            guard let s = PacketDecoder.decode(frame: bytes) else { return false }
            return ours.contains(s.sourcePort) || ours.contains(s.destinationPort)
        }, limit: room, into: &fresh)
        cut += dropped
        var packets: [Packet] = []
        for f in fresh {
            if keptBytes + f.bytes.count > maximumBytes { cut += 1; continue }
            keptBytes += f.bytes.count
            frames.append(f)
            if start == nil { start = (f.seconds, f.microseconds) }
            guard var s = PacketDecoder.decode(frame: f.bytes) else { continue }
            conversations.number(&s)
            let (from, to) = names(s)
            let t = Double(f.seconds - start!.0) + Double(f.microseconds - start!.1) / 1_000_000
            packets.append(Packet(from: from, to: to, segment: s, time: t))
        }
        if cut > 0 && !saidCut {
            saidCut = true
            notes.append(.text("the capture keeps at most \(maximumFrames) packets and \(maximumBytes / 1024 / 1024) MiB per run: later packets were not recorded"))
        }
        return packets
    }

    func record() -> CaptureRecord {
        if let finalRecord { return finalRecord }
        return CaptureRecord(availability: availability, frames: frames, cut: cut, dropped: capture?.dropped() ?? 0,
                      snapLength: capture?.snapLength ?? 0)
    }

    /// The capture goes back to the process's pool, for the next run (see `PacketCapture.acquire`).
    func close() { capture?.recycle() }
}

extension Session {
    /// The run's own local ports, open sockets and closed ones alike (for the shared loopback's filter).
    func ownPorts() -> Set<Int> {
        var ports = Set<Int>()
        for e in entries {
            if !e.closed, case .success(let a) = Posix.localAddress(e.fd) { e.lastLocal = a }
            if let p = e.lastLocal?.port, p != 0 { ports.insert(Int(p)) }
        }
        for a in externals.values { if let p = a.port, p != 0 { ports.insert(Int(p)) } }
        return ports
    }

    /// The names of a segment's two ends: a socket of the run, the program under test, or the address.
    func endpointNames(_ s: Segment) -> (String, String) {
        (endpointName(host: s.source, port: s.sourcePort, otherHost: s.destination, otherPort: s.destinationPort),
         endpointName(host: s.destination, port: s.destinationPort, otherHost: s.source, otherPort: s.sourcePort))
    }

    func endpointName(host: String, port: Int, otherHost: String, otherPort: Int) -> String {
        func same(_ a: SocketAddress?, _ h: String, _ p: Int) -> Bool {
            guard let a, let ap = a.port, Int(ap) == p else { return false }
            switch a {
            case .ipv4(let x, _): return x == h
            case .ipv6(let x, _):
                let plain = x.lowercased().hasPrefix("::ffff:") ? String(x.dropFirst(7)) : x
                return plain == h || x == h || (x == "::" && h == "::1") || (plain == "0.0.0.0" && h.hasPrefix("127."))
            case .unix: return false
            }
        }
        func wildcard(_ a: SocketAddress?, _ p: Int) -> Bool {
            guard let a, let ap = a.port, Int(ap) == p else { return false }
            switch a {
            case .ipv4(let x, _): return x == "0.0.0.0"
            case .ipv6(let x, _): return x == "::"
            case .unix: return false
            }
        }
        let candidates = entries.filter { same($0.lastLocal, host, port) || wildcard($0.lastLocal, port) }
        // A listener and the connections it accepted share the local address: the peer decides.
        if let c = candidates.last(where: { same($0.lastPeer, otherHost, otherPort) }) { return c.name }
        if let c = candidates.last(where: { $0.lastPeer == nil }) ?? candidates.last { return c.name }
        if let (name, _) = externals.first(where: { same($0.value, host, port) }) { return name }
        // The program under test's own end of a connection to one of the run's sockets.
        if let (name, _) = externals.sorted(by: { $0.key < $1.key }).first,
           entries.contains(where: { same($0.lastPeer, host, port) }) { return name }
        return Segment.endpoint(host, port, host.contains(":") ? 6 : 4)
    }

    /// What the run captured so far (every frame, for `--pcap`).
    public var captureRecord: CaptureRecord {
        recorder?.record() ?? CaptureRecord(availability: .unavailable("the capture was turned off"))
    }

    /// Packets that arrived since the last step (a delayed ACK, the program under test's answer).
    public func drainPackets() -> [Packet] {
        var notes: [Note] = []
        return recorder?.drain(names: endpointNames, ports: ownPorts, notes: &notes) ?? []
    }
}

extension Session {
    /// After a step: the packets it caused, and the verdict of its `=> [FLAGS]` expectation.
    func attachPackets(_ event: inout Event) {
        guard let r = recorder else { return }
        guard r.capture != nil else {
            if let p = event.step.packets, case .unavailable(let why) = r.availability {
                event.notes.append(.text("`=> \(p.text)` was not checked, because the packets are not captured here: \(why)"))
            }
            return
        }
        if !options.snapshots {
            for e in entries where !e.closed {
                if case .success(let a) = Posix.localAddress(e.fd) { e.lastLocal = a }
                if case .success(let a) = Posix.peerAddress(e.fd) { e.lastPeer = a }
            }
        }
        var packets = r.drain(names: endpointNames, ports: ownPorts, notes: &event.notes)
        if let p = event.step.packets, event.verdict.isSuccess, var mismatch = PacketMatch.mismatch(p, PacketMatch.relevant(packets, to: event)) {
            // A packet reaches the capture in the kernel's receive path, which a busy machine can
            // run a moment after the call returned: before failing the step, late packets get
            // up to `PacketRecorder.lateness` (a poll on the capture, no sleep).
            let deadline = MonotonicInstant.now().adding(seconds: PacketRecorder.lateness)
            var matched = false
            while !matched, let capture = r.capture, capture.waitForPacket(milliseconds: deadline.millisecondsLeft) {
                packets += r.drain(names: endpointNames, ports: ownPorts, notes: &event.notes)
                if let m = PacketMatch.mismatch(p, PacketMatch.relevant(packets, to: event)) { mismatch = m } else { matched = true }
            }
            if !matched { event.verdict = .failed(mismatch) }
        }
        event.packets = packets
    }

    /// At the end of the run: the packets the last closes caused (kept for `--pcap`), then the
    /// capture socket is closed.
    func finishCapture() {
        guard let r = recorder, r.capture != nil else { return }
        _ = r.drain(names: endpointNames, ports: ownPorts, notes: &trailingNotes)
        r.finalRecord = r.record()
        r.close()
    }
}

/// Whether captured packets meet a `=> [FLAGS]` expectation.
public enum PacketMatch {
    /// Nil when they do: each item, in order, matches a later TCP segment carrying at least its flags.
    public static func mismatch(_ expected: PacketExpectation, _ packets: [Packet]) -> Mismatch? {
        let actual = packets.isEmpty ? "no packets" : packets.map { $0.segment.transport == .tcp ? "[\($0.segment.flags.description)]" : $0.segment.transport.rawValue }.joined(separator: " ")
        if expected.items.isEmpty {
            return packets.isEmpty ? nil : Mismatch(expected: "=> none", actual: actual, markerColumn: nil,
                                                    message: "expected no packets, but the step sent \(count(packets.count)): \(actual)")
        }
        var i = 0
        for p in packets where i < expected.items.count && p.segment.transport == .tcp {
            let want = expected.items[i].flags.reduce(into: TCPFlags()) { $0.formUnion(TCPFlags(name: $1) ?? []) }
            if p.segment.flags.isSuperset(of: want) { i += 1 }
        }
        guard i < expected.items.count else { return nil }
        let missing = expected.items[i].text
        return Mismatch(expected: "=> \(expected.text)", actual: actual, markerColumn: nil,
                        message: packets.isEmpty ? "expected the packets \(expected.text), but the step sent none"
                                                 : "expected the packets \(expected.text), but no \(missing) came \(i == 0 ? "" : "after \(expected.items[i - 1].text) ")among \(actual)")
    }

    /// The packets of the step's own sockets (the one it was called on, the ones it created): a
    /// delayed ACK of another connection that happens to arrive during the step does not count.
    public static func relevant(_ packets: [Packet], to e: Event) -> [Packet] {
        var mine = Set(e.step.targets)
        if let r = e.receiver { mine.insert(r) }
        if let n = e.facts["new"] { mine.insert(n) }
        if let s = e.facts["socket"] { mine.insert(s) }
        guard !mine.isEmpty else { return packets }
        return packets.filter { mine.contains($0.from) || mine.contains($0.to) }
    }

    static func count(_ n: Int) -> String { n == 1 ? "1 packet" : "\(n) packets" }
}

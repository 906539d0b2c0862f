#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Sockets

/// Frames captured on this machine's loopback (`sockstep run --pcap`): a handshake, data, UDP, IPv6.
enum CapturedBytes {
    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }
    static let syn = hex("00000000000000000000000008004500003c815240004006bb677f0000017f0000018622a9fbf23f65db00000000a002ffd7fe3000000204ffd70402080ab4c39841000000000103030a")
    static let synAck = hex("00000000000000000000000008004500003c0000400040063cba7f0000017f000001a9fb8622aeb01b67f23f65dca012ffcbfe3000000204ffd70402080a9f05520ab4c398410103030a")
    static let ack = hex("000000000000000000000000080045000034815340004006bb6e7f0000017f0000018622a9fbf23f65dcaeb01b6880100040fe2800000101080ab4c398419f05520a")
    static let data = hex("000000000000000000000000080045000042815440004006bb5f7f0000017f0000018622a9fbf23f65dcaeb01b6880180040fe3600000101080ab4c398439f05520a48656c6c6f2c2073657276657221")
    static let udp = hex("00000000000000000000000008004500001fbb644000401181677f0000017f0000019904d23e000bfe1e6f6e65")
    static let icmp = hex("000000000000000000000000080045c0003c30e8000040014b177f0000017f0000010303a5ff00000000450000204c5940004011f0717f0000017f00000195c5ee2d000cfe1f7370616d")
    static let syn6 = hex("00000000000000000000000086dd60014268002806400000000000000000000000000000000100000000000000000000000000000001c546aa5bf8ebb4a100000000a002ffc4003000000204ffc40402080acef3b01d000000000103030a")
}

@Suite("Packet decoder")
struct PacketDecoderTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var frame: [UInt8]
        var transport: Segment.Transport
        var source: String
        var destination: String
        var flags: TCPFlags
        var window: Int
        var length: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "SYN", frame: CapturedBytes.syn, transport: .tcp, source: "127.0.0.1:34338", destination: "127.0.0.1:43515", flags: [.syn], window: 65495, length: 0),
        Case(name: "SYN, ACK", frame: CapturedBytes.synAck, transport: .tcp, source: "127.0.0.1:43515", destination: "127.0.0.1:34338", flags: [.syn, .ack], window: 65483, length: 0),
        Case(name: "ACK", frame: CapturedBytes.ack, transport: .tcp, source: "127.0.0.1:34338", destination: "127.0.0.1:43515", flags: [.ack], window: 64, length: 0),
        Case(name: "PSH, ACK with 14 bytes", frame: CapturedBytes.data, transport: .tcp, source: "127.0.0.1:34338", destination: "127.0.0.1:43515", flags: [.psh, .ack], window: 64, length: 14),
        Case(name: "UDP datagram", frame: CapturedBytes.udp, transport: .udp, source: "127.0.0.1:39172", destination: "127.0.0.1:53822", flags: [], window: 0, length: 3),
        Case(name: "IPv6 SYN", frame: CapturedBytes.syn6, transport: .tcp, source: "[::1]:50502", destination: "[::1]:43611", flags: [.syn], window: 65476, length: 0),
    ]

    @Test("decodes captured frames", arguments: cases)
    func decodes(_ c: Case) throws {
        let s = try #require(PacketDecoder.decode(frame: c.frame))
        #expect(s.transport == c.transport)
        #expect(s.sourceEndpoint == c.source)
        #expect(s.destinationEndpoint == c.destination)
        #expect(s.flags == c.flags)
        #expect(s.window == c.window)
        #expect(s.payloadLength == c.length)
    }

    @Test("the payload is kept, and its length comes from the IP header even when the frame was cut")
    func payload() throws {
        let s = try #require(PacketDecoder.decode(frame: CapturedBytes.data))
        #expect(s.payload == Array("Hello, server!".utf8))
        let cut = try #require(PacketDecoder.decode(frame: Array(CapturedBytes.data.prefix(70))))
        #expect(cut.payloadLength == 14)
        #expect(cut.payload.count == 70 - 66)
    }

    @Test("frames that are not TCP or UDP over IP, or too short, decode to nothing",
          arguments: [[], [UInt8](repeating: 0, count: 13), Array(CapturedBytes.syn.prefix(30)),
                      [UInt8](repeating: 0, count: 12) + [0x08, 0x06] + [UInt8](repeating: 0, count: 28)])
    func rejects(_ frame: [UInt8]) {
        #expect(PacketDecoder.decode(frame: frame) == nil)
    }

    @Test("an ICMP port unreachable names the datagram's ends turned round: from the closed port, to its sender")
    func icmp() throws {
        let s = try #require(PacketDecoder.decode(frame: CapturedBytes.icmp))
        #expect(s.transport == .icmp)
        #expect(s.sourceEndpoint == "127.0.0.1:60973")
        #expect(s.destinationEndpoint == "127.0.0.1:38341")
        #expect(s.summary == "ICMP port unreachable")
    }

    @Test("the window scale option of a SYN is read")
    func windowScale() throws {
        #expect(try #require(PacketDecoder.decode(frame: CapturedBytes.syn)).windowScale == 10)
        #expect(try #require(PacketDecoder.decode(frame: CapturedBytes.ack)).windowScale == nil)
    }

    @Test("IPv6 addresses are written as RFC 5952 says",
          arguments: [([UInt8](repeating: 0, count: 15) + [1], "::1"), ([UInt8](repeating: 0, count: 16), "::"),
                      ([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1], "2001:db8::1"),
                      ([UInt8](repeating: 0, count: 10) + [0xff, 0xff, 127, 0, 0, 1], "::ffff:7f00:1")])
    func ipv6(_ bytes: [UInt8], _ text: String) {
        #expect(PacketDecoder.ipv6Text(bytes) == text)
    }
}

@Suite("Relative sequence numbers")
struct TCPConversationTests {
    @Test("a handshake and data are numbered as Wireshark shows them, windows scaled after the handshake")
    func handshake() throws {
        var c = TCPConversations()
        var out: [String] = []
        for f in [CapturedBytes.syn, CapturedBytes.synAck, CapturedBytes.ack, CapturedBytes.data] {
            var s = try #require(PacketDecoder.decode(frame: f))
            c.number(&s)
            out.append(s.summary)
        }
        #expect(out == ["[SYN] seq=0 win=65495", "[SYN, ACK] seq=0 ack=1 win=65483",
                        "[ACK] seq=1 ack=1 win=65536", "[PSH, ACK] seq=1 ack=1 win=65536 len=14"])
    }

    @Test("a connection first seen after its handshake counts from its first segment, unscaled")
    func midstream() throws {
        var c = TCPConversations()
        var s = try #require(PacketDecoder.decode(frame: CapturedBytes.data))
        c.number(&s)
        #expect(s.relativeSequence == 0)
        #expect(s.relativeAcknowledgment == nil)
        #expect(s.summary == "[PSH, ACK] seq=0 ack=\(s.acknowledgment) win=64 len=14")
    }

    @Test("flags have Wireshark's names, in its order")
    func flags() {
        #expect(TCPFlags([.ack, .fin]).description == "FIN, ACK")
        #expect(TCPFlags([.ack, .rst]).description == "RST, ACK")
        #expect(TCPFlags(name: "PSH") == .psh)
        #expect(TCPFlags(name: "SYNACK") == nil)
    }
}

@Suite("pcap files")
struct PcapTests {
    @Test("the header says pcap 2.4, microseconds, Ethernet; each record has its time and lengths")
    func layout() {
        let f = CapturedFrame(seconds: 1_700_000_000, microseconds: 123_456, bytes: CapturedBytes.syn, length: CapturedBytes.syn.count + 10)
        let b = Pcap.file([f])
        func u32(_ i: Int) -> UInt32 { UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24 }
        #expect(b.count == 24 + 16 + CapturedBytes.syn.count)
        #expect(u32(0) == 0xA1B2_C3D4)
        #expect(b[4] == 2 && b[6] == 4)
        #expect(u32(20) == 1)
        #expect(u32(24) == 1_700_000_000)
        #expect(u32(28) == 123_456)
        #expect(u32(32) == UInt32(CapturedBytes.syn.count))
        #expect(u32(36) == UInt32(CapturedBytes.syn.count + 10))
        #expect(Array(b[40...]) == CapturedBytes.syn)
    }

    @Test("writing to a folder that does not exist fails with its errno")
    func unwritable() {
        #expect(Pcap.write([1, 2, 3], to: "/nonexistent-sockstep-folder/run.pcap") == .ENOENT)
    }
}

@Suite("Capture on the loopback")
struct CaptureTests {
    static func skip() -> Bool {
        if PrivateNetwork.isRoot { return false }
        print("skipped: opening raw sockets on the machine's loopback needs root")
        return true
    }

    static func tcp(_ family: String) throws -> SocketFD {
        try Posix.socket(family: SocketConstants.named(family)!.value, type: SocketConstants.named("SOCK_STREAM")!.value, proto: 0).get()
    }

    static func udp(_ family: String) throws -> SocketFD {
        try Posix.socket(family: SocketConstants.named(family)!.value, type: SocketConstants.named("SOCK_DGRAM")!.value, proto: 0).get()
    }

    /// A handshake to a listener at `host`; returns the listener's port.
    static func handshake(_ family: String, _ host: SocketAddress) throws -> (Int, [SocketFD]) {
        let server = try tcp(family)
        try Posix.bind(server, host).get()
        try Posix.listen(server, backlog: 1).get()
        let address = try Posix.localAddress(server).get()
        let client = try tcp(family)
        try Posix.connect(client, address).get()
        return (Int(address.port!), [server, client])
    }

    static func ours(_ port: Int) -> ([UInt8]) -> Bool {
        { PacketDecoder.decode(frame: $0).map { $0.sourcePort == port || $0.destinationPort == port } ?? false }
    }

    @Test("the raw sockets see an IPv4 handshake once per packet, stamped with the time it crossed (root only: the shared loopback)")
    func handshake() throws {
        guard !Self.skip() else { return }
        let cap = try PacketCapture.open().get()
        defer { cap.close() }
        let (port, fds) = try Self.handshake("AF_INET", .ipv4(host: "127.0.0.1", port: 0))
        defer { for f in fds { _ = Posix.close(f) } }
        var frames: [CapturedFrame] = []
        cap.drain(keep: Self.ours(port), into: &frames)
        let flags = frames.compactMap { PacketDecoder.decode(frame: $0.bytes)?.flags }
        #expect(flags == [[.syn], [.syn, .ack], [.ack]])
        #expect(frames.allSatisfy { $0.seconds > 1_600_000_000 })
        // The Ethernet header lo shows: zero addresses, then IPv4's ethertype; the frame's whole length.
        #expect(frames.allSatisfy { $0.bytes.prefix(14) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00] })
        #expect(frames.allSatisfy { $0.length == 14 + (Int($0.bytes[16]) << 8 | Int($0.bytes[17])) })
        let times = frames.map { $0.seconds * 1_000_000 + $0.microseconds }
        #expect(times == times.sorted())
    }

    @Test("waiting for a packet returns as soon as one is queued (root only: the shared loopback)")
    func waitForPacket() throws {
        guard !Self.skip() else { return }
        let cap = try PacketCapture.open().get()
        defer { cap.close() }
        var frames: [CapturedFrame] = []
        cap.drain(into: &frames)
        #expect(!cap.waitForPacket(milliseconds: 0), "a zero wait never waits")
        let u = try Self.udp("AF_INET")
        defer { _ = Posix.close(u) }
        try Posix.bind(u, .ipv4(host: "127.0.0.1", port: 0)).get()
        let me = try Posix.localAddress(u).get()
        _ = Posix.send(u, Array("late".utf8), to: me)
        let started = MonotonicInstant.now()
        #expect(cap.waitForPacket(milliseconds: 5_000))
        #expect(MonotonicInstant.now().seconds(since: started) < 1, "it returned when the datagram was queued, not at the deadline")
        frames = []
        cap.drain(keep: Self.ours(Int(me.port!)), into: &frames)
        #expect(frames.count == 1)
        cap.close()
        #expect(!cap.waitForPacket(milliseconds: 100), "a closed capture has nothing to wait for")
    }

    @Test("a packet is kept up to the snap length, and whole once the capture is made ready for a run with a longer one (root only: the shared loopback)")
    func snapLength() throws {
        guard !Self.skip() else { return }
        let u = try Self.udp("AF_INET")
        defer { _ = Posix.close(u) }
        try Posix.bind(u, .ipv4(host: "127.0.0.1", port: 0)).get()
        let me = try Posix.localAddress(u).get()
        let payload = [UInt8](repeating: 0x61, count: 1000)
        func sendAndRead(_ cap: PacketCapture) -> [CapturedFrame] {
            _ = Posix.send(u, payload, to: me)
            var frames: [CapturedFrame] = []
            cap.drain(keep: Self.ours(Int(me.port!)), into: &frames)
            return frames
        }
        // Not through the process's pool, which other suites' runs share.
        let cap = try PacketCapture.open(snapLength: 200).get()
        defer { cap.close() }
        let cut = sendAndRead(cap)
        #expect(cut.map(\.bytes.count) == [200], "Ethernet, IP and UDP headers and the payload's start: 200 bytes")
        #expect(cut.map(\.length) == [14 + 20 + 8 + 1000], "the length on the wire is the whole datagram's")
        cap.prepareForReuse(snapLength: 3000)   // what `acquire` does to a capture from the pool
        let whole = sendAndRead(cap)
        #expect(whole.map(\.bytes.count) == [14 + 20 + 8 + 1000])
        #expect(whole.first.map { $0.bytes.suffix(1000).allSatisfy { $0 == 0x61 } } == true)
    }

    @Test("an IPv6 packet gets its header rebuilt: version, payload length, next header, hop limit, both addresses")
    func ipv6() throws {
        guard !Self.skip() else { return }
        let cap = try PacketCapture.open().get()
        defer { cap.close() }
        let (port, fds) = try Self.handshake("AF_INET6", .ipv6(host: "::1", port: 0))
        defer { for f in fds { _ = Posix.close(f) } }
        guard case .done(5) = Posix.send(fds[1], Array("hello".utf8)) else { Issue.record("send failed"); return }
        var frames: [CapturedFrame] = []
        cap.drain(keep: Self.ours(port), into: &frames)
        let segments = frames.compactMap { PacketDecoder.decode(frame: $0.bytes) }
        #expect(segments.map(\.flags) == [[.syn], [.syn, .ack], [.ack], [.psh, .ack], [.ack]])
        #expect(segments.allSatisfy { $0.ipVersion == 6 && $0.source == "::1" && $0.destination == "::1" })
        #expect(segments.map(\.payloadLength) == [0, 0, 0, 5, 0])
        #expect(segments[3].payload == Array("hello".utf8))
        for f in frames {
            let b = f.bytes
            #expect(b[12] == 0x86 && b[13] == 0xDD)
            #expect(b[14] >> 4 == 6)
            #expect(Int(b[18]) << 8 | Int(b[19]) == f.length - 54, "payload length")
            #expect(b[20] == 6, "next header: TCP")
            #expect(b[21] == 64, "hop limit")
        }
    }

    @Test("a datagram to a closed port, then its ICMP error, in the order they crossed (two sockets merged), IPv4 and IPv6",
          arguments: [("AF_INET", SocketAddress.ipv4(host: "127.0.0.1", port: 0)), ("AF_INET6", SocketAddress.ipv6(host: "::1", port: 0))])
    func datagramAndError(_ family: String, _ any: SocketAddress) throws {
        guard !Self.skip() else { return }
        let cap = try PacketCapture.open().get()
        defer { cap.close() }
        // A port nobody listens on: bound, read, closed.
        let gone = try Self.udp(family)
        try Posix.bind(gone, any).get()
        let closed = try Posix.localAddress(gone).get()
        _ = Posix.close(gone)
        let sender = try Self.udp(family)
        defer { _ = Posix.close(sender) }
        try Posix.bind(sender, any).get()
        let port = Int(try Posix.localAddress(sender).get().port!)
        // Connected, so that each ICMP error reaches the sender, which waits for it before it
        // sends again: on a loaded machine the kernel may otherwise queue the second datagram
        // before it answers the first, and then both datagrams rightly come before both errors.
        try Posix.connect(sender, closed).get()
        for _ in 0..<2 {
            _ = Posix.send(sender, Array("spam".utf8))
            let events = try Posix.poll([(sender, .error)], timeoutMs: 5000).get()
            #expect(events.first?.contains(.error) == true, "the port unreachable error came back")
            if case .failed(let e) = Posix.receive(sender, max: 16) { #expect(e == .ECONNREFUSED) }
        }
        var frames: [CapturedFrame] = []
        cap.drain(keep: Self.ours(port), into: &frames)
        let shown = frames.compactMap { PacketDecoder.decode(frame: $0.bytes)?.summary }
        #expect(shown == ["UDP len=4", "ICMP port unreachable", "UDP len=4", "ICMP port unreachable"])
    }

    @Test("a packet is stamped when it crossed, not when the capture read it: the capture opens once the kernel stamps arrivals")
    func stampedOnArrival() throws {
        guard !Self.skip() else { return }
        let cap = try PacketCapture.open().get()
        defer { cap.close() }
        #expect(ArrivalStamps.areConfirmed)
        let u = try Self.udp("AF_INET")
        defer { _ = Posix.close(u) }
        try Posix.bind(u, .ipv4(host: "127.0.0.1", port: 0)).get()
        let me = try Posix.localAddress(u).get()
        _ = Posix.send(u, Array("now".utf8), to: me)
        // Loopback delivers within the send: the datagram crossed before this clock reading, and
        // the capture reads it after.
        var sent = timespec()
        _ = clock_gettime(CLOCK_REALTIME, &sent)
        var frames: [CapturedFrame] = []
        cap.drain(keep: Self.ours(Int(me.port!)), into: &frames)
        #expect(frames.count == 1)
        let stamp = (frames.first?.seconds ?? 0) * 1_000_000 + (frames.first?.microseconds ?? 0)
        let then = Int(sent.tv_sec) * 1_000_000 + Int(sent.tv_nsec) / 1000
        #expect(stamp <= then, "stamped \(stamp - then) µs after the send returned: as it was read")
    }

    @Test("at most `limit` packets are kept, in order; the others are counted")
    func limit() throws {
        guard !Self.skip() else { return }
        let cap = try PacketCapture.open().get()
        defer { cap.close() }
        let (port, fds) = try Self.handshake("AF_INET", .ipv4(host: "127.0.0.1", port: 0))
        defer { for f in fds { _ = Posix.close(f) } }
        var frames: [CapturedFrame] = []
        let cut = cap.drain(keep: Self.ours(port), limit: 2, into: &frames)
        #expect(frames.compactMap { PacketDecoder.decode(frame: $0.bytes)?.flags } == [[.syn], [.syn, .ack]])
        #expect(cut == 1)
    }

    @Test("packets the kernel dropped for a full buffer are counted, and reading the count does not reset it")
    func dropped() throws {
        guard !Self.skip() else { return }
        let cap = try PacketCapture.open().get()
        defer { cap.close() }
        #expect(cap.dropped() == 0)
        // The smallest buffer the kernel allows on the IPv4 TCP socket: one packet fits, the next do not.
        for fd in cap.descriptors { _ = Posix.setOption(SocketFD(rawValue: fd), level: SOL_SOCKET, name: SO_RCVBUF, value: 1) }
        var fds: [SocketFD] = []
        defer { for f in fds { _ = Posix.close(f) } }
        for _ in 0..<3 { fds += try Self.handshake("AF_INET", .ipv4(host: "127.0.0.1", port: 0)).1 }
        let first = cap.dropped()
        #expect(first >= 2)
        #expect(cap.dropped() >= first)
        var frames: [CapturedFrame] = []
        cap.drain(into: &frames)
        #expect(cap.dropped() >= first)
    }

    @Test("opening fails with the errno when the interface does not exist")
    func noInterface() {
        guard case .failure(let e) = PacketCapture.open(interface: "nonexistent0") else {
            Issue.record("a capture on a missing interface opened")
            return
        }
        #expect(e.rawValue == ENODEV)
    }
}

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
    @Test("a packet socket sees a handshake once per frame (root only: the shared loopback)")
    func handshake() throws {
        guard PrivateNetwork.isRoot else {
            print("skipped: opening a packet socket on the machine's loopback needs root")
            return
        }
        let cap = try PacketCapture.open().get()
        defer { cap.close() }
        let server = try Posix.socket(family: SocketConstants.named("AF_INET")!.value, type: SocketConstants.named("SOCK_STREAM")!.value, proto: 0).get()
        defer { _ = Posix.close(server) }
        try Posix.bind(server, .ipv4(host: "127.0.0.1", port: 0)).get()
        try Posix.listen(server, backlog: 1).get()
        let address = try Posix.localAddress(server).get()
        let client = try Posix.socket(family: SocketConstants.named("AF_INET")!.value, type: SocketConstants.named("SOCK_STREAM")!.value, proto: 0).get()
        defer { _ = Posix.close(client) }
        try Posix.connect(client, address).get()
        var frames: [CapturedFrame] = []
        let port = Int(address.port!)
        cap.drain(keep: { PacketDecoder.decode(frame: $0).map { $0.sourcePort == port || $0.destinationPort == port } ?? false }, into: &frames)
        let flags = frames.compactMap { PacketDecoder.decode(frame: $0.bytes)?.flags }
        #expect(flags == [[.syn], [.syn, .ack], [.ack]])
        #expect(frames.allSatisfy { $0.seconds > 1_600_000_000 })
    }
}

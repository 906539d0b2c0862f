/// TCP header flags, named and ordered as Wireshark shows them: `[SYN, ACK]`, `[FIN, ACK]`.
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)

    public static let named: [(String, TCPFlags)] = [("FIN", .fin), ("SYN", .syn), ("RST", .rst), ("PSH", .psh),
                                                     ("ACK", .ack), ("URG", .urg), ("ECE", .ece), ("CWR", .cwr)]

    /// "SYN, ACK".
    public var names: [String] { TCPFlags.named.filter { contains($0.1) }.map(\.0) }
    public var description: String { names.joined(separator: ", ") }

    public init?(name: String) {
        guard let f = TCPFlags.named.first(where: { $0.0 == name }) else { return nil }
        self = f.1
    }
}

/// One TCP segment or UDP datagram, decoded from a frame captured on the loopback.
public struct Segment: Sendable, Hashable {
    /// ICMP: only the errors that answer a datagram (port unreachable), which lesson 7 teaches.
    public enum Transport: String, Sendable, Hashable { case tcp = "TCP", udp = "UDP", icmp = "ICMP" }
    public var transport: Transport
    public var ipVersion: Int
    public var source: String
    public var sourcePort: Int
    public var destination: String
    public var destinationPort: Int
    /// TCP only (zero for UDP).
    public var flags: TCPFlags = []
    public var sequence: UInt32 = 0
    public var acknowledgment: UInt32 = 0
    /// The window field as sent (before scaling).
    public var window: Int = 0
    /// The window scale option, in a SYN.
    public var windowScale: Int?
    /// ICMP errors: the type and code (3/3 and ICMPv6 1/4: port unreachable). The ports are the
    /// datagram's it answers, turned round: from the closed port, to the socket that sent it.
    public var icmpType: Int?
    public var icmpCode: Int?
    /// Bytes of payload the segment carried (from the IP header, so right even when the capture cut it).
    public var payloadLength: Int
    /// The start of the payload, as far as the capture kept it.
    public var payload: [UInt8] = []

    /// Sequence numbers relative to each side's first, as Wireshark shows them; filled by `TCPConversations`.
    public var relativeSequence: UInt32?
    public var relativeAcknowledgment: UInt32?
    /// The window in bytes, scaled as the handshake agreed (the SYN's own window is never scaled).
    public var shownWindow: Int?

    public init(transport: Transport, ipVersion: Int, source: String, sourcePort: Int, destination: String, destinationPort: Int, payloadLength: Int) {
        self.transport = transport
        self.ipVersion = ipVersion
        self.source = source
        self.sourcePort = sourcePort
        self.destination = destination
        self.destinationPort = destinationPort
        self.payloadLength = payloadLength
    }

    /// "[SYN, ACK] seq=0 ack=1 win=65483", "[PSH, ACK] seq=1 ack=1 win=65536 len=14", "UDP len=5".
    public var summary: String {
        if transport == .icmp { return icmpDescription }
        guard transport == .tcp else { return "UDP len=\(payloadLength)" }
        var s = "[\(flags.description)] seq=\(relativeSequence ?? sequence)"
        if flags.contains(.ack) { s += " ack=\(relativeAcknowledgment ?? acknowledgment)" }
        s += " win=\(shownWindow ?? window)"
        if payloadLength > 0 { s += " len=\(payloadLength)" }
        return s
    }

    /// "ICMP port unreachable".
    public var icmpDescription: String {
        switch (ipVersion, icmpType ?? -1, icmpCode ?? -1) {
        case (4, 3, 3), (6, 1, 4): return "ICMP port unreachable"
        case (4, 3, let c), (6, 1, let c): return "ICMP destination unreachable (code \(c))"
        case (_, let t, let c): return "ICMP type \(t) code \(c)"
        }
    }

    /// "127.0.0.1:5000", "[::1]:5000".
    public var sourceEndpoint: String { Segment.endpoint(source, sourcePort, ipVersion) }
    public var destinationEndpoint: String { Segment.endpoint(destination, destinationPort, ipVersion) }
    public static func endpoint(_ host: String, _ port: Int, _ v: Int) -> String { v == 6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Decodes frames as `lo` carries them: a 14-byte Ethernet header (zero addresses, then the
/// ethertype), IPv4 or IPv6, then TCP or UDP. Pure: bytes in, a segment (or nil) out.
public enum PacketDecoder {
    public static func decode(frame b: [UInt8]) -> Segment? {
        guard b.count >= 14 else { return nil }
        let ethertype = Int(b[12]) << 8 | Int(b[13])
        let ip = 14
        let proto: UInt8
        let transportStart: Int
        let transportLength: Int
        let source: String, destination: String
        let version: Int
        switch ethertype {
        case 0x0800:
            guard b.count >= ip + 20, b[ip] >> 4 == 4 else { return nil }
            let ihl = Int(b[ip] & 0x0F) * 4
            let total = Int(b[ip + 2]) << 8 | Int(b[ip + 3])
            guard ihl >= 20, total >= ihl else { return nil }
            // A fragment other than the first has no transport header.
            let fragmentOffset = (Int(b[ip + 6]) & 0x1F) << 8 | Int(b[ip + 7])
            guard fragmentOffset == 0 else { return nil }
            proto = b[ip + 9]
            source = b[(ip + 12)..<(ip + 16)].map(String.init).joined(separator: ".")
            destination = b[(ip + 16)..<(ip + 20)].map(String.init).joined(separator: ".")
            transportStart = ip + ihl
            transportLength = total - ihl
            version = 4
        case 0x86DD:
            guard b.count >= ip + 40, b[ip] >> 4 == 6 else { return nil }
            proto = b[ip + 6]
            source = ipv6Text(Array(b[(ip + 8)..<(ip + 24)]))
            destination = ipv6Text(Array(b[(ip + 24)..<(ip + 40)]))
            transportStart = ip + 40
            transportLength = Int(b[ip + 4]) << 8 | Int(b[ip + 5])
            version = 6
        default:
            return nil
        }
        let t = transportStart
        func u16(_ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
        func u32(_ i: Int) -> UInt32 { UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3]) }
        switch proto {
        case 6:
            guard b.count >= t + 20 else { return nil }
            let offset = Int(b[t + 12] >> 4) * 4
            guard offset >= 20, transportLength >= offset else { return nil }
            var s = Segment(transport: .tcp, ipVersion: version, source: source, sourcePort: u16(t), destination: destination,
                            destinationPort: u16(t + 2), payloadLength: transportLength - offset)
            s.sequence = u32(t + 4)
            s.acknowledgment = u32(t + 8)
            s.flags = TCPFlags(rawValue: b[t + 13])
            s.window = u16(t + 14)
            // Options: only the window scale matters here (kind 3).
            var i = t + 20
            let end = min(t + offset, b.count)
            while i < end {
                let kind = b[i]
                if kind == 0 { break }
                if kind == 1 { i += 1; continue }
                guard i + 1 < end, b[i + 1] >= 2 else { break }
                if kind == 3, i + 2 < end { s.windowScale = Int(b[i + 2]) }
                i += Int(b[i + 1])
            }
            let p = t + offset
            if p < b.count { s.payload = Array(b[p..<min(b.count, p + s.payloadLength)]) }
            return s
        case 17:
            guard b.count >= t + 8 else { return nil }
            let length = u16(t + 4)
            var s = Segment(transport: .udp, ipVersion: version, source: source, sourcePort: u16(t), destination: destination,
                            destinationPort: u16(t + 2), payloadLength: max(0, length - 8))
            let p = t + 8
            if p < b.count { s.payload = Array(b[p..<min(b.count, p + s.payloadLength)]) }
            return s
        case 1 where version == 4, 58 where version == 6:
            // An error carries the IP header and the first 8 bytes of the datagram it answers.
            guard b.count >= t + 8 else { return nil }
            let type = Int(b[t]), code = Int(b[t + 1])
            guard (version == 4 && type == 3) || (version == 6 && type == 1) else { return nil }
            let inner = t + 8
            let innerHeader: Int
            if version == 4 {
                guard b.count >= inner + 20 else { return nil }
                innerHeader = Int(b[inner] & 0x0F) * 4
            } else {
                innerHeader = 40
            }
            let u = inner + innerHeader
            guard b.count >= u + 4 else { return nil }
            var s = Segment(transport: .icmp, ipVersion: version, source: source, sourcePort: u16(u + 2), destination: destination,
                            destinationPort: u16(u), payloadLength: 0)
            s.icmpType = type
            s.icmpCode = code
            return s
        default:
            return nil
        }
    }

    /// RFC 5952 text: lowercase hex groups, the longest run of zero groups as `::`.
    static func ipv6Text(_ a: [UInt8]) -> String {
        let groups = (0..<8).map { Int(a[2 * $0]) << 8 | Int(a[2 * $0 + 1]) }
        var bestStart = -1, bestLength = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLength && j - i >= 2 { bestStart = i; bestLength = j - i }
                i = j
            } else { i += 1 }
        }
        func hex(_ r: Range<Int>) -> String { r.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

/// Follows TCP connections across segments to number them as Wireshark does: sequence and
/// acknowledgment numbers relative to each side's first (its SYN), windows scaled as agreed.
public struct TCPConversations: Sendable {
    struct Side { var base: UInt32; var scale: Int?; var sawSYN: Bool }
    /// Keyed by "source>destination" endpoints.
    var sides: [String: Side] = [:]
    public init() {}

    public mutating func number(_ s: inout Segment) {
        guard s.transport == .tcp else { return }
        let me = "\(s.sourceEndpoint)>\(s.destinationEndpoint)"
        let other = "\(s.destinationEndpoint)>\(s.sourceEndpoint)"
        if s.flags.contains(.syn) {
            // A SYN starts (or restarts) this side's numbering.
            sides[me] = Side(base: s.sequence, scale: s.windowScale, sawSYN: true)
            if !s.flags.contains(.ack) { sides[other] = nil }
        } else if sides[me] == nil {
            sides[me] = Side(base: s.sequence, scale: nil, sawSYN: false)
        }
        let mine = sides[me]!
        s.relativeSequence = s.sequence &- mine.base
        if s.flags.contains(.ack) {
            if let theirs = sides[other] { s.relativeAcknowledgment = s.acknowledgment &- theirs.base }
        }
        if s.flags.contains(.syn) {
            s.shownWindow = s.window
        } else if let a = mine.scale, sides[other]?.scale != nil {
            s.shownWindow = s.window << a
        } else {
            s.shownWindow = s.window
        }
    }
}

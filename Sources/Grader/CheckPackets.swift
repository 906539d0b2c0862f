import Runner
import Sockets

/// One captured packet of a check, for the reports: `c → program  [SYN] seq=0 win=65495`.
public struct PacketLine: Sendable, Codable, Hashable {
    /// The check's step (1-based) after which the packet was read; nil for the program's answers
    /// that arrived after the last step.
    public var step: Int?
    public var from: String
    public var to: String
    public var flags: [String]
    public var length: Int
    public var text: String

    init(step: Int?, _ p: Packet) {
        self.step = step
        from = p.from
        to = p.to
        flags = p.segment.transport == .tcp ? p.segment.flags.names : [p.segment.transport.rawValue]
        length = p.segment.payloadLength
        text = "\(p.from) → \(p.to)  \(p.segment.summary)"
    }

    /// The packets of a check's events and what arrived after them; nil when nothing was captured
    /// (no private network), so the reports stay as they were.
    static func lines(_ events: [Event], trailing: [Packet]) -> [PacketLine]? {
        guard events.contains(where: { $0.packets != nil }) else { return nil }
        var out: [PacketLine] = []
        for e in events { for p in e.packets ?? [] { out.append(PacketLine(step: e.index, p)) } }
        for p in trailing { out.append(PacketLine(step: nil, p)) }
        // A failed check's story, not a flood: the first packets are the ones that explain it.
        return Array(out.prefix(PacketLine.reportLimit))
    }

    static let reportLimit = 60
}

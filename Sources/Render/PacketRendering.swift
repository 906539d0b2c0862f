import Runner
import Sockets

/// Captured packets as the terminal and JSON show them: `client → server  [SYN] seq=0 win=65495`.
public enum PacketRendering {
    /// The block under a step: `packets client → server  [SYN] seq=0 win=65495`, one line each,
    /// the names padded so the flags line up.
    public static func lines(_ packets: [Packet], indent: String, style: Style) -> String {
        let arrow = style.unicode ? "→" : "->"
        guard !packets.isEmpty else { return indent + style.dim("packets none (the step sent nothing)") + "\n" }
        let left = packets.map { "\($0.from) \(arrow) \($0.to)" }
        let width = left.map(\.count).max() ?? 0
        var out = ""
        for (i, p) in packets.enumerated() {
            let label = i == 0 ? "packets " : "        "
            out += indent + style.dim(label) + left[i] + String(repeating: " ", count: width - left[i].count) + "  " + p.segment.summary + "\n"
        }
        return out
    }

    public static func json(_ p: Packet) -> JSON {
        let s = p.segment
        var fields: [(String, JSON)] = [("from", .string(p.from)), ("to", .string(p.to)), ("protocol", .string(s.transport.rawValue)),
                                        ("source", .string(s.sourceEndpoint)), ("destination", .string(s.destinationEndpoint))]
        if s.transport == .tcp {
            fields += [("flags", .array(s.flags.names.map(JSON.string))), ("seq", .int(Int(s.relativeSequence ?? s.sequence))),
                       ("ack", s.flags.contains(.ack) ? .int(Int(s.relativeAcknowledgment ?? s.acknowledgment)) : .null),
                       ("win", .int(s.shownWindow ?? s.window))]
        }
        if s.transport == .icmp { fields += [("icmp_type", s.icmpType.map(JSON.int) ?? .null), ("icmp_code", s.icmpCode.map(JSON.int) ?? .null)] }
        fields += [("len", .int(s.payloadLength)), ("time_ms", .double((p.time * 1_000_000).rounded() / 1000)),
                   ("text", .string("\(p.from) → \(p.to)  \(s.summary)"))]
        return .object(fields)
    }

    /// The legend learn mode and the shell show with the packets.
    public static let key = """
    [SYN] asks to open a connection · [SYN, ACK] agrees · [ACK] says "got everything up to ack"
    [PSH, ACK] carries data (len = its bytes) · [FIN, ACK] "I am done sending" · [RST] aborts
    seq and ack count bytes from each side's start (as Wireshark shows them); win is the room left in the receiver's buffer
    """
}

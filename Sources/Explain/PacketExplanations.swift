import Runner
import Sockets

/// What the captured packets add to an explanation: the proof of what a call put on the wire.
enum PacketExplanations {
    static func details(_ e: Event) -> [String] {
        guard let packets = e.packets, let sock = e.receiver else { return [] }
        let sent = packets.filter { $0.from == sock && $0.segment.transport == .tcp }
        guard e.call == "close", let first = sent.first else { return [] }
        let seen = "\(first.from) → \(first.to)  [\(first.segment.flags.description)]"
        if first.segment.flags.contains(.rst) {
            if let unread = e.facts["unread"] {
                return ["Captured on the wire: \(seen). Your close sent a RST because \(unread) byte\(unread == "1" ? " was" : "s were") still unread."]
            }
            return ["Captured on the wire: \(seen), a reset."]
        }
        if first.segment.flags.contains(.fin) {
            return ["Captured on the wire: \(seen), the FIN that ends this direction."]
        }
        return []
    }
}

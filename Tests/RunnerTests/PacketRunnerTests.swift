import Foundation
import Testing
@testable import Runner
import ScenarioFormat
import Sockets

/// The runner's capture. The test process has no private network (only `sockstep` enters one, in
/// main), so these tests capture the machine's shared loopback, which needs root, and keep only
/// their runs' own ports; without root they say so and skip.
@Suite("Runner: captured packets", .serialized)
struct PacketRunnerTests {
    static var shared: RunOptions {
        var o = RunOptions()
        o.captureOnSharedLoopback = true
        return o
    }

    static func skip() -> Bool {
        if PrivateNetwork.isRoot { return false }
        print("skipped: capturing the machine's loopback in the test process needs root")
        return true
    }

    @Test("the handshake is attributed to connect, named as the run names its sockets")
    func handshake() throws {
        guard !Self.skip() else { return }
        let r = try run(server, options: Self.shared)
        let connect = try #require(r.events.first { $0.call == "connect" })
        let packets = try #require(connect.packets)
        #expect(packets.map(\.text).map { String($0.prefix(while: { $0 != "w" })) } ==
                ["client → server  [SYN] seq=0 ", "server → client  [SYN, ACK] seq=0 ack=1 ", "client → server  [ACK] seq=1 ack=1 "])
        #expect(packets[0].segment.summary.hasPrefix("[SYN] seq=0 win="))
        #expect(r.events.first { $0.call == "listen" }?.packets == [])
        #expect(r.capture?.isCaptured == true)
        #expect((r.capture?.frames.count ?? 0) >= 3)
    }

    @Test("=> expectations hold on the captured packets: a handshake, none, data and its ACK, a reset")
    func expectationsHold() throws {
        guard !Self.skip() else { return }
        let r = try run("""
        server = socket(AF_INET, SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(5)  => none
        client = socket(AF_INET, SOCK_STREAM)
        client.connect(server.address)  => [SYN] [SYN, ACK] [ACK]
        conn, addr = server.accept()
        client.sendall(b"hello")  => [PSH, ACK] [ACK]
        conn.close()  => RST
        """, options: Self.shared)
        for e in r.events { #expect(e.verdict.isSuccess, "step \(e.index): \(e.verdict)") }
        let close = try #require(r.events.last)
        #expect(close.packets?.first?.text.hasPrefix("conn → client  [RST, ACK]") == true)
        #expect(close.facts["unread"] == "5")
    }

    @Test("a packet expectation that does not hold fails the step, with what was captured")
    func expectationFails() throws {
        guard !Self.skip() else { return }
        let r = try run(server + """
        client.sendall(b"hello")
        conn.close()  => [FIN]
        """, options: Self.shared)
        let close = try #require(r.events.last)
        guard case .failed(let m) = close.verdict else { Issue.record("expected a failure, got \(close.verdict)"); return }
        #expect(m.expected == "=> [FIN]")
        #expect(m.actual == "[RST, ACK]")
        #expect(m.message == "expected the packets [FIN], but no [FIN] came among [RST, ACK]")
        let listen = try run("s = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", 0))\ns.listen(1)\nc = socket(AF_INET, SOCK_STREAM)\nc.connect(s.address) => none", options: Self.shared)
        guard case .failed(let n)? = listen.events.last?.verdict else { Issue.record("=> none after a handshake should fail"); return }
        #expect(n.message == "expected no packets, but the step sent 3 packets: [SYN] [SYN, ACK] [ACK]")
    }

    @Test("only the packets of the step's own sockets are matched: another connection's ACK is not")
    func relevantOnly() throws {
        guard !Self.skip() else { return }
        let r = try run(server + "client.sendall(b\"x\")", options: Self.shared)
        let send = try #require(r.events.last)
        let own = try #require(send.packets)
        #expect(own.count == 2)
        // The same step, with a stranger's segment arriving meanwhile (the handshake's last ACK).
        var e = send
        let stranger = Packet(from: "other", to: "elsewhere", segment: own[1].segment, time: 0)
        e.packets = [stranger] + own
        #expect(PacketMatch.relevant(e.packets!, to: e).count == 2)
        let none = PacketExpectation(items: [], location: SourceLocation(line: 1, column: 1))
        #expect(PacketMatch.mismatch(none, PacketMatch.relevant([stranger], to: e)) == nil)
        #expect(PacketMatch.mismatch(none, [stranger]) != nil)
    }

    @Test("without a capture, a packet expectation is skipped with a note, not failed")
    func skippedWithoutCapture() throws {
        let r = try run(server + "client.close()  => [FIN, ACK]")
        let close = try #require(r.events.last)
        #expect(close.verdict == .passed)
        #expect(close.packets == nil)
        #expect(close.notes.contains { if case .text(let t) = $0 { return t.hasPrefix("`=> [FIN, ACK]` was not checked, because the packets are not captured here") }; return false })
        #expect(r.capture?.isCaptured == false)
    }

    @Test("the capture is bounded: packets beyond the limit are counted, not kept, and the step says so")
    func bounded() throws {
        guard !Self.skip() else { return }
        var o = Self.shared
        o.captureMaximumPackets = 2
        let r = try run(server, options: o)
        #expect(r.capture?.frames.count == 2)
        #expect((r.capture?.cut ?? 0) >= 1)
        let connect = try #require(r.events.first { $0.call == "connect" })
        #expect(connect.packets?.count == 2)
        #expect(connect.notes.contains { if case .text(let t) = $0 { return t.contains("the capture keeps at most 2 packets") }; return false })
    }

    @Test("runs in parallel each see only their own packets, and leave no capture outside the pool")
    func parallel() async throws {
        guard !Self.skip() else { return }
        let results = try await withThrowingTaskGroup(of: RunResult.self) { group in
            for _ in 0..<4 { group.addTask { try run(server + "client.sendall(b\"x\" * 100)\nconn.recv(100) -> b\"x\" * 100", options: Self.shared) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for r in results {
            #expect(r.passed)
            let connect = try #require(r.events.first { $0.call == "connect" })
            #expect(connect.packets?.map { $0.segment.flags } == [[.syn], [.syn, .ack], [.ack]])
            let all = r.events.compactMap(\.packets).flatMap { $0 }
            #expect(all.allSatisfy { ["client", "server", "conn"].contains($0.from) && ["client", "server", "conn"].contains($0.to) })
        }
        // Every capture still open is in the pool for the next runs (at most one per run at a time).
        #expect(ownRawSockets() == 6 * PacketCapture.pooled, "a capture socket was left open outside the pool")
        #expect(PacketCapture.pooled <= 4)
    }

    /// Raw sockets this process holds (six per capture): the inodes of /proc/net/raw and raw6 that
    /// one of our descriptors points to.
    func ownRawSockets() -> Int {
        var inodes = Set<String>()
        for path in ["/proc/net/raw", "/proc/net/raw6"] {
            let table = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            // The inode is the 10th column (sl, local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode).
            for line in table.split(separator: "\n").dropFirst() {
                let columns = line.split(separator: " ")
                if columns.count > 9 { inodes.insert(String(columns[9])) }
            }
        }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { fd in
            guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"), link.hasPrefix("socket:[") else { return false }
            return inodes.contains(String(link.dropFirst(8).dropLast()))
        }.count
    }

    @Test("a run's capture goes back to the process's pool at its end; the next run reuses it and sees nothing of the last")
    func reusedAfterEnd() throws {
        guard !Self.skip() else { return }
        let doc = try #require(DocumentParser.parse(text: "# T\n```steps\n\(server)client.sendall(b\"x\")\n```\n", path: "t.md").document)
        let before = ownRawSockets()
        let first = Session(options: Self.shared)
        for (i, step) in doc.steps.enumerated() { _ = first.execute(step, index: i + 1) }
        let open = ownRawSockets()
        #expect(open >= 6)
        first.finish()
        #expect(ownRawSockets() == open, "the capture is kept for the next run, not closed")
        #expect(PacketCapture.pooled >= 1)
        #expect(first.captureRecord.frames.count >= 5)
        // The next run takes it from the pool: no new socket, and its first step sees no packet of the last run.
        let second = Session(options: Self.shared)
        let e = second.execute(doc.steps[0], index: 1)
        #expect(e.packets == [])
        #expect(second.captureRecord.frames.isEmpty)
        second.finish()
        #expect(ownRawSockets() <= max(open, before + 6))
    }
}

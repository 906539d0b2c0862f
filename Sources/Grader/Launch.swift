import FoundationEssentials
import Sockets

/// Free loopback ports for programs under test: the kernel picks one (bind to port 0), and the
/// grader never hands the same port to two programs of one run, so parallel gradings cannot collide.
public enum FreePorts {
    nonisolated(unsafe) private static var given: Set<UInt16> = []
    private static let lock = Lock()

    public static func pick(udp: Bool) -> UInt16? {
        let family = SocketConstants.named("AF_INET")!.value
        let type = SocketConstants.named(udp ? "SOCK_DGRAM" : "SOCK_STREAM")!.value
        for _ in 0..<64 {
            guard case .success(let fd) = Posix.socket(family: family, type: type, proto: 0) else { return nil }
            defer { _ = Posix.close(fd) }
            guard case .success = Posix.bind(fd, .ipv4(host: "127.0.0.1", port: 0)),
                  case .success(let a) = Posix.localAddress(fd), let port = a.port else { return nil }
            lock.lock()
            let fresh = given.insert(port).inserted
            lock.unlock()
            if fresh { return port }
        }
        return nil
    }
}

/// How a server program's start went.
enum Readiness {
    /// Listening on the port it was given, after this many seconds.
    case ready(Double)
    /// Ended before it listened.
    case exited(ExitStatus)
    /// Listening, but not where it was told to (another port, or an address 127.0.0.1 cannot reach).
    case elsewhere([SocketAddress])
    /// Still running at the deadline, listening nowhere.
    case neverListened
}

enum Launch {
    /// True when `a` answers connections sent to 127.0.0.1:`port`.
    static func reachable(_ a: SocketAddress, port: UInt16) -> Bool {
        guard a.port == port else { return false }
        switch a {
        case .ipv4(let h, _): return h == "127.0.0.1" || h == "0.0.0.0"
        case .ipv6(let h, _): return h == "::" || h == "::ffff:127.0.0.1"
        case .unix: return false
        }
    }

    /// Waits until the program listens on `port`, looking at the kernel's table of listening sockets
    /// with a short back-off (1 ms doubling to 20 ms) until the deadline; the waits end at once if
    /// the program exits. It never connects: a probe connection would be the first client of a
    /// server that serves only one.
    static func waitUntilListening(_ program: RunningProgram, port: UInt16, udp: Bool, deadline: MonotonicInstant) -> Readiness {
        var backoff = 0.001
        var rounds = 0
        while true {
            let listeners = ProcNet.listeners(udp: udp)
            if listeners.contains(where: { reachable($0.address, port: port) }) {
                return .ready(MonotonicInstant.now().seconds(since: program.started))
            }
            if let status = program.exitStatus { return .exited(status) }
            rounds += 1
            // Now and then (and at the deadline) look at what the program's processes listen on.
            let late = MonotonicInstant.now() >= deadline
            if (rounds >= 8 && rounds % 4 == 0) || late {
                let mine = ownListeners(program, in: listeners)
                if !mine.isEmpty {
                    // Give a program that opens several sockets a moment to open ours too.
                    if late || rounds > 12 { return .elsewhere(mine) }
                }
            }
            if late { return .neverListened }
            let next = MonotonicInstant.now().adding(seconds: backoff)
            program.waitForExit(until: min(next, deadline))
            backoff = min(backoff * 2, 0.02)
        }
    }

    /// The listening sockets that belong to the program's processes (found by socket inode).
    static func ownListeners(_ program: RunningProgram, in listeners: [ProcNet.Listener]) -> [SocketAddress] {
        var inodes: Set<UInt64> = []
        for pid in program.groupMembers { inodes.formUnion(Processes.socketInodes(of: pid)) }
        var seen: Set<SocketAddress> = []
        return listeners.filter { inodes.contains($0.inode) }.map(\.address).filter { seen.insert($0).inserted }
    }
}

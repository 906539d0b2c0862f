import Render
import Runner
import Sockets

extension CLI {
    /// Commands that run steps, and so get the private network (and its capture).
    static let networkCommands: [StaticString] = ["run", "learn", "shell", "grade", "verify"]

    /// Starts entering the process's private network for the commands that run steps. The
    /// `sockstep` executable calls it before main (Sources/sockstep/BeforeMain.swift) with the
    /// process's argc and argv, while the process has one thread (a user namespace needs that);
    /// the library used in-process (the tests) never enters it.
    public static func enterPrivateNetwork(_ argc: Int32, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>) {
        if wantsPrivateNetwork(argc, argv) { PrivateNetwork.begin() }
    }

    /// Whether this command line gets the private network: a command that runs steps, not its
    /// help. argv[0] is the program: the test runner (`….xctest`) links the `sockstep` module, so
    /// its constructor runs there too, with the runner's arguments (`swift test --filter run`
    /// passes `run`), and the tests must stay on the machine's network. On C strings, without a
    /// Swift String: the sooner the helper thread starts, the sooner the namespace is ready, and
    /// a process's first strings and arrays cost their code's first page faults (70-90 µs here).
    static func wantsPrivateNetwork(_ argc: Int32, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Bool {
        guard argc >= 2, let program = argv[0], let first = argv[1] else { return false }
        if CString.hasSuffix(program, ".xctest") { return false }
        guard networkCommands.contains(where: { CString.equal(first, $0) }) else { return false }
        for i in 2..<Int(argc) {
            if let a = argv[i], CString.equal(a, "--help") || CString.equal(a, "-h") { return false }
        }
        return true
    }

    /// The same decision for a command line given as strings (the tests ask it this way).
    static func wantsPrivateNetwork(program: String, _ arguments: [String]) -> Bool {
        CString.withArgumentVector([program] + arguments) { wantsPrivateNetwork($0, $1) }
    }

    nonisolated(unsafe) static var saidNetwork = false

    /// Once per process, when the private network was refused: what is not available and why.
    static func noteNetwork(_ io: IO) {
        guard !saidNetwork, let reason = PrivateNetwork.status.reason else { return }
        saidNetwork = true
        if reason.hasPrefix("turned off") { return }
        if PrivateNetwork.loopbackIsMissing {
            io.err("note: \(reason).\n"
                   + "      Steps that connect or send to those addresses fail (ENETUNREACH), and packets are not captured.\n"
                   + "      To run on the machine's own loopback instead: \(PrivateNetwork.environmentVariable)=off sockstep …\n")
            return
        }
        io.err("note: no private network for this run: \(reason).\n"
               + "      The steps run on the machine's loopback as usual, but packets are not captured:\n"
               + "      diagrams show the packets the calls imply, and `=> [FLAGS]` expectations are skipped.\n")
    }

    /// Why there is no capture, for `--pcap` and `--packets`.
    static var captureUnavailableReason: String? {
        switch PrivateNetwork.status {
        case .entered: return nil
        case .unavailable(let r): return r
        case .notTried: return "the capture needs the private network, which only the `sockstep` command enters"
        }
    }

    /// Checks that `path` can be written, before the run: nil when it can, else the message.
    static func pcapProblem(_ path: String) -> String? {
        if let why = captureUnavailableReason {
            return "--pcap needs the packet capture, which is not available here: \(why)"
        }
        if let e = Pcap.write([], to: path) {
            let why: String
            switch e {
            case .ENOENT, .ENOTDIR: why = "its folder does not exist"
            case .EACCES, .EPERM: why = "permission denied"
            case .EISDIR: why = "it is a folder"
            case .EROFS: why = "the file system is read-only"
            default: why = e.name
            }
            return "cannot write \(path): \(why)"
        }
        return nil
    }

    /// Writes every run's frames to one pcap file.
    static func writePcap(_ results: [RunResult], to path: String, io: IO) -> Bool {
        let frames = results.flatMap { $0.capture?.frames ?? [] }
        if let e = Pcap.write(Pcap.file(frames), to: path) {
            io.err("Error: cannot write \(path) (\(e.name))\n")
            return false
        }
        let cut = results.reduce(0) { $0 + ($1.capture?.cut ?? 0) + ($1.capture?.dropped ?? 0) }
        io.err("wrote \(path): \(frames.count) packet\(frames.count == 1 ? "" : "s")\(cut > 0 ? " (\(cut) more were not recorded: the capture is bounded)" : "") (read it with `tcpdump -r \(path)` or Wireshark)\n")
        return true
    }
}

/// Learn mode's and the shell's `p` key: the packets of the steps run so far, and the legend.
enum PacketsKey {
    static func text(_ events: [Event], style: Style, width: Int = 80) -> String {
        guard events.contains(where: { $0.packets != nil }) else {
            let why = CLI.captureUnavailableReason ?? "the capture was turned off"
            return style.dim("No packets were captured: \(why). The diagram (d) shows the packets the calls imply.") + "\n"
        }
        var out = ""
        for e in events {
            guard let packets = e.packets, !packets.isEmpty else { continue }
            out += style.bold("step \(e.index)") + "  " + e.step.source + "\n"
            out += PacketRendering.lines(packets, indent: "  ", style: style)
        }
        if out.isEmpty { out = "No step has sent a packet yet.\n" }
        // The legend's lines fit the terminal: each wraps under itself.
        let legend = PacketRendering.key.split(separator: "\n").map { Columns.wrap(String($0), width: max(40, width), indent: "  ") }.joined(separator: "\n")
        return out + style.dim(legend) + "\n"
    }
}

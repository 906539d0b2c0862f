import Foundation
import Testing

/// The private network and the capture, through the built `sockstep` binary (only the command
/// enters the namespace: main does it while the process has one thread).
@Suite("Private network and captured packets (the binary)")
struct PacketsEndToEndTests {
    static let lesson2 = packageRoot + "/lessons/02-first-tcp-conversation.md"
    static let lesson9 = packageRoot + "/lessons/09-closing-well.md"

    /// Whether this machine gives the binary its private network (CI does; some systems refuse it).
    static let available: Bool = {
        guard let r = try? Binary.run(["run", "--quiet", "--json", lesson2]) else { return false }
        return r.stdout.contains("\"packets\":[")
    }()

    static func skip() -> Bool {
        if available { return false }
        print("skipped: this system gives sockstep no private network (see `sockstep run --packets` for why)")
        return true
    }

    /// `skip()`, and also with one CPU, where no helper thread makes the namespace.
    static func skipWithoutHelper() -> Bool {
        if skip() { return true }
        if ProcessInfo.processInfo.activeProcessorCount > 1 { return false }
        print("skipped: one CPU, so no helper thread")
        return true
    }

    @Test("--packets shows the handshake under connect, data with its length, the FIN, the RST, a datagram and its ICMP error")
    func packetsShown() throws {
        guard !Self.skip() else { return }
        let r = try Binary.run(["run", "--packets", Self.lesson2])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("packets client → server  [SYN] seq=0 win=65495\n"))
        #expect(r.stdout.contains("server → client  [SYN, ACK] seq=0 ack=1 win="))
        #expect(r.stdout.contains("client → server  [ACK] seq=1 ack=1 win="))
        #expect(r.stdout.contains("client → conn  [PSH, ACK] seq=1 ack=1 win=65536 len=14"))
        #expect(r.stdout.contains("client → conn  [FIN, ACK] seq=15"))
        #expect(!r.stderr.contains("note:"))
        let nine = try Binary.run(["run", "--packets", Self.lesson9])
        #expect(nine.status == 0, "\(nine.stdout)")
        #expect(nine.stdout.contains("hasty → chatty  [RST, ACK]"))
        #expect(nine.words.contains("Captured on the wire: hasty → chatty [RST, ACK]. Your close sent a RST because 5 bytes were"))
        let seven = try Binary.run(["run", "--packets", packageRoot + "/lessons/07-connected-udp-and-icmp-errors.md"])
        #expect(seven.stdout.contains("probe → gone  UDP len=13\n               gone → probe  ICMP port unreachable"))
    }

    @Test("--ascii draws the arrow with ASCII; the terminal, SVG and HTML diagrams say their packets were captured")
    func asciiAndDiagram() throws {
        guard !Self.skip() else { return }
        let r = try Binary.run(["run", "--quiet", "--packets", "--ascii", "--diagram", Self.lesson2])
        #expect(r.stdout.contains("packets as captured on the run's own loopback"))
        let plain = try Binary.run(["run", "--packets", "--ascii", Self.lesson2])
        #expect(plain.stdout.contains("packets client -> server  [SYN] seq=0"))
        let page = TestScratch.root.appendingPathComponent("page-\(UUID().uuidString).html").path
        let html = try Binary.run(["run", "--quiet", "--html", page, Self.lesson2])
        #expect(html.status == 0)
        let text = try String(contentsOfFile: page, encoding: .utf8)
        #expect(text.contains("The packets are the ones captured on the run's own loopback."))
        #expect(text.contains("Packets as captured on the run's own loopback"))
    }

    @Test("--json carries each step's packets")
    func json() throws {
        guard !Self.skip() else { return }
        let r = try Binary.run(["run", "--json", Self.lesson2])
        let connect = try #require(r.stdout.split(separator: "\n").first { $0.contains("\"call\":\"connect\"") })
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(connect.utf8)) as? [String: Any])
        let packets = try #require(obj["packets"] as? [[String: Any]])
        #expect(packets.count == 3)
        #expect(packets[0]["from"] as? String == "client")
        #expect(packets[0]["to"] as? String == "server")
        #expect(packets[0]["flags"] as? [String] == ["SYN"])
        #expect(packets[0]["seq"] as? Int == 0)
        #expect(packets[1]["flags"] as? [String] == ["SYN", "ACK"])
        #expect(packets[1]["ack"] as? Int == 1)
        #expect((packets[0]["text"] as? String)?.hasPrefix("client → server  [SYN] seq=0 win=") == true)
    }

    @Test("--pcap writes a file tcpdump reads, with every packet of the run")
    func pcap() throws {
        guard !Self.skip() else { return }
        let file = TestScratch.root.appendingPathComponent("run-\(UUID().uuidString).pcap").path
        let r = try Binary.run(["run", "--quiet", "--pcap", file, Self.lesson2])
        #expect(r.status == 0)
        let said = try #require(r.stderr.split(separator: "\n").first { $0.hasPrefix("wrote \(file): ") })
        let count = try #require(Int(said.dropFirst("wrote \(file): ".count).prefix(while: \.isNumber)))
        #expect(count >= 10)
        guard let tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/sbin/tcpdump"].first(where: FileManager.default.isExecutableFile) else {
            print("skipped: tcpdump is not installed (CI installs it: see .ci/run)")
            return
        }
        let t = try Tool.run(tcpdump, ["-n", "-r", file])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stderr.contains("link-type EN10MB"))
        let lines = t.stdout.split(separator: "\n")
        #expect(lines.count == count)
        #expect(lines.first?.contains("Flags [S], seq") == true)
        #expect(lines.contains { $0.contains("Flags [P.]") && $0.contains("length 14") })
    }

    @Test("bad --pcap: a folder that does not exist, a folder, a lesson given as the file, no value: clear messages")
    func badPcap() throws {
        let missing = try Binary.run(["run", "--pcap", "/nonexistent-sockstep/run.pcap", Self.lesson2])
        if Self.available {
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("Error: cannot write /nonexistent-sockstep/run.pcap: its folder does not exist"))
            #expect(missing.stderr.contains("help: give a path in a folder you can write to"))
        }
        #expect(missing.stdout.isEmpty)
        let folder = try Binary.run(["run", "--pcap", TestScratch.root.path, Self.lesson2])
        if Self.available {
            #expect(folder.status == 2)
            #expect(folder.stderr.contains("Error: cannot write \(TestScratch.root.path): it is a folder"))
        }
        let noValue = try Binary.run(["run", Self.lesson2, "--pcap"])
        #expect(noValue.status == 64)
        let lesson = try Binary.run(["run", "--pcap", Self.lesson2])
        #expect(lesson.status == 64)
        #expect(lesson.stderr.contains("--pcap takes the file to write"))
    }

    @Test("refused (simulated): every step works as before, the output says once why, => is skipped, --pcap is refused")
    func refused() throws {
        let env = ["SOCKSTEP_NETNS": "refuse"]
        let r = try Binary.run(["run", "--packets", Self.lesson2, Self.lesson9], environment: env)
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stderr.components(separatedBy: "note: no private network for this run").count == 2)
        #expect(r.stderr.contains("the kernel refused a private network namespace (simulated by SOCKSTEP_NETNS=refuse)"))
        #expect(!r.stdout.contains("[SYN] seq="))
        #expect(r.words.contains("`=> [SYN] [SYN, ACK] [ACK]` was not checked, because the packets are not captured here"))
        #expect(r.stdout.contains("`=> [RST]` was not checked"))
        let d = try Binary.run(["run", "--quiet", "--diagram", Self.lesson2], environment: env)
        #expect(d.stdout.contains("SYN-ACK"))
        #expect(!d.stdout.contains("packets as captured"))
        #expect(d.stdout.contains("      packets inferred from the calls, not captured: the kernel refused a\n      private network namespace (simulated by SOCKSTEP_NETNS=refuse)\n"))
        let json = try Binary.run(["run", "--json", Self.lesson2], environment: env)
        #expect(!json.stdout.contains("\"packets\""))
        let pcap = try Binary.run(["run", "--pcap", TestScratch.root.appendingPathComponent("x.pcap").path, Self.lesson2], environment: env)
        #expect(pcap.status == 2)
        #expect(pcap.stderr.contains("Error: --pcap needs the packet capture, which is not available here: the kernel refused"))
        #expect(pcap.stderr.contains("help: run without --pcap"))
        // Turned off on purpose: silent.
        let off = try Binary.run(["run", "--quiet", Self.lesson2], environment: ["SOCKSTEP_NETNS": "off"])
        #expect(off.status == 0)
        #expect(off.stderr.isEmpty)
    }

    /// setpriv's arguments that run the built binary as the user nobody.
    static let asNobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", Binary.path]

    /// setpriv, to run the binary with fewer rights: nil (the test skipped, saying why) unless the
    /// tests run as root and setpriv is installed.
    static func setpriv(toSkipUnlessRoot what: String) -> String? {
        guard getuid() == 0, let path = ["/usr/bin/setpriv", "/bin/setpriv"].first(where: FileManager.default.isExecutableFile) else {
            print("skipped: needs root and setpriv to \(what)")
            return nil
        }
        return path
    }

    @Test("an unprivileged user gets the private network too (uid/gid maps), when run as root to switch to nobody")
    func unprivileged() throws {
        guard !Self.skip(), let setpriv = Self.setpriv(toSkipUnlessRoot: "run the binary as nobody") else { return }
        let t = try Tool.run(setpriv, Self.asNobody + ["run", "--packets", Self.lesson2])
        guard !t.stderr.contains("Permission denied") else {
            print("skipped: nobody cannot read the build folder")
            return
        }
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout.contains("packets client → server  [SYN] seq=0"))
        #expect(!t.stderr.contains("note:"))
        // A folder nobody may write to: said before the run, exit 2.
        let denied = TestScratch.root.appendingPathComponent("denied-\(UUID().uuidString).pcap").path
        let d = try Tool.run(setpriv, Self.asNobody + ["run", "--pcap", denied, Self.lesson2])
        #expect(d.status == 2)
        #expect(d.stderr.contains("Error: cannot write \(denied): permission denied"))
    }

    @Test("the capture's raw sockets refused (root without CAP_NET_RAW): every step works, => is skipped with why")
    func rawSocketsRefused() throws {
        guard !Self.skip(), let setpriv = Self.setpriv(toSkipUnlessRoot: "take CAP_NET_RAW away") else { return }
        // Root enters its network namespace without a user namespace, so it keeps only the capabilities it had.
        let t = try Tool.run(setpriv, ["--bounding-set=-net_raw", "--inh-caps=-net_raw", Binary.path, "run", "--packets", Self.lesson2])
        #expect(t.status == 0, "\(t.stdout)\(t.stderr)")
        #expect(!t.stdout.contains("[SYN] seq="))
        #expect(t.words.contains("`=> [SYN] [SYN, ACK] [ACK]` was not checked, because the packets are not captured here: a raw socket on the loopback was refused (EPERM)."))
    }

    @Test("an unprivileged user keeps their own rights in the private network: port 80 is refused to a step and to a graded program")
    func unprivilegedRights() throws {
        guard !Self.skip(), let setpriv = Self.setpriv(toSkipUnlessRoot: "run the binary as nobody") else { return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            print("skipped: needs /usr/bin/python3 (the user nobody may not run another user's pyenv)")
            return
        }
        // A folder the user nobody may read, with a lesson and a server.
        let dir = TestScratch.root.appendingPathComponent("rights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: TestScratch.root.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        let lesson = dir.appendingPathComponent("port80.md").path
        try """
        ```steps
        s = socket(AF_INET, SOCK_STREAM)
        s.bind(("127.0.0.1", 80)) -> EACCES
        ```
        """.write(toFile: lesson, atomically: true, encoding: .utf8)
        let t = try Tool.run(setpriv, Self.asNobody + ["run", lesson])
        guard !t.stderr.contains("Permission denied") else {
            print("skipped: nobody cannot read the build folder")
            return
        }
        guard !t.stderr.contains("note: no private network") else {
            print("skipped: this system gives nobody no private network: \(t.stderr)")
            return
        }
        #expect(t.status == 0, "\(t.stdout)\(t.stderr)")
        #expect(t.stdout.contains("Ports below 1024 are privileged"))
        #expect(!t.stderr.contains("note:"), "in the private network")
        // A graded echo server that quits if it can bind port 80 (or runs as root): it passes only
        // as the ordinary process it would be without sockstep.
        let server = dir.appendingPathComponent("server.py").path
        try """
        import os, socket
        if os.getuid() == 0:
            raise SystemExit("runs as root")
        probe = socket.socket()
        try:
            probe.bind(("127.0.0.1", 80))
            raise SystemExit("bound port 80")
        except PermissionError:
            probe.close()
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", int(os.environ["PORT"])))
        srv.listen()
        while True:
            c, _ = srv.accept()
            while data := c.recv(4096):
                c.sendall(data)
            c.close()
        """.write(toFile: server, atomically: true, encoding: .utf8)
        let g = try Tool.run(setpriv, Self.asNobody + ["grade", packageRoot + "/scenarios/exercises/echo-server.md", "--", "/usr/bin/python3", server])
        #expect(g.status == 0, "\(g.stdout)\(g.stderr)")
        #expect(g.stdout.contains("Score: 9/9 points (100%). Passed."), "\(g.stdout)")
    }

    @Test("root without CAP_SYS_ADMIN (as in a container) gets the private network through a user namespace")
    func rootWithoutSysAdmin() throws {
        guard !Self.skip(), let setpriv = Self.setpriv(toSkipUnlessRoot: "take CAP_SYS_ADMIN away") else { return }
        let t = try Tool.run(setpriv, ["--bounding-set=-sys_admin", "--inh-caps=-sys_admin", Binary.path, "run", "--packets", Self.lesson2])
        guard !t.stderr.contains("note: no private network") else {
            print("skipped: this system gives root without CAP_SYS_ADMIN no user namespace: \(t.stderr)")
            return
        }
        #expect(t.status == 0, "\(t.stdout)\(t.stderr)")
        #expect(t.stdout.contains("packets client → server  [SYN] seq=0"), "captured: the namespace was entered")
        #expect(!t.stderr.contains("note:"))
    }

    /// The system calls of one run, as `strace -f` wrote them, and the main thread's id (the first
    /// line's); nil (the test skipped, saying why) without strace.
    static func traced(_ prefix: [String], _ arguments: [String], calls: String = "execve,unshare,setns,socket",
                       straceOptions: [String] = []) throws -> (lines: [String], main: String, output: Binary.Output)? {
        guard let strace = ["/usr/bin/strace", "/bin/strace"].first(where: FileManager.default.isExecutableFile) else {
            print("skipped: needs strace to see which thread makes the namespace")
            return nil
        }
        let file = TestScratch.rootPath + "strace-\(UUID().uuidString).txt"
        let command = prefix + [strace, "-f", "-e", "trace=" + calls] + straceOptions + ["-o", file, Binary.path] + arguments
        let r = try Tool.run(command[0], Array(command.dropFirst()))
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        return (lines, lines.first.map(thread) ?? "", r)
    }

    /// The id of the thread a line of `strace -f` is about (strace pads it: `6197  ioctl(`).
    static func thread(_ line: String) -> String { String(line.prefix { $0 != " " }) }

    /// Whether `line` is one of `thread`'s.
    static func line(_ line: String, isBy thread: String) -> Bool { Self.thread(line) == thread }

    /// The line at which the call on line `i` returned: strace splits a call that another
    /// thread's call interrupts into `… <unfinished ...>` and, later, `<... NAME resumed> … = N`.
    static func returned(_ lines: [String], at i: Int) -> (index: Int, line: String)? {
        guard lines[i].hasSuffix("<unfinished ...>") else { return (i, lines[i]) }
        let by = thread(lines[i])
        let name = lines[i].dropFirst(by.count).drop { $0 == " " }.prefix { $0 != "(" }
        guard let j = lines[(i + 1)...].firstIndex(where: { line($0, isBy: by) && $0.contains("<... \(name) resumed>") }) else { return nil }
        return (j, lines[j])
    }

    @Test("the namespace is made on a helper thread while the lesson is read; the main thread enters it before its first socket")
    func helperMakesTheNamespace() throws {
        guard !Self.skipWithoutHelper() else { return }
        guard let t = try Self.traced([], ["run", "--packets", Self.lesson2]) else { return }
        #expect(t.output.status == 0, "\(t.output.stderr)")
        #expect(t.output.stdout.contains("packets client → server  [SYN] seq=0"), "captured: the main thread is in the namespace")
        let unshare = t.lines.first { $0.contains("unshare(CLONE_NEWNET") }
        let helper = unshare.map(Self.thread)
        #expect(helper != nil && helper != t.main, "another thread unshares: \(t.lines.prefix(6))")
        let enter = t.lines.indices.first { i in
            Self.line(t.lines[i], isBy: t.main) && t.lines[i].contains("setns(") && Self.returned(t.lines, at: i)?.line.hasSuffix("= 0") == true
        }
        let firstSocket = t.lines.firstIndex { Self.line($0, isBy: t.main) && $0.contains("socket(") }
        #expect(enter != nil, "the main thread enters the helper's namespace")
        if let enter, let firstSocket { #expect(enter < firstSocket, "no socket of the main thread before it is in the namespace") }
    }

    @Test("the helper hands over its namespace before it brings lo up, and the main thread's first socket waits until lo is up, however slowly it comes up")
    func firstSocketWaitsForLoopback() throws {
        guard !Self.skipWithoutHelper() else { return }
        // strace holds each thread's second socket() for 0.4 s: the helper's is the one it brings
        // lo up with (its first asks for arrival stamps), so lo comes up late; the main thread's is
        // the capture's first raw socket (its first is if_nametoindex's), after it has waited. The
        // order cannot be wrong when the main thread waits (it sees lo up only after the helper's
        // ioctl returned); a main thread made not to wait failed this test in 4 runs of 5.
        guard let t = try Self.traced([], ["run", "--packets", Self.lesson2], calls: "execve,unshare,setns,socket,openat,ioctl",
                                      straceOptions: ["-e", "inject=socket:delay_exit=400000:when=2"]) else { return }
        #expect(t.output.status == 0, "\(t.output.stderr)")
        #expect(t.output.stdout.contains("packets client → server  [SYN] seq=0"), "captured")
        guard let unshare = t.lines.first(where: { $0.contains("unshare(CLONE_NEWNET") }) else {
            Issue.record("no unshare: \(t.lines.prefix(8))")
            return
        }
        let helper = Self.thread(unshare)
        #expect(helper != t.main, "another thread unshares")
        let handedOver = t.lines.firstIndex { Self.line($0, isBy: helper) && $0.contains("/proc/thread-self/ns/net") }
        let upAsked = t.lines.firstIndex { Self.line($0, isBy: helper) && $0.contains("SIOCSIFFLAGS") }
        let upDone = upAsked.flatMap { Self.returned(t.lines, at: $0)?.index }
        let entered = t.lines.firstIndex { Self.line($0, isBy: t.main) && $0.contains("setns(") }
        let firstSocket = entered.flatMap { e in t.lines[(e + 1)...].firstIndex { Self.line($0, isBy: t.main) && $0.contains("socket(") } }
        #expect(handedOver != nil && upAsked != nil && upDone != nil && entered != nil && firstSocket != nil, "\(t.lines.prefix(30))")
        if let handedOver, let upAsked { #expect(handedOver < upAsked, "the namespace is handed over first") }
        if let upDone, let firstSocket { #expect(upDone < firstSocket, "lo is up before the main thread's first socket: \(t.lines.prefix(40))") }
    }

    /// The packets' `time_ms` in the order `run --json` printed them.
    static func packetTimes(_ json: String) -> [Double] {
        json.components(separatedBy: "\"time_ms\":").dropFirst().compactMap { Double($0.prefix { "-0123456789.".contains($0) }) }
    }

    /// That a probe of `ArrivalStamps` came back stamped (its recvmsg returned with SO_TIMESTAMPNS)
    /// before the capture's first raw socket was opened.
    static func expectStampsConfirmedBeforeTheCapture(_ lines: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let probe = lines.indices.first { lines[$0].contains("recvmsg(") && returned(lines, at: $0)?.line.contains("SO_TIMESTAMPNS") == true }
        let confirmed = probe.flatMap { returned(lines, at: $0)?.index }
        let firstRaw = lines.firstIndex { $0.contains("socket(") && $0.contains("SOCK_RAW") }
        #expect(confirmed != nil && firstRaw != nil, "\(lines.prefix(30))", sourceLocation: sourceLocation)
        if let confirmed, let firstRaw {
            #expect(confirmed < firstRaw, "the stamp came back before the capture's first socket: \(lines.prefix(30))", sourceLocation: sourceLocation)
        }
    }

    @Test("the capture's first socket waits until the kernel stamps packets as they arrive, however late that is confirmed")
    func captureWaitsForArrivalStamps() throws {
        guard !Self.skipWithoutHelper() else { return }
        // strace holds each thread's first sendto() for 0.1 s (less than the capture's patience):
        // the helper's is the datagram that confirms arrival stamps (see ArrivalStamps), so the
        // confirmation comes late, or the main thread's own, which it sends should the helper's
        // come back stamped as read. A capture opened before the confirmation could stamp its
        // first packets as it reads them, and merge its queues in the order of the reads.
        guard let t = try Self.traced([], ["run", "--json", Self.lesson2], calls: "execve,unshare,setns,socket,sendto,recvmsg",
                                      straceOptions: ["-e", "inject=sendto:delay_exit=100000:when=1"]) else { return }
        #expect(t.output.status == 0, "\(t.output.stderr)")
        Self.expectStampsConfirmedBeforeTheCapture(t.lines)
        let times = Self.packetTimes(t.output.stdout)
        #expect(times.count >= 10 && zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "\(times)")
    }

    @Test("the machine's own loopback down (unshare -n): arrival stamps are confirmed on the private network's instead")
    func stampsWithoutTheMachinesLoopback() throws {
        guard !Self.skipWithoutHelper() else { return }
        guard getuid() == 0, let unshare = ["/usr/bin/unshare", "/bin/unshare"].first(where: FileManager.default.isExecutableFile) else {
            print("skipped: needs root and unshare to make a network without loopback")
            return
        }
        // In a network namespace of its own, lo down: the helper's first socket for stamps cannot
        // reach itself there, so one in the private network confirms them.
        guard let t = try Self.traced([unshare, "-n"], ["run", "--json", Self.lesson2], calls: "execve,socket,connect,sendto,recvmsg") else { return }
        #expect(t.output.status == 0, "\(t.output.stderr)")
        #expect(t.lines.contains { $0.contains("connect(") && $0.contains("127.0.0.1") && $0.contains("ENETUNREACH") }, "the machine's loopback is down: \(t.lines.prefix(20))")
        Self.expectStampsConfirmedBeforeTheCapture(t.lines)
        #expect(t.output.stdout.contains("\"flags\":[\"SYN\"]"), "captured")
    }

    @Test("with room for few descriptors (ulimit -n 50), the socket for arrival stamps is not opened where it would renumber a run's sockets")
    func fewDescriptors() throws {
        guard !Self.skipWithoutHelper() else { return }
        // At this limit the descriptors kept out of a run's way would go low (from 3): the helper
        // asks for stamps only where it can stay out of the way, so a run without a capture numbers
        // its sockets 3, 4, 5, … as usual (the socket for stamps, moved "above" 3, took one of them).
        let r = try Tool.run("/bin/sh", ["-c", "ulimit -n 50 && exec \"$0\" run \"$1\"", Binary.path, packageRoot + "/lessons/01-sockets-addresses-ports.md"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let numbers = r.stdout.components(separatedBy: "(descriptor ").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        #expect(numbers == Array(3..<(3 + numbers.count)) && numbers.count >= 6, "\(numbers)")
    }

    @Test("lo refused in the private network: the note says that nothing reaches the loopback, and how to run without it")
    func loopbackRefused() throws {
        guard !Self.skipWithoutHelper() else { return }
        // strace fails each thread's second ioctl with EPERM: the helper's is SIOCSIFFLAGS (lo up).
        guard let t = try Self.traced([], ["run", "--quiet", Self.lesson2], calls: "ioctl",
                                      straceOptions: ["-e", "inject=ioctl:error=EPERM:when=2"]) else { return }
        #expect(t.output.status == 1, "a step that connects fails: \(t.output.stdout)")
        #expect(t.output.stderr.contains("note: the private network's loopback could not be brought up (EPERM), so nothing in this run can reach 127.0.0.1 or ::1.\n"), "\(t.output.stderr)")
        #expect(t.output.stderr.contains("SOCKSTEP_NETNS=off sockstep"), "\(t.output.stderr)")
        #expect(!t.output.stderr.contains("as usual"), "the steps do not run on the machine's loopback: \(t.output.stderr)")
        #expect(t.output.stdout.contains("ENETUNREACH"), "\(t.output.stdout)")
    }

    @Test("with one CPU there is no helper: the main thread makes the namespace itself, and packets are captured")
    func oneCPU() throws {
        guard !Self.skip() else { return }
        guard let taskset = ["/usr/bin/taskset", "/bin/taskset"].first(where: FileManager.default.isExecutableFile) else {
            print("skipped: needs taskset to give the binary one CPU")
            return
        }
        guard let t = try Self.traced([taskset, "-c", "0"], ["run", "--packets", Self.lesson2]) else { return }
        #expect(t.output.status == 0, "\(t.output.stderr)")
        #expect(t.output.stdout.contains("packets client → server  [SYN] seq=0"))
        #expect(!t.output.stderr.contains("note:"))
        #expect(t.lines.contains { Self.line($0, isBy: t.main) && $0.contains("unshare(CLONE_NEWNET)") && $0.hasSuffix("= 0") }, "\(t.lines.prefix(8))")
        #expect(!t.lines.contains { $0.contains("setns(") })
    }

    @Test("--quiet still captures where a `=>` expectation decides the verdict: a wrong one fails")
    func quietStillChecksPackets() throws {
        guard !Self.skip() else { return }
        let file = TestScratch.rootPath + "quiet-packets.md"
        try """
        ```steps
        server = socket(AF_INET, SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        client = socket(AF_INET, SOCK_STREAM)
        client.connect(server.address)  => [RST]
        ```
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try Binary.run(["run", "--quiet", file])
        #expect(r.status == 1, "the handshake is not a RST: \(r.stdout)\(r.stderr)")
        try """
        ```steps
        server = socket(AF_INET, SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        client = socket(AF_INET, SOCK_STREAM)
        client.connect(server.address)  => [SYN] [SYN, ACK] [ACK]
        ```
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let ok = try Binary.run(["run", "--quiet", file])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
    }

    @Test("packets are stamped when they arrived: a run's times never go backwards, the first SYN included")
    func timesInOrder() throws {
        guard !Self.skip() else { return }
        // The first frame of a process used to get the time it was read, after the later ones.
        let r = try Binary.run(["run", "--json", Self.lesson2])
        #expect(r.status == 0)
        let times = Self.packetTimes(r.stdout)
        #expect(times.count >= 10, "\(r.stdout)")
        #expect(times.first == 0)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "times out of order: \(times)")
    }

    @Test("runs in parallel are independent: each in its own network, each with its own packets")
    func parallel() async throws {
        guard !Self.skip() else { return }
        let outputs = try await withThrowingTaskGroup(of: Binary.Output.self) { group in
            for _ in 0..<3 { group.addTask { try Binary.run(["run", "--json", Self.lesson2]) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // A pure ACK may be delayed by the kernel (up to 40 ms after a FIN) and land in a later step
        // or after the run: only the packets that the calls themselves send are the same every run.
        let counts = outputs.map { $0.stdout.components(separatedBy: "\"from\":").count - $0.stdout.components(separatedBy: "\"flags\":[\"ACK\"]").count }
        for o in outputs { #expect(o.status == 0) }
        #expect(Set(counts).count == 1, "the same lesson captured different packets: \(counts)")
    }

    @Test("learn: the p key lists the packets of the steps so far and what their flags mean; --packets shows them under each step")
    func learnKey() throws {
        guard !Self.skip() else { return }
        let state = TestScratch.root.appendingPathComponent("state-\(UUID().uuidString)").path
        let env = ["SOCKSTEP_LESSONS": packageRoot + "/lessons", "XDG_STATE_HOME": state, "NO_COLOR": "1"]
        // Lesson 2's first seven steps end with connect: then p.
        let r = try Binary.run(["learn", "2"], environment: env, stdin: String(repeating: "\n", count: 8) + "p\nq\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("step 7  client.connect(server.address)"))
        #expect(r.stdout.contains("  packets client → server  [SYN] seq=0 win=65495"))
        #expect(r.stdout.contains("[SYN] asks to open a connection"))
        #expect(r.stdout.contains("p packets"))
        let shown = try Binary.run(["learn", "--packets", "2"], environment: env.merging(["XDG_STATE_HOME": state + "2"]) { $1 },
                                   stdin: String(repeating: "\n", count: 8) + "q\n")
        #expect(shown.stdout.contains("       packets client → server  [SYN] seq=0 win=65495"))
    }

    @Test("shell: :packets after a connect, and --packets under each step; refused, :packets says why")
    func shellPackets() throws {
        guard !Self.skip() else { return }
        let steps = "s = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", 0))\ns.listen(1)\nc = socket(AF_INET, SOCK_STREAM)\nc.connect(s.address)\n"
        let r = try Binary.run(["shell"], environment: ["NO_COLOR": "1"], stdin: steps + ":packets\n:quit\n")
        #expect(r.stdout.contains("step 5  c.connect(s.address)\n  packets c → s  [SYN] seq=0 win=65495"))
        // The legend fits 80 columns (it had lines of 92), each line wrapping under itself.
        #expect(r.stdout.contains("[SYN] asks to open a connection"))
        #expect(linesOver(80, r.stdout).isEmpty, "\(linesOver(80, r.stdout))")
        #expect(r.words.contains("win is the room left in the receiver's buffer"))
        let shown = try Binary.run(["shell", "--packets"], environment: ["NO_COLOR": "1"], stdin: steps)
        #expect(shown.stdout.contains("       packets c → s  [SYN] seq=0 win=65495"))
        // :save puts the value before the packets: `c.recv(10) -> b'x'  => [ACK]` is a lesson that runs.
        let saved = TestScratch.root.appendingPathComponent("saved-\(UUID().uuidString).md").path
        let typed = steps + "a, _ = s.accept()\nc.send(b\"x\")  => [PSH, ACK]\na.recv(10)  => none\n:save \(saved)\n"
        _ = try Binary.run(["shell"], environment: ["NO_COLOR": "1"], stdin: typed)
        let lesson = try String(contentsOfFile: saved, encoding: .utf8)
        #expect(lesson.contains("a.recv(10)  -> b'x'  => none"))
        let replay = try Binary.run(["run", "--quiet", saved])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        let refused = try Binary.run(["shell"], environment: ["NO_COLOR": "1", "SOCKSTEP_NETNS": "refuse"], stdin: steps + ":packets\n")
        #expect(refused.stdout.contains("No packets were captured: the kernel refused a private network namespace"))
        #expect(refused.stderr.contains("note: no private network for this run"))
    }

    @Test("a graded program runs in the grader's private network (and its packets are there)",
          .enabled(if: GradeHTMLTests.hasPython, "python3 is not installed: the graded program is the exercise's Python solution"))
    func gradedProgramInherits() throws {
        guard !Self.skip() else { return }
        let hostNetwork = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        let seen = TestScratch.root.appendingPathComponent("netns-\(UUID().uuidString)").path
        let server = packageRoot + "/scenarios/exercises/solutions/echo-server/reads-once.py"
        let r = try Binary.run(["grade", "--format", "json", packageRoot + "/scenarios/exercises/echo-server.md", "--",
                                "sh", "-c", "readlink /proc/self/ns/net > \(seen); exec python3 \(server)"])
        #expect(r.status == 1)
        let programNetwork = try String(contentsOfFile: seen, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(programNetwork.hasPrefix("net:["))
        #expect(programNetwork != hostNetwork)
        // The failed check carries its packets in the JSON report.
        #expect(r.stdout.contains("\"packets\""))
        #expect(r.stdout.contains("program → c  [FIN, ACK]"))
        let text = try Binary.run(["grade", packageRoot + "/scenarios/exercises/echo-server.md", "--", "python3", server])
        #expect(text.stdout.contains("packets of this check, as captured:\n      c → program  [SYN] seq=0"))
    }
}

/// Runs another program (tcpdump, setpriv) and collects what it printed.
enum Tool {
    static func run(_ executable: String, _ arguments: [String]) throws -> Binary.Output {
        try Binary.run(arguments, executable: executable)
    }
}

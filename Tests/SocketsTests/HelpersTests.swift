import Testing
import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// The small helpers that replace Foundation in the product: paths, printf numbers, threads, locks.
@Suite("Sockets: helpers that replace Foundation")
struct HelpersTests {
    @Test("path components as NSString's path methods give them", arguments: [
        ("lessons/02-first.md", "02-first.md", "lessons", "md", "lessons/02-first"),
        ("/a/b/", "b", "/a", "", "/a/b"),
        ("file", "file", "", "", "file"),
        ("/", "/", "/", "", "/"),
        ("/top", "top", "/", "", "/top"),
        ("dir/.hidden", ".hidden", "dir", "", "dir/.hidden"),
        ("a.tar.gz", "a.tar.gz", "", "gz", "a.tar"),
    ])
    func components(_ path: String, _ last: String, _ parent: String, _ ext: String, _ noExt: String) {
        #expect(Path.lastComponent(path) == last)
        #expect(Path.deletingLastComponent(path) == parent)
        #expect(Path.extension(path) == ext)
        #expect(Path.deletingExtension(path) == noExt)
    }

    @Test("C strings compared without a Swift String: whole, by suffix, as an argument vector")
    func cStrings() {
        let argv = ["sockstep", "run", "", "lesson.md", "a.xctest"]
        let seen = CString.withArgumentVector(argv) { argc, v -> [Bool] in
            #expect(argc == 5)
            #expect(v[5] == nil, "terminated like argv")
            return [CString.equal(v[1]!, "run"), CString.equal(v[1]!, "ru"), CString.equal(v[1]!, "runs"),
                    CString.equal(v[2]!, ""), CString.equal(v[0]!, "run"),
                    CString.hasSuffix(v[4]!, ".xctest"), CString.hasSuffix(v[3]!, ".xctest"),
                    CString.hasSuffix(v[1]!, "a.xctest"), CString.hasSuffix(v[3]!, ""), CString.hasSuffix(v[3]!, "lesson.md")]
        }
        #expect(seen == [true, false, false, true, false, true, false, false, true, true])
    }

    @Test("joining and standardizing paths", arguments: [
        ("a", "b", "a/b"), ("a/", "b", "a/b"), ("", "b", "b"), ("a", "", "a"), ("/", "b", "/b"), ("a", "/b", "a/b"),
    ])
    func join(_ base: String, _ component: String, _ expected: String) {
        #expect(Path.join(base, component) == expected)
    }

    @Test("standardized removes . and .. as text", arguments: [
        ("a/./b/../c", "a/c"), ("/x/../../y", "/y"), ("../a", "../a"), ("a/..", "."), ("/a//b/", "/a/b"),
    ])
    func standardized(_ path: String, _ expected: String) {
        #expect(Path.standardized(path) == expected)
    }

    @Test("numbers with fixed decimals, rounded as printf rounds", arguments: [
        (1.5, 2, "1.50"), (0.0004, 3, "0.000"), (2.5, 0, "2"), (-0.25, 1, "-0.2"), (1234.5678, 1, "1234.6"),
        (1.005, 2, "1.00"), (1e20, 1, "100000000000000000000.0"),
    ])
    func fixed(_ v: Double, _ digits: Int, _ expected: String) {
        #expect(Format.fixed(v, digits) == expected)
    }

    @Test("huge numbers are written whole, not cut at the buffer")
    func huge() {
        let s = Format.fixed(1e300, 2)
        #expect(s.count == 304)
        #expect(s.hasPrefix("1000000000000000052504760"))   // as C's and Python's %.2f print it
        #expect(s.hasSuffix(".00"))
    }

    @Test("zero padding", arguments: [(7, 2, "07"), (123, 2, "123"), (-5, 3, "-005"), (0, 1, "0")])
    func zeroPadded(_ v: Int, _ width: Int, _ expected: String) {
        #expect(Format.zeroPadded(v, width) == expected)
    }

    @Test("threads run their work and a semaphore waits for them")
    func threadsAndSemaphore() {
        let done = Semaphore()
        let lock = Lock()
        nonisolated(unsafe) var total = 0
        for i in 1...8 {
            #expect(Threads.start(name: "sockstep-test-\(i)") {
                for _ in 0..<1000 { lock.withLock { total += 1 } }
                done.signal()
            })
        }
        for _ in 1...8 { done.wait() }
        #expect(lock.withLock { total } == 8000)
    }

    @Test("a semaphore nobody signals times out, one signalled earlier does not wait")
    func semaphoreTimeout() {
        let s = Semaphore()
        let start = MonotonicInstant.now()
        #expect(s.wait(seconds: 0.05) == false)
        #expect(MonotonicInstant.now().seconds(since: start) >= 0.045)
        s.signal()
        #expect(s.wait(seconds: 5))
    }
}

@Suite("Sockets: the environment without Foundation")
struct EnvironmentTests {
    @Test("every variable of environ, split at the first =")
    func environment() {
        let env = Console.environment()
        #expect(env["PATH"] != nil)
        // Every name getenv knows has the same value here.
        for name in ["PATH", "HOME", "TMPDIR", "LANG"] {
            let c = getenv(name).map { String(cString: $0) }
            #expect(env[name] == c)
        }
    }
}

/// Addresses as text are formatted by hand; inet_ntop is the reference.
@Suite("address text")
struct AddressTextTests {
    static func ntop4(_ a: UInt32) -> String {
        var addr = in_addr(s_addr: a.bigEndian)
        var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        _ = inet_ntop(AF_INET, &addr, &buf, socklen_t(buf.count))
        return text(buf)
    }

    static func text(_ buf: [CChar]) -> String {
        String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test("IPv4 as inet_ntop writes it: every octet width, the edges, and a spread of others")
    func ipv4() {
        var values: [UInt32] = [0, 1, 0x7F00_0001, 0xFFFF_FFFF, 0x0A00_0009, 0x6463_0A00, 0xC0A8_0101, 0x0909_6464, 0xE000_00FB]
        var x: UInt32 = 0x1234_5678
        for _ in 0..<2000 { x = x &* 1_664_525 &+ 1_013_904_223; values.append(x) }
        for v in values { #expect(SocketAddress.dottedQuad(v) == Self.ntop4(v), "0x\(String(v, radix: 16))") }
    }

    @Test("IPv6 as inet_ntop writes it, with :: and ::1 taken without formatting", arguments: ["::", "::1", "::2", "1::", "::ffff:127.0.0.1", "fe80::1", "2001:db8::ff00:42:8329", "::100"])
    func ipv6(text: String) {
        var a = in6_addr()
        #expect(inet_pton(AF_INET6, text, &a) == 1)
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count))
        #expect(SocketAddress.ipv6Text(a) == Self.text(buf))
    }

    @Test("a real socket's bound address reads back as text")
    func real() throws {
        let fd = try Posix.socket(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue), proto: 0).get()
        defer { _ = Posix.close(fd) }
        _ = try Posix.bind(fd, .ipv4(host: "127.0.0.1", port: 0)).get()
        guard case .ipv4(let host, let port) = try Posix.localAddress(fd).get() else { Issue.record("not IPv4"); return }
        #expect(host == "127.0.0.1")
        #expect(port != 0)
    }
}

@Suite("joined")
struct JoinedTests {
    @Test("[String] and ArraySlice<String> joined are the standard library's, element for element", arguments: [
        [], [""], ["a"], ["a", "b"], ["", ""], ["é", "\u{301}", "☕️"], ["x", "", "y", ""],
    ] as [[String]])
    func same(parts: [String]) {
        for separator in ["", ", ", "\n", "\u{301}"] {
            // A sequence that is no collection takes the standard library's version: the reference.
            let reference = AnySequence(parts).joined(separator: separator)
            #expect(parts.joined(separator: separator) == reference)
            #expect(parts[...].joined(separator: separator) == reference)
            #expect(parts.dropFirst().joined(separator: separator) == AnySequence(parts.dropFirst()).joined(separator: separator))
        }
        #expect(parts.joined() == AnySequence(parts).joined())
    }

    @Test("Files: what a path names, and a file's bytes, without FileManager (missing, folder, link, empty, large, /proc)")
    func files() throws {
        let dir = try #require(TempDirectory.make(prefix: "sockstep-files-"))
        defer { TempDirectory.remove(dir) }
        let file = Path.join(dir, "lesson.md"), empty = Path.join(dir, "empty.md"), large = Path.join(dir, "large.md")
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        func write(_ path: String, _ data: [UInt8]) {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        write(file, Array("# A lesson\n".utf8))
        write(empty, [])
        write(large, bytes)
        _ = symlink(dir, Path.join(dir, "link"))

        #expect(Files.kind(Path.join(dir, "missing.md")) == nil)
        #expect(Files.kind(dir) == .directory)
        #expect(Files.kind(Path.join(dir, "link")) == .directory, "a link is followed")
        #expect(Files.kind(file) == .file)
        #expect(Files.contents(file) == Array("# A lesson\n".utf8))
        #expect(Files.contents(empty) == [])
        #expect(Files.contents(large) == bytes, "more than one read's worth")
        #expect(Files.contents(Path.join(dir, "missing.md")) == nil)
        #expect(Files.contents(dir) == nil, "a folder cannot be read")
        // A file whose size stat(2) does not know: read to its end all the same.
        let status = try #require(Files.contents("/proc/self/status"))
        #expect(String(decoding: status, as: UTF8.self).contains("\nPid:"))
    }
}

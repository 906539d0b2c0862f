import Foundation
import Testing

/// A bad input and what the built binary must say about it.
struct BadInput: CustomTestStringConvertible, Sendable {
    var name: String
    /// The file's bytes (often not text at all).
    var bytes: Data
    /// Whole lines stderr must contain: the diagnostic's headline, and its help where it matters.
    var stderr: [String]
    var status: Int32
    var testDescription: String { name }

    init(_ name: String, _ text: String, _ stderr: [String], status: Int32 = 2) {
        self.init(name, Data(text.utf8), stderr, status: status)
    }
    init(_ name: String, _ bytes: Data, _ stderr: [String], status: Int32 = 2) {
        self.name = name
        self.bytes = bytes
        self.stderr = stderr
        self.status = status
    }
}

/// The file is always `bad.md` in a fresh folder, run from that folder, so messages start `bad.md:`.
private func lessonText(_ steps: String) -> String { "# Bad\n\n```steps\n\(steps)\n```\n" }
private let tcp = "s = socket(AF_INET, SOCK_STREAM)\n"

/// The catalogue of bad input from issue 7: each file, the exact message and the exit code of
/// `sockstep run` (and `sockstep check`), end to end on the built binary. Nothing may crash, hang,
/// or print more than a screenful about one mistake.
@Suite("Bad input: every mistake gets its message and exit code")
struct BadInputTests {
    static let cases: [BadInput] = [
        .init("empty file", "", ["bad.md:1:1: error: the file is empty",
                                 "  = help: a lesson needs at least one fenced ```steps block; see lessons/README.md"]),
        .init("only blank lines", "\n \n\t\n", ["bad.md:1:1: error: the file is empty"]),
        .init("binary file", Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00]),
              ["bad.md:1:1: error: this looks like a binary file, not a Markdown lesson", "  = help: pass the lesson's .md file"]),
        .init("not UTF-8 (Latin-1)", Data("# Bad\n\nsome text\ncaf".utf8) + Data([0xE9]) + Data(" au lait\n".utf8),
              ["bad.md:4:4: error: the file is not valid UTF-8", "  = help: save it as UTF-8 in your editor"]),
        .init("10 MB", Data("# Huge\n".utf8) + Data(repeating: UInt8(ascii: "a"), count: 10 * 1024 * 1024),
              ["bad.md:1:1: error: the file is 10240 KiB, larger than the 4 MiB a lesson may be",
               "  = help: is this the right file? split a long course into several lessons"]),
        .init("a 100,000-character number", lessonText(tcp + "s.listen(" + String(repeating: "1", count: 100_000) + ")"),
              ["bad.md:5:10: error: the number `11111111111111111111111111111111…` is too large",
               "  = help: numbers in steps must fit in 64 bits"]),
        .init("a 100,000-character name", lessonText(String(repeating: "x", count: 100_000) + ".listen(5)"),
              ["bad.md:4:1: error: `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…` is used before it exists"]),
        .init("unterminated string", lessonText(tcp + "s.send(b\"hello)"),
              ["bad.md:5:8: error: unterminated string", "  = help: close it with `\"` on the same line"]),
        .init("unterminated steps block", "# Bad\n\n```steps\n" + tcp,
              ["bad.md:3:1: error: this steps block is never closed", "  = help: add a line with ``` after the last step"]),
        .init("unclosed front matter", "---\ntitle: Bad\n\n# Bad\n",
              ["bad.md:1:1: error: the front matter is never closed"]),
        .init("nested front matter", "---\ntitle: Bad\nauthor:\n  name: me\n---\n\n" + lessonText(tcp),
              ["bad.md:4:1: error: nested front matter is not supported",
               "  = help: write one `key: value` per line, with nothing indented"]),
        .init("unknown call, a near miss", lessonText(tcp + "s.conect((\"127.0.0.1\", 1))"),
              ["bad.md:5:3: error: unknown call `conect`", "  = help: did you mean `connect`?"]),
        .init("str where bytes go", lessonText(tcp + "s.send(\"text\")"),
              ["bad.md:5:8: error: `send` needs bytes, not a str"]),
        .init("a string where a number goes", lessonText(tcp + "s.listen(\"5\")"),
              ["bad.md:5:10: error: `listen` needs a number here, not a string"]),
        .init("bytes as a timeout", lessonText(tcp + "s.settimeout(b\"1\")"),
              ["bad.md:5:14: error: a timeout is a number of seconds"]),
        .init("address as two arguments", lessonText(tcp + "s.bind(\"127.0.0.1\", 0)"),
              ["bad.md:5:1: error: `bind` takes 1 argument (address), but 2 were given",
               "  = help: the address is one tuple: `bind((\"127.0.0.1\", 0))`, with two pairs of parentheses"]),
        .init("a name before it exists", lessonText("client.connect((\"127.0.0.1\", 1))"),
              ["bad.md:4:1: error: `client` is used before it exists",
               "  = help: create it first, e.g. `client = socket(AF_INET, SOCK_STREAM)`"]),
        .init("a name after close", lessonText(tcp + "s.close()\ns.listen(5)"),
              ["bad.md:6:1: error: `s` was closed on line 5"]),
        .init("double close: a warning, and the run passes as in Python", lessonText(tcp + "s.close()\ns.close()"),
              ["bad.md:6:1: warning: `s` was already closed on line 5: closing it again does nothing",
               "  = help: Python ignores a second `close()`; drop this step"], status: 0),
        .init("recv(-1)", lessonText(tcp + "s.recv(-1)"),
              ["bad.md:5:8: error: a buffer size cannot be negative"]),
        .init("recv(10**12)", lessonText(tcp + "s.recv(10**12)"),
              ["bad.md:5:8: error: `recv(1000000000000)` would ask for a 1000000000000-byte buffer; sockstep allows at most 16 MiB"]),
        .init("sending 100 MB", lessonText(tcp + "s.sendall(b\"x\" * 100_000_000)"),
              ["bad.md:5:11: error: this sends 100000000 bytes; sockstep sends at most 16 MiB in one step"]),
        .init("port 65536", lessonText(tcp + "s.bind((\"127.0.0.1\", 65536))"),
              ["bad.md:5:22: error: port 65536 is out of range: a port is a 16-bit number, from 0 to 65535"]),
        .init("a private address", lessonText(tcp + "s.connect((\"10.0.0.1\", 80))"),
              ["bad.md:5:12: error: 10.0.0.1 is not a loopback address"]),
        .init("a public address", lessonText(tcp + "s.connect((\"8.8.8.8\", 53))"),
              ["bad.md:5:12: error: 8.8.8.8 is not a loopback address"]),
        .init("every interface", lessonText(tcp + "s.bind((\"0.0.0.0\", 0))"),
              ["bad.md:5:9: error: `0.0.0.0` means every network interface, not only loopback"]),
        .init("multicast outside 239.0.0.0/8", lessonText("u = socket(AF_INET, SOCK_DGRAM)\nu.sendto(b\"x\", (\"224.0.0.1\", 5000))"),
              ["bad.md:5:17: error: the multicast group 224.0.0.1 is outside the range sockstep allows",
               "  = help: use a group in 239.0.0.0/8, such as \"239.1.2.3\": sockstep sends to it on loopback only"]),
        .init("a host name", lessonText(tcp + "s.connect((\"example.com\", 80))"),
              ["bad.md:5:12: error: `example.com` is a host name; sockstep looks up only `localhost`"]),
        .init("a Unix path outside the run directory (absolute)", lessonText("u = socket(AF_UNIX, SOCK_STREAM)\nu.bind(\"/tmp/x.sock\")"),
              ["bad.md:5:8: error: the Unix socket path /tmp/x.sock is outside the run's directory"]),
        .init("a Unix path outside the run directory (..)", lessonText("u = socket(AF_UNIX, SOCK_STREAM)\nu.bind(\"../x.sock\")"),
              ["bad.md:5:8: error: the Unix socket path ../x.sock is outside the run's directory"]),
    ]

    static func write(_ bytes: Data) throws -> URL {
        let dir = TestScratch.root.appendingPathComponent("sockstep-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try bytes.write(to: dir.appendingPathComponent("bad.md"))
        return dir
    }

    @Test("sockstep run and sockstep check: the message and the exit code", arguments: cases)
    func catalogue(_ c: BadInput) throws {
        let dir = try Self.write(c.bytes)
        defer { try? FileManager.default.removeItem(at: dir) }
        for command in ["run", "check"] {
            let clock = ContinuousClock()
            var out: Binary.Output?
            let elapsed = try clock.measure { out = try Binary.run([command, "bad.md"], environment: ["NO_COLOR": "1"], cwd: dir.path) }
            let o = try #require(out)
            let lines = o.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for expected in c.stderr {
                #expect(lines.contains(expected), "sockstep \(command): missing line \(expected)\nstderr:\n\(o.stderr.prefix(2000))")
            }
            #expect(o.status == c.status, "sockstep \(command) exited \(o.status), expected \(c.status)")
            #expect(o.stderr.utf8.count < 4000, "sockstep \(command) printed \(o.stderr.utf8.count) bytes about one mistake")
            #expect(elapsed < .seconds(10), "sockstep \(command) took \(elapsed)")
        }
    }

    @Test("a file that is not there, and a folder with no lessons")
    func missing() throws {
        let dir = try Self.write(Data("# x".utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try Binary.run(["run", "bda.md"], environment: ["NO_COLOR": "1"], cwd: dir.path)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("bda.md: error: no such file"))
        #expect(missing.stderr.contains("= help: did you mean `bad.md`?"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let empty = try Binary.run(["run", "empty"], environment: ["NO_COLOR": "1"], cwd: dir.path)
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("error: no lesson files (.md) in empty"))
    }
}

import Foundation
import Testing

let passing = """
---
title: A tiny conversation
---
# A tiny conversation

```steps
server = socket(AF_INET, SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(5)
client = socket(AF_INET, SOCK_STREAM)
client.connect(server.address)
conn, addr = server.accept()
client.sendall(b"Hello, server!")
conn.recv(1024) -> b"Hello, server!"
conn.recv(1024) -> blocks
other = socket(AF_INET, SOCK_STREAM)
other.connect(("127.0.0.1", 1)) -> ECONNREFUSED
```
"""

let failing = """
# Wrong expectation

```steps
server = socket(AF_INET, SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(5)
client = socket(AF_INET, SOCK_STREAM)
client.connect(server.address)
conn, addr = server.accept()
client.sendall(b"Hello, server!")
conn.recv(1024) -> b"Hello, world!"
```
"""

let broken = """
# Broken

```steps
client = socket(AF_INET, SOCK_STREAM)
client.conect(("127.0.0.1", 80))
client.bind(("127.0.0.1", 123456789))
```
"""

@Suite("sockstep, end to end")
struct CLIEndToEndTests {
    @Test("a passing lesson: every step explained, exit 0")
    func passingLesson() throws {
        let file = try Binary.fixture("ok.md", passing)
        let r = try Binary.run(["run", file])
        #expect(r.status == 0)
        #expect(r.stdout.contains("✓ 1"))
        #expect(r.stdout.contains("strace  connect("))
        #expect(r.stdout.contains("Connection refused (ECONNREFUSED)"))
        #expect(r.stdout.contains("This call would wait — nothing has arrived"))
        #expect(r.stdout.contains("PASS"))
        #expect(r.stdout.contains("11 steps: 11 passed"))
        #expect(!r.stdout.contains("\u{1B}["), "no colour when not on a terminal")
    }

    @Test("a failed expectation: expected vs actual with a marker, exit 1")
    func failedExpectation() throws {
        let file = try Binary.fixture("fail.md", failing)
        let r = try Binary.run(["run", file])
        #expect(r.status == 1)
        #expect(r.stdout.contains("expected: b'Hello, world!'"))
        #expect(r.stdout.contains("actual:   b'Hello, server!'"))
        // The marker sits under the first differing character ("s" of server, column 9 of the repr).
        let lines = r.stdout.components(separatedBy: "\n")
        let actual = try #require(lines.firstIndex { $0.contains("actual:   b'Hello, server!'") })
        let marker = lines[actual + 1]
        let col = try #require(marker.firstIndex(of: "^"))
        let actualLine = lines[actual]
        let sIndex = actualLine.range(of: "server")!.lowerBound
        #expect(marker.distance(from: marker.startIndex, to: col) == actualLine.distance(from: actualLine.startIndex, to: sIndex))
        #expect(r.stdout.contains("FAIL"))
    }

    @Test("a broken file: every diagnostic with location and help, exit 2")
    func brokenFile() throws {
        let file = try Binary.fixture("broken.md", broken)
        let r = try Binary.run(["run", file])
        #expect(r.status == 2)
        #expect(r.stderr.contains("broken.md:5:8: error: unknown call `conect`"))
        #expect(r.stderr.contains("5 | client.conect((\"127.0.0.1\", 80))"))
        #expect(r.stderr.contains("  |        ^^^^^^"))
        #expect(r.stderr.contains("= help: did you mean `connect`?"))
        #expect(r.stderr.contains("broken.md:6:27: error: port 123456789 is out of range"))
        let check = try Binary.run(["check", file])
        #expect(check.status == 2)
        #expect(check.stderr.contains("2 errors"))
    }

    @Test("a missing file suggests the nearby one, exit 2")
    func missingFile() throws {
        let file = try Binary.fixture("first-lesson.md", passing)
        let wrong = (file as NSString).deletingLastPathComponent + "/first-leson.md"
        let r = try Binary.run(["run", wrong])
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: no such file"))
        #expect(r.stderr.contains("did you mean"))
    }

    @Test("--json prints one parseable object per line")
    func json() throws {
        let file = try Binary.fixture("ok.md", passing)
        let r = try Binary.run(["run", "--json", file])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 12)
        for l in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any]
            #expect(obj?["type"] != nil)
        }
        let last = try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as! [String: Any]
        #expect(last["type"] as? String == "summary")
        #expect(last["ok"] as? Bool == true)
        let refused = try JSONSerialization.jsonObject(with: Data(lines[10].utf8)) as! [String: Any]
        #expect(refused["verdict"] as? String == "expected-error")
        #expect((refused["outcome"] as? [String: Any])?["errno"] as? String == "ECONNREFUSED")
    }

    @Test("--quiet shows only failures and the summary")
    func quiet() throws {
        let ok = try Binary.run(["run", "-q", try Binary.fixture("ok.md", passing)])
        #expect(ok.stdout.split(separator: "\n").count == 1)
        let fail = try Binary.run(["run", "--quiet", try Binary.fixture("f.md", failing)])
        #expect(fail.stdout.contains("✗"))
        #expect(!fail.stdout.contains("✓"))
    }

    @Test("command line mistakes: exit 64 with a suggestion")
    func usageErrors() throws {
        let r = try Binary.run(["run", "--qiuet", "x.md"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("Error: unknown option '--qiuet'. Did you mean '--quiet'?"))
        #expect(r.stderr.contains("See 'sockstep run --help'."))
        let c = try Binary.run(["rnu"])
        #expect(c.status == 64)
        #expect(c.stderr.contains("Did you mean 'run'?"))
        let none = try Binary.run(["run"])
        #expect(none.status == 64)
    }

    @Test("no arguments: tells a newcomer what to do first")
    func welcome() throws {
        let r = try Binary.run([])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Start here:"))
        #expect(r.stdout.contains("sockstep run lessons/01-"))
    }

    @Test("--help for every subcommand, --version")
    func help() throws {
        for cmd in ["run", "check", "explain"] {
            let r = try Binary.run([cmd, "--help"])
            #expect(r.status == 0)
            #expect(r.stdout.hasPrefix("OVERVIEW:"))
            #expect(r.stdout.contains("USAGE: sockstep \(cmd)"))
        }
        let v = try Binary.run(["--version"])
        #expect(v.stdout.hasPrefix("sockstep "))
    }

    @Test("export --plain: the beginner's Python program; with another language, a clear usage error")
    func exportPlain() throws {
        let ok = try Binary.run(["export", "--plain", packageRoot + "/lessons/02-first-tcp-conversation.md"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("import socket\n") && ok.stdout.contains("print(conn.recv(1024))  # b'Hello, server!'"))
        for lang in ["c", "swift"] {
            let bad = try Binary.run(["export", "--lang", lang, "--plain", packageRoot + "/lessons/02-first-tcp-conversation.md"])
            #expect(bad.status == 64)
            #expect(bad.stderr.contains("Error: --plain is for Python only"))
            #expect(bad.stderr.contains("See 'sockstep export --help'."))
            #expect(bad.stdout.isEmpty)
        }
    }

    @Test("explain dup: a call defined once, explained like every other")
    func explainDup() throws {
        let r = try Binary.run(["explain", "dup"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("makes a second descriptor for the same socket"))
        #expect(r.stdout.contains("c2 = c.dup()"))
    }

    @Test("explain: an errno, a Python exception, a call, a state, and a typo")
    func explain() throws {
        let e = try Binary.run(["explain", "ECONNRESET"])
        #expect(e.status == 0)
        #expect(e.stdout.contains("Connection reset by peer"))
        #expect(e.stdout.contains("Python raises ConnectionResetError"))
        #expect(try Binary.run(["explain", "BrokenPipeError"]).stdout.contains("EPIPE"))
        #expect(try Binary.run(["explain", "listen"]).stdout.contains("backlog"))
        #expect(try Binary.run(["explain", "TIME_WAIT"]).stdout.contains("SO_REUSEADDR"))
        let typo = try Binary.run(["explain", "ECONNRESTE"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("Did you mean 'ECONNRESET'?"))
    }

    @Test("several files: the worst outcome decides the exit status")
    func severalFiles() throws {
        let r = try Binary.run(["run", "-q", try Binary.fixture("a.md", passing), try Binary.fixture("b.md", failing)])
        #expect(r.status == 1)
        #expect(r.stdout.contains("2 files: 1 passed, 1 failed"))
        let r2 = try Binary.run(["run", "-q", try Binary.fixture("a.md", passing), try Binary.fixture("c.md", broken)])
        #expect(r2.status == 2)
    }
}

/// The repository's root, from this file's place in it.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

@Suite("The authors' reference")
struct ReferenceTests {
    @Test("every example in lessons/README.md runs and passes")
    func referenceRuns() throws {
        let r = try Binary.run(["run", "-q", "lessons/README.md"], cwd: packageRoot)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("PASS"))
        let check = try Binary.run(["check", "lessons/README.md"], cwd: packageRoot)
        #expect(check.status == 0)
        #expect(check.stdout.contains("no errors"))
        #expect(check.stderr.isEmpty, "no warnings either: \(check.stderr)")
    }
}

@Suite("Colour")
struct ColourTests {
    /// Runs the binary inside a pseudo-terminal with util-linux `script`, when it is installed.
    func onTerminal(_ args: [String], env: [String: String]) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return nil }
        let command = ([Binary.path] + args).map { "'\($0)'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", command, "/dev/null"]
        var e = ProcessInfo.processInfo.environment
        e.removeValue(forKey: "NO_COLOR")
        for (k, v) in env { e[k] = v }
        p.environment = e
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("colour on a terminal, none with NO_COLOR, none in a pipe")
    func colour() throws {
        let file = try Binary.fixture("ok.md", passing)
        guard let tty = try onTerminal(["run", "-q", file], env: ["TERM": "xterm"]) else { return }
        #expect(tty.contains("\u{1B}["), "colour expected on a terminal: \(tty)")
        let noColor = try #require(try onTerminal(["run", "-q", file], env: ["TERM": "xterm", "NO_COLOR": "1"]))
        #expect(!noColor.contains("\u{1B}["))
        #expect(noColor.contains("PASS"))
    }

    @Test("plain ASCII marks with --ascii or a non-UTF-8 locale")
    func ascii() throws {
        let file = try Binary.fixture("ok.md", passing)
        let r = try Binary.run(["run", "--ascii", file])
        #expect(r.stdout.contains(" ok 1"))
        #expect(!r.stdout.contains("✓"))
        let c = try Binary.run(["run", file], environment: ["LC_ALL": "C"])
        #expect(!c.stdout.contains("✓"))
    }
}

@Suite("check on exercises")
struct CheckExerciseTests {
    @Test("an exercise is checked by the grader's rules too, and the shipped ones are clean")
    func exerciseRules() throws {
        let file = try Binary.fixture("ex.md", "---\nprogram: server\ntimeout: lots\n---\n# X\n## Echo (2 points)\n```steps\nc = socket(AF_INET, SOCK_STREAM)\nc.connect(program.address)\n```\n")
        let r = try Binary.run(["check", file])
        #expect(r.status == 2)
        #expect(r.stderr.contains("ex.md:3:1: error: `timeout: lots` is not a number of seconds between 0 and 600"))
        let shipped = try Binary.run(["check", "scenarios/exercises"], cwd: packageRoot)
        #expect(shipped.status == 0, "\(shipped.stderr)")
    }
}

@Suite("grade --html")
struct GradeHTMLTests {
    /// The graded program is the exercise's Python solution.
    static let hasPython: Bool = {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }
    }()

    @Test("a grade as one page: score, checks, each exchange with the program as a diagram",
          .enabled(if: hasPython, "python3 is not installed: the graded program is the exercise's Python solution"))
    func gradePage() throws {
        let page = TestScratch.root.appendingPathComponent("grade-\(UUID().uuidString).html").path
        let r = try Binary.run(["grade", "scenarios/exercises/echo-server.md", "--html", page, "--",
                                "python3", "scenarios/exercises/solutions/echo-server/reads-once.py"], cwd: packageRoot)
        #expect(r.status == 1)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("Echo server: 5/9 points"))
        #expect(html.contains("<svg"))
        #expect(html.contains("program → c: data b&#39;hello\\n&#39; (6 bytes)") || html.contains("program → c: data b'hello\\n' (6 bytes)"))
        #expect(!html.contains("<script src") && !html.contains("<link"), "self-contained")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/tidy") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/tidy")
            p.arguments = ["-q", "-e", page]
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "tidy reports errors in the grade page")
        }
    }
}

@Suite("Late additions, with their error paths")
struct LateAdditionTests {
    @Test("explain takes what Python prints: an errno number, [Errno N], or the message")
    func explainNumbers() throws {
        #expect(try Binary.run(["explain", "104"]).stdout.hasPrefix("ECONNRESET"))
        #expect(try Binary.run(["explain", "[Errno 111]"]).stdout.hasPrefix("ECONNREFUSED"))
        #expect(try Binary.run(["explain", "Connection refused"]).stdout.hasPrefix("ECONNREFUSED"))
        let unknown = try Binary.run(["explain", "99999"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("sockstep has no entry for '99999'"))
    }

    @Test("a misspelt Python timeout is pointed to TimeoutError (not ETIMEDOUT); the list of names has Python's exceptions", arguments: [
        ("TimeoutErr", "TimeoutError"), ("socket.timeoutt", "socket.timeout"), ("ECONNRESETT", "ECONNRESET"), ("ConectionRefusedError", "ConnectionRefusedError")])
    func explainSuggests(_ typed: String, _ meant: String) throws {
        let r = try Binary.run(["explain", typed])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: sockstep has no entry for '\(typed)'. Did you mean '\(meant)'?\n"), "\(r.stderr)")
        let all = try Binary.run(["explain"])
        #expect(all.stdout.contains("TimeoutError (socket.timeout)"))
        #expect(all.stdout.contains("Python's exceptions:"))
        #expect(try Binary.run(["explain", meant]).status == 0)
    }

    @Test("run and export of an exercise say it is graded, with the grade command (was: `program` used before it exists, create it with socket())", arguments: [
        ["run", "scenarios/exercises/echo-server.md"], ["run", "--json", "scenarios/exercises/echo-server.md"],
        ["export", "--plain", "scenarios/exercises/echo-server.md"], ["export", "--lang", "c", "scenarios/exercises/fetch-greeting-client.md"]])
    func exerciseIsGraded(_ args: [String]) throws {
        let r = try Binary.run(args, cwd: packageRoot)
        #expect(r.status == 2)
        let all = r.stdout + r.stderr
        let file = args.last!
        #expect(all.contains("this is an exercise: its checks talk to a student's program, so it is graded, not run or exported"), "\(all)")
        #expect(all.contains("grade a program with it: sockstep grade \(file) -- python3 \(file.contains("client") ? "client" : "server").py"))
        #expect(!all.contains("used before it exists"))
        #expect(!all.contains("sockstep check"), "check finds nothing wrong in an exercise")
        if !args.contains("--json") { #expect(r.stderr.contains("\(file):4:1: error: this is an exercise")) }
    }

    @Test("the shell goes on after an error that would stop a run, and says so")
    func shellGoesOn() throws {
        let r = try Binary.run(["shell"], stdin: "c = socket(AF_INET, SOCK_STREAM)\nc.recv(10)\nc.close()\n")
        #expect(r.status == 0)
        // Prose wraps at the width, so compare it with its line breaks as spaces.
        let words = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("here you can go on"))
        #expect(!words.contains("so the run stops here"))
        #expect(r.stdout.contains("Closed `c`"))
    }

    @Test("grade --html to a folder that does not exist: exit 2 and a message, no crash")
    func gradeHTMLUnwritable() throws {
        let r = try Binary.run(["grade", "scenarios/exercises/echo-server.md", "--html", "/nonexistent/dir/page.html", "--",
                                "python3", "scenarios/exercises/solutions/echo-server/reference.py"], cwd: packageRoot)
        #expect(r.status == 2)
        #expect(r.stderr.contains("the page could not be written to /nonexistent/dir/page.html"))
    }
}

import Foundation
@testable import SockstepCLI
import ScenarioFormat
import Testing

/// Lines of `text` longer than `width` columns (code points, as a terminal counts them here).
func linesOver(_ width: Int, _ text: String) -> [Substring] {
    text.split(separator: "\n").filter { $0.count > width }
}

@Suite("output fits the terminal, for every command")
struct WidthEndToEndTests {
    @Test("run: at COLUMNS=80 no line passes 80; at 160 strace stays on one line", arguments: ["lessons/02-first-tcp-conversation.md", "lessons/08-many-clients.md", "lessons/12-ipv6-and-dual-stack.md"])
    func run(_ lesson: String) throws {
        let narrow = try Binary.run(["run", "--table", lesson], environment: ["COLUMNS": "80"], cwd: packageRoot)
        #expect(narrow.status == 0)
        #expect(linesOver(80, narrow.stdout).isEmpty, "\(linesOver(80, narrow.stdout).prefix(3))")
        let wide = try Binary.run(["run", "--table", lesson], environment: ["COLUMNS": "160"], cwd: packageRoot)
        #expect(wide.status == 0)
        // --json is never wrapped, whatever the width.
        let json = try Binary.run(["run", "--json", lesson], environment: ["COLUMNS": "40"], cwd: packageRoot)
        // --json keeps every strace line whole; at 160 columns the terminal text has each of them too.
        let syscalls = json.stdout.split(separator: "\n").compactMap { line -> [String]? in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return obj["syscalls"] as? [String]
        }.flatMap { $0 }
        #expect(!syscalls.isEmpty)
        #expect(syscalls.contains { $0.count > 80 })
        #expect(syscalls.allSatisfy { !$0.contains("\n") })
        // Ports differ from run to run: compare the calls up to their first port.
        for s in syscalls where s.count <= 140 {
            let stem = String(s.prefix { $0 != "(" })
            #expect(wide.stdout.contains("strace  " + stem), "\(s)")
        }
        #expect(!wide.stdout.contains("sin_port=htons(0),\n"))
        #expect(wide.stdout.contains("unacked"))   // the whole table fits
        #expect(narrow.stdout.contains("(fit to 80 columns without fd"))
    }

    @Test("without COLUMNS and without a terminal the width is 80, the same on every machine")
    func pipeDefault() throws {
        let r = try Binary.run(["run", "lessons/02-first-tcp-conversation.md"], cwd: packageRoot)
        #expect(linesOver(80, r.stdout).isEmpty)
        #expect(r.stdout.split(separator: "\n").contains { $0.count > 70 })   // it does use the width
    }

    @Test("explain fits 80 columns, and uses at most 100 on a wide terminal", arguments: ["ECONNRESET", "listen", "TIME_WAIT", "ConnectionRefusedError"])
    func explain(_ name: String) throws {
        let narrow = try Binary.run(["explain", name], environment: ["COLUMNS": "80"])
        #expect(narrow.status == 0)
        #expect(linesOver(80, narrow.stdout).isEmpty, "\(linesOver(80, narrow.stdout))")
        let wide = try Binary.run(["explain", name], environment: ["COLUMNS": "200"])
        #expect(linesOver(100, wide.stdout).allSatisfy { $0.hasPrefix("In ") })   // only code lines may be longer
    }

    @Test("the welcome, --help and the course list fit 80 columns")
    func overview() throws {
        for args in [[], ["--help"]] {
            let r = try Binary.run(args)
            #expect(linesOver(80, r.stdout).isEmpty, "\(args): \(linesOver(80, r.stdout))")
        }
        let c = try Course()
        let lessons = try c.run(["lessons"], env: ["COLUMNS": "80"])
        // Only the folder's path (a temporary one, long) may be longer: it cannot be broken.
        let over = linesOver(80, lessons.stdout).filter { !$0.contains(c.lessons) }
        #expect(over.isEmpty, "\(over)")
    }

    @Test("the explain list fits 80 columns")
    func explainList() throws {
        let r = try Binary.run(["explain"], environment: ["COLUMNS": "80"])
        #expect(linesOver(80, r.stdout).isEmpty)
    }

    @Test("shell and learn fit 80 columns")
    func shellAndLearn() throws {
        let c = try Course()
        let shell = try c.run(["shell"], stdin: "s = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", 0))\n:help\n:table\n", env: ["COLUMNS": "80"])
        #expect(linesOver(80, shell.stdout).isEmpty, "\(linesOver(80, shell.stdout))")
        let learn = try c.run(["learn", "1", "--details"], stdin: "\n\n\n\n\nh\n?\nt\n\n\nq\n", env: ["COLUMNS": "80"])
        #expect(learn.stdout.contains("(type the key, then Enter)"))
        #expect(linesOver(80, learn.stdout).isEmpty, "\(linesOver(80, learn.stdout))")
        let wide = try c.run(["learn", "1", "--details"], stdin: "\n\n\n\n\n\n\nq\n", env: ["COLUMNS": "150"])
        // The descriptor depends on what the run opened first (a packet capture takes one): any fd.
        #expect(wide.stdout.split(separator: "\n").contains { $0.hasPrefix("       strace  bind(") && $0.hasSuffix(", {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0") })
    }

    @Test("a narrow window is laid out for 40 columns at least: COLUMNS=20 prints what COLUMNS=40 prints")
    func narrow() throws {
        func normalized(_ s: String) -> String {   // ports differ from run to run
            s.replacingOccurrences(of: "[0-9.]+", with: "#", options: .regularExpression)
        }
        let tiny = try Binary.run(["run", "lessons/01-sockets-addresses-ports.md"], environment: ["COLUMNS": "20"], cwd: packageRoot)
        let forty = try Binary.run(["run", "lessons/01-sockets-addresses-ports.md"], environment: ["COLUMNS": "40"], cwd: packageRoot)
        #expect(tiny.status == 0)
        #expect(normalized(tiny.stdout) == normalized(forty.stdout))
        #expect(linesOver(40, forty.stdout).count < 5, "\(linesOver(40, forty.stdout))")
    }
}

/// A course whose first lesson is marked `level: beginner`.
func beginnerCourse() throws -> Course {
    let c = try Course()
    let text = try String(contentsOfFile: c.lessons + "/01-first.md", encoding: .utf8)
    try text.replacingOccurrences(of: "hint: a server", with: "level: beginner\nhint: a server")
        .write(toFile: c.lessons + "/01-first.md", atomically: true, encoding: .utf8)
    return c
}

@Suite("learn: the beginner view and the full view")
struct BeginnerViewTests {
    @Test("a `level: beginner` lesson shows the result and the plain explanation; m shows strace, C and the table")
    func beginner() throws {
        let c = try beginnerCourse()
        let r = try c.run(["learn", "1"], stdin: "\n\nm\nq\n")
        #expect(r.status == 0)
        #expect(r.stdout.contains("beginner view"))
        #expect(r.stdout.contains("Created `server`"))
        #expect(r.stdout.contains("Bound `server` to 127.0.0.1:"))
        let beforeMore = try #require(r.stdout.components(separatedBy: "More about step 2").first)
        #expect(!beforeMore.contains("strace"))
        #expect(!beforeMore.contains("name    fd"))
        #expect(beforeMore.contains("(m: what the kernel was asked"))
        let more = try #require(r.stdout.components(separatedBy: "More about step 2").last)
        #expect(more.contains("strace  bind("))
        #expect(more.contains("C       bind(server,"))
        #expect(more.contains("name    fd"))
    }

    @Test("--details, and v, give the full view; --beginner the beginner view of any lesson")
    func switches() throws {
        let full = try beginnerCourse().run(["learn", "1", "--details"], stdin: "\nq\n")
        #expect(full.stdout.contains("strace  socket(AF_INET"))
        #expect(full.stdout.contains("full view"))
        let toggled = try beginnerCourse().run(["learn", "1"], stdin: "\nv\n\nq\n")
        let parts = toggled.stdout.components(separatedBy: "Full view:")
        #expect(parts.count == 2)
        #expect(!parts[0].contains("strace"))
        #expect(parts[1].contains("strace  bind("))
        // Lesson 2 has no level: the full view, unless --beginner.
        let other = try beginnerCourse().run(["learn", "2"], stdin: "\nq\n")
        #expect(other.stdout.contains("strace  socket(AF_INET, SOCK_DGRAM"))
        let forced = try beginnerCourse().run(["learn", "2", "--beginner"], stdin: "\nq\n")
        #expect(!forced.stdout.contains("strace"))
        #expect(forced.stdout.contains("Created `a`"))
        let both = try beginnerCourse().run(["learn", "1", "--beginner", "--details"])
        #expect(both.status == 64)
        #expect(both.stderr.contains("--details and --beginner ask for opposite views"))
    }

    @Test("an unknown level is a warning with a suggestion, and the lesson still runs")
    func badLevel() throws {
        let path = try Binary.fixture("level.md", "---\ntitle: x\nlevel: begginer\n---\n\n```steps\ns = socket(AF_INET, SOCK_STREAM)\n```\n")
        let r = try Binary.run(["check", path])
        #expect(r.stderr.contains("level.md:3:8: warning: unknown level `begginer`"), "\(r.stderr)")
        #expect(r.stderr.contains("did you mean `beginner`?"))
        #expect(try Binary.run(["run", path]).status == 0)
    }

    @Test("the course's first three lessons are beginner lessons, the others are not")
    func courseLevels() throws {
        for n in 1...14 {
            let dir = packageRoot + "/lessons"
            let file = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasPrefix(String(format: "%02d-", n)) })
            let doc = try #require(DocumentParser.parse(text: try String(contentsOfFile: dir + "/" + file, encoding: .utf8), path: file).document)
            #expect((doc.meta("level") == "beginner") == (n <= 3), "\(file)")
        }
    }
}

@Suite("learn: predict mode")
struct PredictTests {
    @Test("the expectation is hidden, the guess is judged by the run, right guesses are counted in the progress")
    func predict() throws {
        let c = try Course()
        // Steps 1-6 have no expectation (Enter runs them); step 7 `conn.recv(1024) -> blocks`.
        let r = try c.run(["learn", "1", "--predict"], stdin: "\n\n\n\n\n\n2\n")
        #expect(r.status == 0)
        #expect(r.stdout.contains("step 7/7  conn.recv(1024) -> ?"))
        #expect(!r.stdout.contains("step 7/7  conn.recv(1024) -> blocks"))
        #expect(r.stdout.contains("What will it do?"))
        #expect(r.stdout.contains("1  returns the bytes that arrived"))
        // The menu is numbered in a fixed order: find "blocks" in it.
        let menu = r.stdout.components(separatedBy: "What will it do?")[1]
        let blocksLine = try #require(menu.split(separator: "\n").first { $0.contains("blocks: waits") })
        #expect(blocksLine.hasPrefix("  3  "), "\(menu)")
        #expect(r.stdout.contains("Not this time: you said returns b\"\""))
        #expect(r.words.contains("but it blocks. The explanation above says why. (0 of 1 right in this lesson)"))
        let again = try c.run(["learn", "1", "--predict"], stdin: "\n\n\n\n\n\nblocks\n")
        #expect(again.words.contains("Right: it blocks. (1 of 1 right in this lesson)"))
        #expect(again.words.contains("You predicted 1 of 1 right."))
        let saved = try String(contentsOfFile: c.progressFile, encoding: .utf8)
        #expect(saved.contains("\"predictions\""))
        #expect(saved.contains("\"7\" : true"))
        let listed = try c.run(["lessons"])
        #expect(listed.stdout.contains("predicted 1 of 1 right"))
    }

    @Test("g switches predict mode on in the middle of a lesson; Enter still runs without a guess")
    func key() throws {
        let c = try Course()
        let r = try c.run(["learn", "1"], stdin: "\n\n\n\n\n\ng\n\n")
        #expect(r.stdout.contains("Predict mode: before a step runs"))
        #expect(r.stdout.contains("conn.recv(1024) -> ?"))
        #expect(r.stdout.contains("This call would wait"))
        #expect(!r.stdout.contains("right in this lesson"))
    }

    @Test("a guess on a step without an expectation says there is nothing to guess, and the step waits")
    func nothingToGuess() throws {
        let c = try Course()
        let r = try c.run(["learn", "1", "--predict"], stdin: "blocks\n\nq\n")
        #expect(r.words.contains("Nothing to guess here: this step says nothing about its result. Press Enter to run it."))
        #expect(!r.stdout.contains("unknown key 'blocks'"))
        #expect(r.stdout.contains("Created `server`"))
    }

    @Test("a number outside the menu is explained and asked again")
    func outOfRange() throws {
        let c = try Course()
        let r = try c.run(["learn", "1", "--predict"], stdin: "\n\n\n\n\n\n9\n3\n")
        #expect(r.stdout.contains("there are 6 choices: type a number from 1 to 6"), "\(r.stdout)")
        #expect(r.words.contains("Right: it blocks."))
    }

    @Test("a progress file from before predict mode still loads")
    func oldProgress() throws {
        let c = try Course()
        try FileManager.default.createDirectory(atPath: c.state + "/sockstep", withIntermediateDirectories: true)
        try #"{"version": 1, "current": "01-first.md", "lessons": {"01-first.md": {"step": 2, "finished": false}}}"#
            .write(toFile: c.progressFile, atomically: true, encoding: .utf8)
        let r = try c.run(["learn"], stdin: "\n")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout.contains("Continuing after step 2"))
    }

    @Test("guesses are read leniently: numbers, words, errno and exception names, values", arguments: [
        ("conn.recv(1024) -> blocks", "waits", true), ("conn.recv(1024) -> blocks", "1", false),
        ("c.connect(s.address) -> ECONNREFUSED", "ConnectionRefusedError", true),
        ("c.connect(s.address) -> ECONNREFUSED", "econnrefused", true),
        ("c.connect(s.address) -> ECONNREFUSED", "blocks", false),
        ("c.recv(10) -> b\"hi\"", "b'hi'", true), ("c.recv(10) -> b\"hi\"", "b\"ho\"", false),
        ("c.recv(10) -> b\"\"", "b\"\"", true), ("s.pending -> 1", "1", true), ("s.pending -> 1", "2", false),
        ("s.state -> LISTEN", "listen", true),
    ])
    func lenient(_ source: String, _ typed: String, _ right: Bool) throws {
        let parsed = DocumentParser.parse(text: "```steps\n\(source)\n```\n", path: "t.md")
        let step = try #require(parsed.document?.steps.first)
        let p = try #require(Prediction(step: step))
        #expect(p.hiddenSource + " -> " + p.expectationText == source)
        let guess = try #require(p.parse(typed))
        // What the step would do if it did what the file says.
        let actual: Prediction.Guess
        switch step.expectation {
        case .blocks?: actual = .blocks
        case .error(_, let errnos, _)?: actual = .error(errnos[0])
        case .eof?: actual = .endOfStream
        default: actual = .returns(p.expectationText == "LISTEN" ? "'LISTEN'" : p.expectationText)
        }
        #expect(p.matches(guess, actual, expectationHeld: true) == right, "\(guess) vs \(actual)")
    }
}

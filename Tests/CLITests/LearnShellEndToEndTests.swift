import Foundation
import Testing

/// A small course of two lessons, in a fresh folder, with a fresh state folder: learn mode and the
/// shell driven through a pipe, as a learner's terminal or a script of keys would.
struct Course {
    let root: String
    var lessons: String { root + "/lessons" }
    var state: String { root + "/state" }
    var progressFile: String { state + "/sockstep/progress.json" }
    var environment: [String: String] { ["SOCKSTEP_LESSONS": lessons, "XDG_STATE_HOME": state, "NO_COLOR": "1"] }

    init() throws {
        root = TestScratch.root.appendingPathComponent("sockstep-course-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/lessons", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/work", withIntermediateDirectories: true)
        try """
        ---
        title: First conversation
        summary: A server and a client.
        hint: a server must be listening before a client can connect
        ---

        A **server** needs a socket.

        ```steps
        server = socket(AF_INET, SOCK_STREAM)
        server.bind(("127.0.0.1", 0))    # port 0: the kernel picks
        server.listen(5)
        client = socket(AF_INET, SOCK_STREAM)
        client.connect(server.address)
        conn, addr = server.accept()
        conn.recv(1024) -> blocks
        ```
        """.write(toFile: lessons + "/01-first.md", atomically: true, encoding: .utf8)
        try """
        ---
        title: Datagrams
        ---

        ```steps
        a = socket(AF_INET, SOCK_DGRAM)
        a.bind(("127.0.0.1", 0))
        ```
        """.write(toFile: lessons + "/02-udp.md", atomically: true, encoding: .utf8)
    }

    /// Runs sockstep in a folder without `./lessons`, so `$SOCKSTEP_LESSONS` is used.
    func run(_ args: [String], stdin: String? = "", env: [String: String] = [:]) throws -> Binary.Output {
        try Binary.run(args, environment: environment.merging(env) { $1 }, stdin: stdin, cwd: root + "/work")
    }
}

@Suite("learn mode, lessons and reset, through a pipe")
struct LearnEndToEndTests {
    @Test("Enter runs a step with its explanation and the socket table; h hints; q saves the place")
    func stepsHintAndQuit() throws {
        let c = try Course()
        let r = try c.run(["learn", "1"], stdin: "\nh\n\nq\n")
        #expect(r.status == 0)
        #expect(r.stdout.contains("Lesson 1 of 2: First conversation"))
        #expect(r.stdout.contains("A server needs a socket."))
        #expect(r.stdout.contains("Created `server`"))
        #expect(r.stdout.contains("name    fd"))           // the socket table
        #expect(r.stdout.contains("hint: port 0: the kernel picks"))
        #expect(r.stdout.contains("Lesson hint: a server must be listening"))
        #expect(r.words.contains("Bye. Your place is saved: `sockstep learn` continues with lesson 1, after step 2."))
        let saved = try String(contentsOfFile: c.progressFile, encoding: .utf8)
        #expect(saved.contains("\"step\" : 2"))
    }

    @Test("d draws the sequence diagram of the steps run so far")
    func diagramKey() throws {
        let c = try Course()
        let early = try c.run(["learn", "1"], stdin: "d\nq\n")
        #expect(early.stdout.contains("No step has run yet"))
        let r = try c.run(["learn", "1"], stdin: "\n\n\n\n\nd\nq\n", env: ["LC_ALL": "C"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("| server |"))       // ASCII boxes: the locale is not UTF-8
        #expect(r.stdout.contains("SYN-ACK"))
        #expect(r.stdout.contains("connect(server.address)"))
    }

    @Test("progress survives a restart: `learn` replays the steps already run and goes on")
    func resumeAfterRestart() throws {
        let c = try Course()
        _ = try c.run(["learn", "1"], stdin: "\n\n\nq\n")
        let r = try c.run(["learn"], stdin: "\n")
        #expect(r.status == 0)
        #expect(r.stdout.contains("Continuing after step 3"))
        #expect(r.stdout.contains("✓ 3  server.listen(5)"))
        #expect(r.stdout.contains("step 4/7"))
        #expect(r.words.contains("continues with lesson 1, after step 4"))
    }

    @Test("finishing a lesson marks it ✓ in `sockstep lessons`, and `learn` goes on with the next")
    func finishAndList() throws {
        let c = try Course()
        let before = try c.run(["lessons"])
        #expect(before.status == 0)
        #expect(!before.stdout.contains("✓"))
        let r = try c.run(["learn", "1"], stdin: String(repeating: "\n", count: 7) + "q\n")
        #expect(r.stdout.contains("End of lesson 1."))
        #expect(r.stdout.contains("Next: lesson 2, Datagrams"))
        let after = try c.run(["lessons"])
        #expect(after.stdout.contains("✓   1  First conversation"))
        #expect(after.stdout.contains("1 of 2 finished"))
        let next = try c.run(["learn"], stdin: "q\n")
        #expect(next.stdout.contains("Lesson 2 of 2: Datagrams"))
    }

    @Test("the end of input ends the session cleanly, at any point", arguments: ["", "\n", "h\n", "\n\n\n\n\n\n\n"])
    func endOfInput(_ keys: String) throws {
        let c = try Course()
        let r = try c.run(["learn", "1"], stdin: keys)
        #expect(r.status == 0)
        #expect(r.stdout.contains("End of input."))
    }

    @Test("an unknown key is explained and the step is offered again")
    func unknownKey() throws {
        let c = try Course()
        let r = try c.run(["learn", "1"], stdin: "x\n\n")
        #expect(r.stdout.contains("unknown key 'x'. keys: Enter run"))
        #expect(r.stdout.contains("Created `server`"))
    }

    @Test("r goes back to the start of the lesson")
    func restart() throws {
        let c = try Course()
        let r = try c.run(["learn", "1"], stdin: "\n\nr\n\n")
        #expect(r.stdout.contains("Back to the start of lesson 1."))
        #expect(r.stdout.components(separatedBy: "Created `server`").count == 3)
    }

    @Test("a corrupt progress file is reported and replaced, never fatal")
    func corruptProgress() throws {
        let c = try Course()
        try FileManager.default.createDirectory(atPath: c.state + "/sockstep", withIntermediateDirectories: true)
        try "{not json".write(toFile: c.progressFile, atomically: true, encoding: .utf8)
        let r = try c.run(["learn"], stdin: "q\n")
        #expect(r.status == 0)
        #expect(r.stderr.contains("is corrupt"))
        #expect(r.stdout.contains("Lesson 1 of 2"))
        let data = try #require(FileManager.default.contents(atPath: c.progressFile))
        #expect((try? JSONSerialization.jsonObject(with: data)) != nil)
        #expect(FileManager.default.fileExists(atPath: c.progressFile + ".corrupt"))
    }

    @Test("reset clears the progress")
    func reset() throws {
        let c = try Course()
        _ = try c.run(["learn", "1"], stdin: String(repeating: "\n", count: 7) + "q\n")
        let r = try c.run(["reset"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Progress cleared"))
        #expect(!FileManager.default.fileExists(atPath: c.progressFile))
        #expect(try c.run(["lessons"]).stdout.contains("0 of 2 finished"))
        #expect(try c.run(["reset"]).stdout.contains("No progress to clear"))
    }

    @Test("bad input gets a clear message and the right exit code",
          arguments: [(["learn", "9"], Int32(64), "there is no lesson 9: the course has lessons 1 to 2"),
                      (["learn", "abc"], 64, "'abc' is not a lesson number"),
                      (["learn", "1", "2"], 64, "learn takes one lesson number"),
                      (["learn", "--colour"], 64, "unknown option '--colour'"),
                      (["lessons", "extra"], 64, "unexpected argument 'extra'"),
                      (["reset", "now"], 64, "unexpected argument 'now'")])
    func badInput(_ args: [String], _ status: Int32, _ message: String) throws {
        let c = try Course()
        let r = try c.run(args)
        #expect(r.status == status)
        #expect(r.stderr.contains(message))
    }

    @Test("no lessons folder anywhere is exit 2 with where it looked")
    func noLessons() throws {
        let c = try Course()
        let r = try c.run(["learn"], env: ["SOCKSTEP_LESSONS": c.root + "/nowhere"])
        // The checkout's own lessons/ may be found next to the binary; only then is this not an error.
        if r.status != 0 {
            #expect(r.status == 2)
            #expect(r.stderr.contains("no lessons folder found") || r.stderr.contains("has no lessons"))
        }
    }

    @Test("a lesson with errors is reported with its diagnostics, exit 2")
    func brokenLesson() throws {
        let c = try Course()
        try "```steps\nclient.conect((\"127.0.0.1\", 80))\n```\n".write(toFile: c.lessons + "/03-broken.md", atomically: true, encoding: .utf8)
        let r = try c.run(["learn", "3"], stdin: "\n")
        #expect(r.status == 2)
        #expect(r.stderr.contains("03-broken.md:2:"))
        #expect(r.stderr.contains("cannot be used"))
    }
}

@Suite("the shell, through a pipe")
struct ShellEndToEndTests {
    @Test("typed steps run and are explained at once; mistakes are diagnosed and the session goes on; :save writes a lesson that runs")
    func session() throws {
        let c = try Course()
        let saved = c.root + "/work/recorded.md"
        let typed = """
        s = socket(AF_INET, SOCK_STREAM)
        s.conect(("127.0.0.1", 1))
        s.connect(("127.0.0.1", 1))
        :explain ECONNRESET
        :tabel
        t = socket(AF_INET, SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        t.listen()
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(t.address)
        conn, addr = t.accept()
        conn.recv(10)
        c.send(b"hi")
        conn.recv(10)
        :table
        :save \(saved)

        """
        let r = try c.run(["shell"], stdin: typed)
        #expect(r.status == 0)
        #expect(r.stdout.contains("Created `s`"))
        #expect(r.stderr.contains("shell:2:3: error: unknown call `conect`"))
        #expect(r.stderr.contains("did you mean `connect`?"))
        #expect(r.stdout.contains("Connection refused (ECONNREFUSED)"))
        #expect(r.stdout.contains("ECONNRESET — Connection reset by peer"))
        #expect(r.stderr.contains("unknown command `:tabel`; did you mean `:table`?"))
        #expect(r.stdout.contains("This call would wait"))
        #expect(r.stdout.contains("Saved 11 steps to \(saved)"))
        #expect(r.stdout.hasSuffix("Bye: every socket of the session is closed.\n"))
        let text = try String(contentsOfFile: saved, encoding: .utf8)
        #expect(text.contains("s.connect((\"127.0.0.1\", 1))  -> ECONNREFUSED"))
        #expect(text.contains("conn.recv(10)  -> blocks"))
        #expect(text.contains("conn.recv(10)  -> b'hi'"))
        let replay = try c.run(["run", saved])
        #expect(replay.status == 0)
        #expect(replay.stdout.contains("PASS"))
    }

    @Test("tutorial habits in the shell: import, socket.socket, HOST/PORT across lines, a bare name; `with` says what to type instead")
    func tutorialHabits() throws {
        let c = try Course()
        let saved = c.root + "/work/tutorial.md"
        let typed = """
        import socket
        HOST, PORT = "127.0.0.1", 0
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((HOST, PORT))
        with socket.socket() as t:
        s
        c = socket.socket()
        c.sendall("hi".encode())
        import os
        :save \(saved)

        """
        let r = try c.run(["shell"], stdin: typed)
        #expect(r.status == 0)
        #expect(r.words.contains("accepted: every name of the socket module is always there, so an import makes no step"))
        // It fits 80 columns (a terminal wrapped it at 80 and began the next line with a space).
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("accepted:") || $0.hasSuffix("makes no step") }.allSatisfy { $0.count <= 80 })
        #expect(!r.stdout.contains("so an import makes no step"), "one line of 84 columns")
        #expect(r.stdout.contains("`HOST` is '127.0.0.1', `PORT` is 0."))
        #expect(r.stdout.contains("htons(0)"), "PORT was used as 0 on the next line")
        #expect(r.stderr.contains("error: the shell runs one line at a time, so it cannot take a `with` block"))
        #expect(wordsOf(r.stderr).contains("type `t = socket.socket()` now, and `t.close()` when you are done"), "\(r.stderr)")
        #expect(r.stdout.contains("`s` is a socket: IPv4 SOCK_STREAM, descriptor"))
        #expect(r.stdout.contains("<socket.socket"))
        #expect(r.stderr.contains("error: there is no module `os` in steps"))
        let replay = try c.run(["run", saved])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
    }

    @Test("a `with` block's help uses the learner's own names; shell errors fit 80 columns")
    func withNames() throws {
        let r = try Binary.run(["shell"], environment: ["NO_COLOR": "1"], stdin: "with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:\nwith conn:\n:tabel\n")
        #expect(r.status == 0)
        #expect(wordsOf(r.stderr).contains("type `t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)` now, and `t.close()` when you are done"), "\(r.stderr)")
        #expect(wordsOf(r.stderr).contains("type the block's steps one by one, then `conn.close()`"))
        #expect(!r.stderr.contains("`s.close()`"))
        #expect(wordsOf(r.stderr).contains("error: unknown command `:tabel`; did you mean `:table`?"))
        #expect(linesOver(80, r.stderr).isEmpty, "\(linesOver(80, r.stderr))")
    }

    @Test("the shell's :explain speaks of :explain: an unknown name's usage line, and the list with no name")
    func shellExplain() throws {
        let r = try Binary.run(["shell"], environment: ["NO_COLOR": "1"], stdin: ":explain ECONNRESTE\n:explain\n")
        #expect(r.status == 0)
        #expect(r.stderr.contains("Error: sockstep has no entry for 'ECONNRESTE'. Did you mean 'ECONNRESET'?"), "\(r.stderr)")
        #expect(r.stderr.contains("Usage: :explain <name>"))
        #expect(r.stderr.contains("See ':explain' for every name."))
        #expect(!r.stderr.contains("sockstep explain"))
        #expect(r.stdout.contains("Errors:") && r.stdout.contains("ECONNRESET") && r.stdout.contains("TCP states:"))
    }

    @Test("end of input and :quit end the shell cleanly", arguments: ["", "s = socket(AF_INET, SOCK_STREAM)\n", ":quit\nnever = socket()\n", "exit()\n"])
    func ends(_ input: String) throws {
        let c = try Course()
        let r = try c.run(["shell"], stdin: input)
        #expect(r.status == 0)
        #expect(r.stdout.contains("Bye"))
        #expect(!r.stdout.contains("Created `never`"))
    }

    @Test("line numbers agree: the line a socket was closed on is the line typed, as in the diagnostic's own place")
    func lineNumbersAgree() throws {
        let c = try Course()
        // A blank line and a comment count as lines, as they would in a file.
        let r = try c.run(["shell"], stdin: "\n# a comment\ns = socket(AF_INET, SOCK_STREAM)\ns.close()\ns.bind((\"127.0.0.1\", 0))\n")
        #expect(r.status == 0)
        #expect(r.stderr.contains("shell:5:1: error: `s` was closed on line 4"), "\(r.stderr)")
        #expect(r.stderr.contains("5 | s.bind((\"127.0.0.1\", 0))"))
    }

    @Test(":save without steps or to an impossible place says why; the session goes on")
    func badSave() throws {
        let c = try Course()
        let r = try c.run(["shell"], stdin: ":save x.md\ns = socket(AF_INET, SOCK_STREAM)\n:save /nonexistent/dir/x.md\n:save\n")
        #expect(r.status == 0)
        #expect(r.stderr.contains("nothing to save yet"))
        #expect(r.stderr.contains("cannot write /nonexistent/dir/x.md"))
        #expect(r.stdout.contains("usage: :save <file>"))
    }
}

@Suite("export and verify, bad input and exercises")
struct ExportVerifyEndToEndTests {
    static let exercise = """
    ---
    title: Your turn: a listening server
    hint: a server listens before anyone can connect
    ---

    ```steps
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", ???))
    client = socket(AF_INET, SOCK_STREAM)
    client.connect(server.address)
    ```

    <!-- solution: server.bind(("127.0.0.1", 0)) then server.listen(5) -->
    """

    @Test("verify: each ??? is a gap not filled yet, with its place and the hint")
    func gaps() throws {
        let file = try Binary.fixture("your-turn.md", Self.exercise)
        let r = try Binary.run(["verify", file], environment: ["NO_COLOR": "1"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("your-turn.md:8:27: error: gap not filled yet"))
        #expect(r.stdout.contains("hint: a server listens before anyone can connect"))
        #expect(r.stdout.contains("1 gap left to fill"))
    }

    @Test("verify: a filled copy that still fails is explained with the hint; a right one passes")
    func mistakes() throws {
        let wrong = try Binary.fixture("your-turn.md", Self.exercise.replacingOccurrences(of: "???", with: "0"))
        let r = try Binary.run(["verify", wrong], environment: ["NO_COLOR": "1"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("ECONNREFUSED"))
        #expect(r.stdout.contains("line 10:"))
        #expect(r.stdout.contains("hint: a server listens before anyone can connect"))
        let right = try Binary.fixture("your-turn.md", Self.exercise.replacingOccurrences(of: "???))", with: "0))\nserver.listen(5)"))
        let ok = try Binary.run(["verify", right], environment: ["NO_COLOR": "1"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("Well done"))
    }

    @Test("export writes a Python program that runs and passes; C and Swift programs make the real calls")
    func exportPython() throws {
        let file = try Binary.fixture("ex.md", Self.exercise.replacingOccurrences(of: "???))", with: "0))\nserver.listen(5)"))
        let out = file + ".py"
        let r = try Binary.run(["export", "--lang", "python", "-o", out, file])
        #expect(r.status == 0)
        #expect(r.stderr.contains("Wrote \(out) (5 steps in python)"))
        let program = try String(contentsOfFile: out, encoding: .utf8)
        #expect(program.contains("server.listen(5)"))
        #expect(program.contains("client.connect(server.getsockname())"))
        let c = try Binary.run(["export", "--lang", "c", file])
        #expect(c.status == 0)
        #expect(c.stdout.contains("check(listen(server.fd, 5))"))
        #expect(c.stdout.contains("int main(void)"))
        let swift = try Binary.run(["export", "--lang", "swift", file])
        #expect(swift.status == 0)
        #expect(swift.stdout.contains("check(listen(server.fd, 5))"))
    }

    @Test("export refuses a file with errors, in every language", arguments: ["python", "c", "swift"])
    func exportBadFile(_ lang: String) throws {
        let file = try Binary.fixture("bad-\(lang).md", "```steps\ns = socket(AF_INET, SOCK_STREAM)\ns.conect((\"127.0.0.1\", 1))\n```\n")
        let r = try Binary.run(["export", "--lang", lang, file], environment: ["NO_COLOR": "1"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("not exported"))
        #expect(r.stdout.isEmpty)
    }

    @Test("export and verify: bad command lines and files get clear messages",
          arguments: [(["export", "--lang", "cobol", "x.md"], Int32(64), "unknown language 'cobol'"),
                      (["export", "--lang", "pyton", "x.md"], 64, "Did you mean 'python'?"),
                      (["export"], 64, "no lesson file given"),
                      (["export", "/nonexistent/lesson.md"], 2, "no such file"),
                      (["verify"], 64, "no exercise file given"),
                      (["verify", "/nonexistent/ex.md"], 2, "no such file")])
    func badInput(_ args: [String], _ status: Int32, _ message: String) throws {
        let r = try Binary.run(args, environment: ["NO_COLOR": "1"])
        #expect(r.status == status)
        #expect(r.stderr.contains(message))
    }
}

/// Text with every run of white space as one space: wrapped prose compared as words.
private func wordsOf(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

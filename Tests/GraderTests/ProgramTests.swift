import Foundation
import Testing
@testable import Grader
import Sockets

/// Programs that misbehave as processes: they fork, ignore TERM, flood their output, cannot start.
@Suite("Running students' programs", .enabled(if: Fixtures.hasPython, Fixtures.noPython))
struct ProgramTests {
    static let echo = """
    import os, socket
    def serve(s):
        while True:
            conn, addr = s.accept()
            with conn:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    conn.sendall(data)
    """

    func gradeScript(_ body: String, exercise: String = "echo-server", grace: Double = 0.2, timeScale: Double = 1) throws -> Grade {
        let path = try Fixtures.script(body)
        var o = GradeOptions(command: [Fixtures.python, path])
        o.grace = grace
        o.timeScale = timeScale
        return Grader.grade(try Fixtures.exercise(exercise), o)
    }

    @Test("a program that forks a child which keeps the port leaves nothing behind")
    func forkedChild() throws {
        let g = try gradeScript(Self.echo + """

        s = socket.socket()
        s.bind(("127.0.0.1", int(os.environ["PORT"])))
        s.listen()
        if os.fork() == 0:
            serve(s)
        else:
            import time
            while True:
                time.sleep(60)
        """)
        #expect(g.score == g.maxScore, "\(TextReport.render(g))")
        #expect(Fixtures.groupIsGone(g.program.processGroup!))
    }

    @Test("a program that ignores TERM, with a child that ignores it too, is killed with its whole group")
    func ignoresTerm() throws {
        let start = MonotonicInstant.now()
        let g = try gradeScript(Self.echo + """

        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        s = socket.socket()
        s.bind(("127.0.0.1", int(os.environ["PORT"])))
        s.listen()
        if os.fork() == 0:
            import time
            while True:
                time.sleep(60)
        serve(s)
        """, grace: 0.3)
        #expect(g.score == g.maxScore, "\(TextReport.render(g))")
        #expect(g.program.exitStatus == "signal 9 (SIGKILL)")
        #expect(g.program.stoppedByGrader)
        #expect(Fixtures.groupIsGone(g.program.processGroup!))
        #expect(MonotonicInstant.now().seconds(since: start) < 5)
    }

    @Test("a program that floods stdout is drained while it runs, and the report says the output was cut")
    func floodsStdout() throws {
        let g = try gradeScript(Self.echo + """

        import sys
        chunk = "x" * 65536 + "\\n"
        for _ in range(160):
            sys.stdout.write(chunk)
        sys.stderr.write("e" * 200000)
        s = socket.socket()
        s.bind(("127.0.0.1", int(os.environ["PORT"])))
        s.listen()
        serve(s)
        """, timeScale: 4) // writing 10 MB first is slow on a loaded machine; this test is about the cap
        #expect(g.score == g.maxScore, "\(TextReport.render(g))")
        #expect(g.program.stdoutCut)
        #expect(g.program.stdoutBytes > 10_000_000)
        #expect(g.program.stdout.utf8.count <= g.program.outputLimit)
        #expect(g.program.stderrCut)
        #expect(TextReport.render(g).contains("only the first 65536 bytes"))
    }

    @Test("a command that does not exist is unusable, with a suggestion")
    func notFound() throws {
        let g = Grader.grade(try Fixtures.exercise("echo-server"), GradeOptions(command: ["pyhton3", "server.py"]))
        #expect(g.unusable)
        #expect(g.score == 0)
        #expect(g.problem?.message == "`pyhton3` is not a command this machine knows: it is not on PATH.")
        #expect(g.problem?.help?.contains("did you mean `python3`?") == true, "\(g.problem?.help ?? "")")
    }

    @Test("a file that is not executable is unusable, with the fix")
    func notExecutable() throws {
        let path = try Fixtures.script("print('hi')\n")
        let g = Grader.grade(try Fixtures.exercise("echo-server"), GradeOptions(command: [path]))
        #expect(g.unusable)
        #expect(g.problem?.message.contains("is not an executable program") == true)
        #expect(g.problem?.help?.contains("python3") == true)
    }

    @Test("the command runs without a shell, unless the user writes sh -c; {port} is replaced")
    func shellAndPlaceholder() throws {
        let path = Fixtures.solution("echo-server", "reference.py")
        var o = GradeOptions(command: ["sh", "-c", "PORT={port} exec \(Fixtures.python) \(path)"])
        o.environment["PORT"] = nil
        let g = Grader.grade(try Fixtures.exercise("echo-server"), o)
        #expect(g.score == g.maxScore, "\(TextReport.render(g))")
        // Without a shell, `$PORT` is just text: the program gets it as a literal argument.
        let echoArgs = try Fixtures.script("import sys, os\nassert sys.argv[1] == '$PORT', sys.argv\nprint(sys.argv[2])\nraise SystemExit(3)\n")
        let g2 = Grader.grade(try Fixtures.exercise("echo-server"), GradeOptions(command: [Fixtures.python, echoArgs, "$PORT", "{port}"]))
        #expect(g2.program.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(g2.port ?? -1))
        #expect(g2.problem?.message.contains("exited with status 3 before it listened") == true)
    }

    @Test("a fast program is graded by its answers, never by waiting out a deadline")
    func speed() throws {
        // Not a timing goal (the benchmark has those): a grade that waited out its shortest
        // deadline, the start-up one, would take at least that long on any machine.
        let exercise = try Fixtures.exercise("greeting-server")
        let start = MonotonicInstant.now()
        let g = try Fixtures.grade("greeting-server", "reference.py")
        let seconds = MonotonicInstant.now().seconds(since: start)
        #expect(g.passed)
        #expect(seconds < exercise.startTimeout, "grading took \(seconds) s")
    }
}

@Suite("Exercise files")
struct ExerciseFileTests {
    func diagnostics(_ text: String) -> [String] {
        ExerciseLoader.parse(data: Data(text.utf8), path: "x.md").diagnostics.map { "\($0.location.line): \($0.message)" + ($0.help.map { " | \($0)" } ?? "") }
    }

    @Test("a missing exercise file says so, with a suggestion")
    func missing() {
        let r = ExerciseLoader.load(path: Fixtures.exercises + "/echo-sever.md")
        #expect(r.exercise == nil)
        #expect(r.diagnostics.first?.message.hasPrefix("there is no exercise file at") == true)
        #expect(r.diagnostics.first?.help?.contains("echo-server.md") == true)
    }

    @Test("an exercise without `program:` is refused with the fix")
    func noProgram() {
        let d = diagnostics("# X\n\n## Check (1 point)\n\n```steps\nc = socket(AF_INET, SOCK_STREAM)\n```\n")
        #expect(d.contains { $0.contains("does not say what the student's program is") && $0.contains("program: server") })
    }

    @Test("a wrong `program:` value gets a did-you-mean")
    func badProgram() {
        let d = diagnostics("---\nprogram: sever\n---\n## Check\n```steps\nc = socket(AF_INET, SOCK_STREAM)\n```\n")
        #expect(d.contains { $0.hasPrefix("2: `program: sever`") && $0.contains("did you mean `program: server`?") })
    }

    @Test("an exercise without checks, or with steps outside a check, is refused")
    func noChecks() {
        let d = diagnostics("---\nprogram: server\n---\n# X\n```steps\nc = socket(AF_INET, SOCK_STREAM)\n```\n")
        #expect(d.contains { $0.contains("this step is not inside a check") })
        #expect(d.contains { $0.contains("this exercise has no checks") })
    }

    @Test("headings carry points, hidden and time limits; nonsense in them is reported")
    func headings() throws {
        let text = "---\nprogram: server\n---\n## One (2 points, hidden, within 500 ms)\n```steps\nc = socket(AF_INET, SOCK_STREAM)\n```\n## Two (again)\n```steps\nc = socket(AF_INET, SOCK_STREAM)\n```\n## Three (3 points, soon)\n```steps\nc = socket(AF_INET, SOCK_STREAM)\n```\n"
        let r = ExerciseLoader.parse(data: Data(text.utf8), path: "x.md")
        #expect(r.diagnostics.contains { $0.message == "`soon` in the heading is not understood" && $0.location.line == 12 })
        let ok = ExerciseLoader.parse(data: Data(text.replacingOccurrences(of: ", soon", with: "").utf8), path: "x.md")
        let e = try #require(ok.exercise)
        #expect(e.checks.map(\.name) == ["One", "Two (again)", "Three"])
        #expect(e.checks.map(\.points) == [2, 1, 3])
        #expect(e.checks[0].hidden && e.checks[0].within == 0.5)
    }

    @Test("a client exercise needs a setup; a server exercise may not check output")
    func kinds() {
        let client = diagnostics("---\nprogram: client\n---\n## Prints (1 point)\n```stdout\nhi\n```\n")
        #expect(client.contains { $0.contains("needs a `## Setup` section") })
        let server = diagnostics("---\nprogram: server\n---\n## Prints (1 point)\n```steps\nc = socket(AF_INET, SOCK_STREAM)\n```\nExit status: 0\n")
        #expect(server.contains { $0.contains("only client exercises check what the program printed") })
    }

    @Test("bad front matter values are reported with the expected form")
    func frontMatter() {
        let d = diagnostics("---\nprogram: server\nprotocol: sctp\ntimeout: soon\npass-at: most\n---\n## A\n```steps\nc = socket(AF_INET, SOCK_STREAM)\n```\n")
        #expect(d.contains { $0.hasPrefix("3: `protocol: sctp`") })
        #expect(d.contains { $0.hasPrefix("4: `timeout: soon` is not a number of seconds") })
        #expect(d.contains { $0.hasPrefix("5: `pass-at: most` is not a score") })
    }
}

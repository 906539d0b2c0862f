import Foundation
import Testing
@testable import Grader
@testable import SockstepCLI

/// Every output format, checked by a real consumer where one exists here.
@Suite("Reports", .enabled(if: Fixtures.hasPython, Fixtures.noPython))
struct ReportTests {
    /// A grade with passed, failed and hidden checks (the echo server that reads only once).
    static let grade: Grade = {
        (try? Fixtures.grade("echo-server", "reads-once.py")) ?? Grader.grade(try! Fixtures.exercise("echo-server"), GradeOptions(command: ["false"]))
    }()

    @Test("text: each check, what was sent and came back, expected vs actual with a marker, hint, points")
    func text() {
        let t = TextReport.render(Self.grade)
        #expect(t.contains("✓ 1. Echoes one message"))
        #expect(t.contains("c.sendall(b\"hello\\n\")"))
        #expect(t.contains("sent 6 bytes"))
        #expect(t.contains("got b'hello\\n'"))
        #expect(t.contains("  expected: blocks"))
        #expect(t.contains("^ first difference"))
        #expect(t.contains("hint: one `recv` is not the whole conversation"))
        #expect(t.contains("(hidden check: graded, details not shown)"))
        #expect(t.contains("Score: 5/9 points (56%). Not passed yet."))
        #expect(!t.contains("\u{1B}["), "no colour unless asked")
    }

    @Test("text: the heading names the command and the exercise, on two lines when one would pass 80 columns")
    func heading() {
        var g = Self.grade
        g.command = ["python3", "server.py"]
        g.exercisePath = "echo-server.md"
        let short = TextReport.render(g).split(separator: "\n")[0]
        #expect(short == "Grading `python3 server.py` with \(g.exercise) (\(g.exercisePath))")
        g.command = ["python3", "scenarios/exercises/solutions/echo-server/a-rather-long-name/reference.py"]
        let lines = TextReport.render(g).split(separator: "\n").prefix(2).map(String.init)
        #expect(lines[0] == "Grading `python3 scenarios/exercises/solutions/echo-server/a-rather-long-name/reference.py`")
        #expect(lines[1] == "  with \(g.exercise) (\(g.exercisePath))")
        #expect(lines[1].count <= 80)
    }

    @Test("TAP version 14: the version line, the plan, a line per check")
    func tapShape() {
        let t = TAPReport.render(Self.grade)
        #expect(t.hasPrefix("TAP version 14\n1..5\n"))
        #expect(t.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == 3, "\(t)")
        #expect(t.split(separator: "\n").filter { $0.hasPrefix("not ok ") }.count == 2, "\(t)")
    }

    @Test("TAP version 14 parses with a real TAP consumer (tap.py)",
          .enabled(if: Fixtures.hasTapPy, "the Python package tap.py is not installed (python3 -m pip install tap.py); .ci/run installs it"))
    func tap() throws {
        let t = TAPReport.render(Self.grade)
        let script = """
        import sys
        from tap.parser import Parser
        ok = fail = 0
        for line in Parser().parse_text(sys.stdin.read()):
            if line.category == "test":
                if line.ok: ok += 1
                else: fail += 1
            if line.category == "bail": sys.exit(2)
        print(ok, fail)
        """
        let r = Fixtures.run(["python3", "-W", "ignore", "-c", script], input: t)
        #expect(r.status == 0, "\(r.output)\n\(t)")
        #expect(r.output.split(separator: "\n").last == "3 2", "\(r.output)")
    }

    @Test("the same TAP stream parses with Perl's TAP::Parser (prove), which knows versions up to 13",
          .enabled(if: Fixtures.hasPerlTAP, "perl with TAP::Parser (part of Perl's core) is not installed"))
    func tapPerl() {
        let t = TAPReport.render(Self.grade)
        let perl = Fixtures.run(["perl", "-MTAP::Parser", "-e", "my $p = TAP::Parser->new({tap => join('', <STDIN>)}); while (my $r = $p->next) {} print join(',', scalar($p->passed), scalar($p->failed), $p->tests_run), \"\\n\";"],
                                input: t.replacingOccurrences(of: "TAP version 14", with: "TAP version 13"))
        #expect(perl.output.trimmingCharacters(in: .whitespacesAndNewlines) == "3,2,5", "\(perl.output)")
    }

    @Test("JUnit XML parses, with a testcase per check and failures where checks failed")
    func junit() {
        let x = JUnitReport.render(Self.grade)
        let script = """
        import sys, xml.etree.ElementTree as ET
        root = ET.fromstring(sys.stdin.buffer.read())
        assert root.tag == "testsuites", root.tag
        suite = root.find("testsuite")
        cases = suite.findall("testcase")
        failures = [c for c in cases if c.find("failure") is not None]
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == len(failures)
        for c in cases: assert c.get("name") and c.get("classname") and float(c.get("time")) >= 0
        print(len(cases), len(failures), failures[0].find("failure").get("message"))
        """
        let r = Fixtures.run(["python3", "-c", script], input: x)
        #expect(r.status == 0, "\(r.output)\n\(x)")
        #expect(r.output.hasPrefix("5 2 Your program closed the connection"), "\(r.output)")
    }

    @Test("JUnit escapes what a program may print (control bytes, markup)")
    func junitEscapes() {
        #expect(JUnitReport.esc("a<b>&\"'\u{1}\u{1B}") == "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}\u{FFFD}")
    }

    @Test("Gradescope results.json has the fields of its specification")
    func gradescope() throws {
        let data = Data(GradescopeReport.render(Self.grade).utf8)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["score"] as? Double == 5)
        #expect(json["execution_time"] is Double)
        #expect(json["output"] is String)
        #expect(json["visibility"] as? String == "visible")
        let tests = try #require(json["tests"] as? [[String: Any]])
        #expect(tests.count == 5)
        for t in tests {
            #expect(t["name"] is String && t["score"] is Double && t["max_score"] is Double && t["output"] is String && t["number"] is String)
            #expect(["passed", "failed"].contains(t["status"] as? String ?? ""))
            #expect(["visible", "hidden", "after_due_date", "after_published"].contains(t["visibility"] as? String ?? ""))
        }
        #expect(tests[4]["visibility"] as? String == "after_due_date")
        #expect((tests.map { $0["score"] as! Double }).reduce(0, +) == 5)
    }

    @Test("sockstep's JSON carries the whole grade and decodes back")
    func ownJSON() throws {
        let text = JSONReport.render(Self.grade)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["format"] as? String == "sockstep-grade")
        #expect(json["version"] as? Int == 1)
        let gradeData = try JSONSerialization.data(withJSONObject: json["grade"]!)
        let back = try JSONDecoder().decode(Grade.self, from: gradeData)
        #expect(back.score == Self.grade.score)
        #expect(back.checks.count == 5)
    }
}

/// The command line, end to end through `CLI.main` with captured output.
@Suite("sockstep grade")
struct GradeCommandTests {
    final class Captured: @unchecked Sendable {
        var out = "", err = ""
        let lock = NSLock()
        var io: IO {
            IO(out: { s in self.lock.lock(); self.out += s; self.lock.unlock() }, err: { s in self.lock.lock(); self.err += s; self.lock.unlock() },
               environment: ProcessInfo.processInfo.environment, stdoutIsTerminal: false, stderrIsTerminal: false)
        }
    }

    func run(_ args: [String]) -> (Int32, Captured) {
        let c = Captured()
        let code = CLI.main(["grade"] + args, io: c.io)
        return (code, c)
    }

    var echo: String { Fixtures.exercises + "/echo-server.md" }

    @Test("exit 0 at full marks, 1 below, --pass-at lowers the bar", .enabled(if: Fixtures.hasPython, Fixtures.noPython))
    func exitCodes() {
        #expect(run([echo, "--", Fixtures.python, Fixtures.solution("echo-server", "reference.py")]).0 == 0)
        #expect(run([echo, "--", Fixtures.python, Fixtures.solution("echo-server", "reads-once.py")]).0 == 1)
        #expect(run([echo, "--pass-at", "50%", "--", Fixtures.python, Fixtures.solution("echo-server", "reads-once.py")]).0 == 0)
    }

    @Test("exit 2 for an unusable exercise or program, 64 for a bad command line")
    func errors() {
        let (c1, o1) = run([Fixtures.exercises + "/nope.md", "--", "python3", "x.py"])
        #expect(c1 == 2)
        #expect(o1.err.contains("there is no exercise file"))
        let (c2, o2) = run([echo, "--", "no-such-program-xyz"])
        #expect(c2 == 2)
        #expect(o2.out.contains("is not a command this machine knows"))
        let (c3, o3) = run([echo])
        #expect(c3 == 64)
        #expect(o3.err.contains("no program to grade"))
        let (c4, o4) = run([echo, "--format", "tapp", "--", "python3"])
        #expect(c4 == 64)
        #expect(o4.err.contains("Did you mean 'tap'?"))
        #expect(run([echo, "--jobs", "0", "--", "python3"]).0 == 64)
        #expect(run([echo, "--pass-at", "lots", "--", "python3"]).0 == 64)
    }

    @Test("--output writes the report to a file; stdout stays clean", .enabled(if: Fixtures.hasPython, Fixtures.noPython))
    func output() throws {
        let path = TestScratch.rootPath + "sockstep-results-\(UUID().uuidString).json"
        let (code, c) = run([echo, "--format", "gradescope", "--output", path, "--", Fixtures.python, Fixtures.solution("echo-server", "reference.py")])
        #expect(code == 0)
        #expect(c.out.isEmpty)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["score"] as? Double == 9)
    }

    @Test("50 reference submissions graded in parallel, each isolated, with a gradebook", .timeLimit(.minutes(2)), .enabled(if: Fixtures.hasPython, Fixtures.noPython))
    func manySubmissions() throws {
        let dir = TestScratch.rootPath + "sockstep-subs-\(UUID().uuidString)"
        let reference = try String(contentsOfFile: Fixtures.solution("greeting-server", "reference.py"), encoding: .utf8)
        for i in 1...50 {
            let sub = dir + "/student\(String(format: "%02d", i))"
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
            try reference.write(toFile: sub + "/server.py", atomically: true, encoding: .utf8)
        }
        // Two that misbehave must not affect the others.
        try "import os, sys\nsys.stdout.write('x' * 5000000)\nraise SystemExit(1)\n".write(toFile: dir + "/student07/server.py", atomically: true, encoding: .utf8)
        try Self.hangs.write(toFile: dir + "/student13/server.py", atomically: true, encoding: .utf8)
        let out = dir + "-gradebook"
        let start = Date()
        let (code, c) = run([Fixtures.exercises + "/greeting-server.md", "--submissions", dir, "--jobs", "2", "--output", out, "--time-scale", "0.5",
                             "--", Fixtures.python, "{dir}/server.py"])
        let seconds = Date().timeIntervalSince(start)
        #expect(code == 1, "two submissions are below full marks")
        #expect(c.out.contains("Graded 50 submissions: 48 passed, 2 below."), "\(c.out)")
        let csv = try String(contentsOfFile: out + "/gradebook.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 51)
        #expect(csv[0].hasPrefix("submission,score,max_score,percent,passed,status,message,seconds,1. Greets a client"))
        #expect(csv.filter { $0.contains(",7,7,100.0,true,passed,") }.count == 48)
        // It floods its output and exits 1 before listening (or, on a loaded machine, is still
        // writing at the start deadline): either way zero, and nobody else is affected.
        #expect(csv.contains { $0.hasPrefix("student07,0,7,") && ($0.contains("exited with status 1 before it listened") || $0.contains("did not listen")) },
                "\(csv.filter { $0.hasPrefix("student07") })")
        #expect(csv.contains { $0.hasPrefix("student13,") && $0.contains("sent nothing back") })
        let book = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/gradebook.json"))) as? [String: Any]
        #expect((book?["submissions"] as? [Any])?.count == 50)
        #expect(FileManager.default.fileExists(atPath: out + "/student01.txt"))
        print("graded 50 submissions with --jobs 2 in \(String(format: "%.2f", seconds)) s")
    }

    static let hangs = """
    import os, socket
    s = socket.socket()
    s.bind(("127.0.0.1", int(os.environ["PORT"])))
    s.listen()
    while True:
        conn, addr = s.accept()
        conn.recv(1)
    """
}

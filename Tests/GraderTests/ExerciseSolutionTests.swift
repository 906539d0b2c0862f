import Foundation
import Testing
@testable import Grader

/// Every exercise's reference solution gets full marks; every broken variant gets the score and
/// the message that fit its mistake.
@Suite("Exercises and their solutions")
struct ExerciseSolutionTests {
    static let exercises = ["echo-server", "greeting-server", "uppercase-server", "udp-echo-server", "concurrent-server",
                            "length-prefixed-server", "http-server", "fetch-greeting-client", "request-reply-client"]

    @Test("the reference solution gets full marks", .enabled(if: Fixtures.hasPython, Fixtures.noPython), arguments: exercises)
    func reference(_ name: String) throws {
        let g = try Fixtures.grade(name, "reference.py")
        #expect(g.score == g.maxScore, "\(name): \(TextReport.render(g))")
        #expect(g.passed)
        #expect(g.problem == nil)
        #expect(Fixtures.groupIsGone(g.program.processGroup ?? 0))
    }

    struct Broken: Sendable, CustomStringConvertible {
        var exercise: String
        var file: String
        var score: Double
        /// Words the student must see in the first failure's message (or the program's problem).
        var message: String
        var timeScale: Double = 1
        var description: String { "\(exercise)/\(file)" }
    }

    static let broken: [Broken] = [
        Broken(exercise: "echo-server", file: "reads-once.py", score: 5, message: "closed the connection, but it should have kept it open"),
        Broken(exercise: "echo-server", file: "never-loops.py", score: 2, message: "stopped serving clients"),
        Broken(exercise: "echo-server", file: "crashes.py", score: 0, message: "exited with status 1 before it listened on port"),
        Broken(exercise: "echo-server", file: "wrong-port.py", score: 0, message: "listens on port 12345, but the grader gave it port"),
        Broken(exercise: "echo-server", file: "hangs.py", score: 0, message: "sent nothing back within", timeScale: 0.25),
        Broken(exercise: "greeting-server", file: "wrong-text.py", score: 0, message: "Your program sent b'Thanks for connecting\\n'; expected b'Thank you for connecting\\n'"),
        Broken(exercise: "greeting-server", file: "never-closes.py", score: 5, message: "kept the connection open", timeScale: 0.25),
        Broken(exercise: "greeting-server", file: "never-loops.py", score: 2, message: "exited (with status 0)"),
        Broken(exercise: "uppercase-server", file: "answers-reads.py", score: 5, message: "sent b'HEL', but it should not have answered yet"),
        Broken(exercise: "uppercase-server", file: "first-line-only.py", score: 5, message: "sent b'ONE\\n' and then nothing more", timeScale: 0.25),
        Broken(exercise: "uppercase-server", file: "crashes.py", score: 0, message: "TypeError: a bytes-like object is required"),
        Broken(exercise: "udp-echo-server", file: "never-loops.py", score: 2, message: "sent nothing back within", timeScale: 0.25),
        Broken(exercise: "udp-echo-server", file: "wrong-port.py", score: 0, message: "is bound to port 12346, but the grader gave it port"),
        Broken(exercise: "udp-echo-server", file: "crashes.py", score: 0, message: "TypeError"),
        Broken(exercise: "concurrent-server", file: "one-at-a-time.py", score: 1, message: "sent nothing back within", timeScale: 0.5),
        Broken(exercise: "concurrent-server", file: "never-loops.py", score: 1, message: "stopped serving clients"),
        Broken(exercise: "length-prefixed-server", file: "replies-early.py", score: 3, message: "should not have answered yet"),
        Broken(exercise: "length-prefixed-server", file: "reads-once.py", score: 2, message: "should not have answered yet"),
        Broken(exercise: "length-prefixed-server", file: "hangs.py", score: 0, message: "sent nothing back within", timeScale: 0.25),
        Broken(exercise: "http-server", file: "replies-early.py", score: 6, message: "should not have answered yet"),
        Broken(exercise: "http-server", file: "wrong-status.py", score: 0, message: "Your program sent b'HTTP/1.1 200 OK"),
        Broken(exercise: "http-server", file: "never-closes.py", score: 1, message: "kept the connection open", timeScale: 0.25),
        Broken(exercise: "fetch-greeting-client", file: "wrong-port.py", score: 0, message: "ConnectionRefusedError"),
        Broken(exercise: "fetch-greeting-client", file: "prints-nothing.py", score: 2, message: "did not print 'Hello from the server'"),
        Broken(exercise: "fetch-greeting-client", file: "crashes.py", score: 3, message: "exited with status 1; expected status 0"),
        Broken(exercise: "request-reply-client", file: "no-newline.py", score: 1, message: "sent b'PING' and then nothing more"),
        Broken(exercise: "request-reply-client", file: "never-closes.py", score: 4, message: "kept the connection open", timeScale: 0.5),
        Broken(exercise: "request-reply-client", file: "crashes.py", score: 0, message: "TypeError"),
    ]

    @Test("a broken solution gets partial or zero marks, with the message that fits", .enabled(if: Fixtures.hasPython, Fixtures.noPython), arguments: broken)
    func brokenSolution(_ b: Broken) throws {
        let g = try Fixtures.grade(b.exercise, b.file, timeScale: b.timeScale)
        let report = TextReport.render(g)
        #expect(g.score == b.score, "\(b): \(report)")
        #expect(!g.passed)
        let first = g.problem.map { $0.message + " " + ($0.detail ?? "") } ?? g.checks.first { $0.status != .passed }.map { ($0.feedback?.message ?? "") + " " + ($0.feedback?.detail ?? "") } ?? ""
        #expect(first.contains(b.message), "\(b): \(first)")
        #expect(Fixtures.groupIsGone(g.program.processGroup ?? 0))
    }

    @Test("a program that never listens is reported as stuck, after the start deadline", .enabled(if: Fixtures.hasPython, Fixtures.noPython))
    func neverListens() throws {
        for (exercise, file) in [("echo-server", "never-listens.py"), ("concurrent-server", "never-listens.py")] {
            let g = try Fixtures.grade(exercise, file, startTimeout: 0.5)
            #expect(g.score == 0)
            #expect(g.problem?.message.contains("did not listen on port") == true, "\(g.problem?.message ?? "")")
            #expect(g.problem?.message.contains("it was still running") == true, "\(g.problem?.message ?? "")")
            #expect(Fixtures.groupIsGone(g.program.processGroup ?? 0))
        }
    }

    @Test("every exercise file in scenarios/exercises loads without diagnostics")
    func exercisesAreClean() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.exercises).filter { $0.hasSuffix(".md") }
        #expect(files.count >= 9)
        for f in files {
            let r = ExerciseLoader.load(path: Fixtures.exercises + "/" + f)
            #expect(r.diagnostics.isEmpty, "\(f): \(r.diagnostics.map { "\($0.location): \($0.message)" })")
        }
    }
}

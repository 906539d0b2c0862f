import Foundation
import Testing
@testable import Ship

/// The generated GitHub Classroom workflow, read the way GitHub Actions reads it (enough of YAML
/// for the workflow's shape), and its commands run here the way the actions run them.
struct Workflow {
    struct Step {
        var name = ""
        var id: String?
        var uses: String?
        var run: String?
        var with: [String: String] = [:]
        var env: [String: String] = [:]
    }
    var steps: [Step] = []

    /// Reads the job's steps: `- name:` starts one; `run:`, `uses:`, `id:` and the `with:`/`env:` maps fill it.
    init(_ yaml: String) throws {
        var current: Step?
        var map: String?
        var inSteps = false
        for raw in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasPrefix("    steps:") { inSteps = true; continue }
            guard inSteps else { continue }
            let indent = line.prefix { $0 == " " }.count
            var text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("- ") {
                if let c = current { steps.append(c) }
                current = Step()
                map = nil
                text.removeFirst(2)
            } else if indent <= 6 { map = nil }
            guard let colon = text.firstIndex(of: ":") else { throw Fixtures.Failure(description: "not a key: \(line)") }
            let key = String(text[..<colon])
            let value = Workflow.scalar(String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
            if let m = map, indent >= 8 {
                if m == "with" { current?.with[key] = value } else { current?.env[key] = value }
                continue
            }
            switch key {
            case "name": current?.name = value
            case "id": current?.id = value
            case "uses": current?.uses = value
            case "run": current?.run = value
            case "with", "env": map = key
            case "timeout-minutes": break
            default: throw Fixtures.Failure(description: "unexpected key \(key) in a step")
            }
        }
        if let c = current { steps.append(c) }
    }

    /// A plain or double-quoted YAML scalar.
    static func scalar(_ s: String) -> String {
        guard s.hasPrefix("\""), let data = s.data(using: .utf8), let v = try? JSONDecoder().decode(String.self, from: data) else { return s }
        return v
    }

    struct Points { var score: Int; var max: Int; var passed: [String] }

    /// Runs the steps in `repo`: `run:` with bash (as Actions does), each command grader's command
    /// with the few variables the action passes (PATH, HOME), adding up points as the reporter does.
    func run(in repo: String) throws -> (points: Points, log: String) {
        var points = Points(score: 0, max: 0, passed: [])
        var log = ""
        for step in steps {
            if let run = step.run {
                let r = try Fixtures.run("/bin/bash", ["-e", "-c", run], environment: ["GITHUB_WORKSPACE": repo], cwd: repo)
                log += r.stdout + r.stderr
                guard r.status == 0 else { throw Fixtures.Failure(description: "step '\(step.name)' failed (\(r.status)): \(r.stderr)") }
            } else if step.uses == "classroom-resources/autograding-command-grader@v1" {
                let command = try #require(step.with["command"])
                let max = try #require(Int(step.with["max-score"] ?? ""))
                let env = ProcessInfo.processInfo.environment
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/bin/sh")
                p.arguments = ["-c", command]
                p.environment = ["PATH": env["PATH"] ?? "/usr/bin:/bin", "HOME": env["HOME"] ?? "/root"]
                p.currentDirectoryURL = URL(fileURLWithPath: repo)
                let out = Pipe()
                p.standardOutput = out
                p.standardError = out
                try p.run()
                let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                log += text
                points.max += max
                if p.terminationStatus == 0 { points.score += max; points.passed.append(step.with["test-name"] ?? "") }
            }
        }
        return (points, log)
    }
}

@Suite struct ClassroomTests {
    /// The echo server's workflow, written once with the built sockstep into a template repository.
    static let template: Result<String, Fixtures.Failure> = {
        do {
            let dir = try TestScratch.folder("template")
            let r = try Fixtures.sockstep(["classroom", Fixtures.exercises + "/echo-server.md", "--command", "python3 server.py", "--output", dir, "--binary", Fixtures.sockstep])
            guard r.status == 0 else { return .failure(Fixtures.Failure(description: "sockstep classroom failed: \(r.stderr)")) }
            return .success(dir)
        } catch { return .failure(Fixtures.Failure(description: "\(error)")) }
    }()

    /// A student's repository: the template's .github, and `server.py` copied from a solution.
    static func repository(_ solution: String) throws -> String {
        guard case .success(let t) = template else { throw Fixtures.Failure(description: "no template") }
        let repo = try TestScratch.folder("student")
        try FileManager.default.createSymbolicLink(atPath: repo + "/.github", withDestinationPath: t + "/.github")
        try Fixtures.copy(Fixtures.solution("echo-server", solution), to: repo + "/server.py")
        return repo
    }

    static func workflow() throws -> Workflow {
        guard case .success(let t) = template else { throw Fixtures.Failure(description: "no template") }
        return try Workflow(String(contentsOfFile: t + "/" + ClassroomWorkflow.workflowPath, encoding: .utf8))
    }

    @Test func theWorkflowHasTheShapeClassroomReads() throws {
        let w = try Self.workflow()
        #expect(w.steps.map(\.name) == ["Checkout code", "Grade with sockstep", "Check 1: Echoes one message", "Check 2: Keeps the connection open until the client closes",
                                        "Check 3: Echoes a long message completely", "Check 4: Serves one client after another", "Check 5: Survives a client that leaves without a word", "Autograding Reporter"])
        let graders = w.steps.filter { $0.uses == "classroom-resources/autograding-command-grader@v1" }
        #expect(graders.map { $0.with["max-score"] } == ["2", "2", "2", "2", "1"])
        let reporter = try #require(w.steps.last)
        #expect(reporter.uses == "classroom-resources/autograding-grading-reporter@v1")
        // The reporter reads each runner's result from the variable RUNNER_RESULTS (upper case).
        let ids = graders.compactMap(\.id)
        #expect(reporter.with["runners"] == ids.joined(separator: ","))
        for id in ids { #expect(reporter.env[id.uppercased() + "_RESULTS"] == "${{ steps.\(id).outputs.result }}") }
        guard case .success(let t) = Self.template else { return }
        let yaml = try String(contentsOfFile: t + "/" + ClassroomWorkflow.workflowPath, encoding: .utf8)
        #expect(yaml.contains("\nname: Autograding Tests\n'on':\n- push\n"))
        #expect(yaml.contains("permissions:\n  checks: write\n"))
    }

    @Test func aCorrectRepositoryGetsEveryPoint() throws {
        let (points, log) = try Self.workflow().run(in: Self.repository("reference.py"))
        #expect(points.score == 9 && points.max == 9, "\(log)")
        #expect(log.contains("ok 5 - Survives a client that leaves without a word"))
    }

    @Test func aBrokenRepositoryGetsThePointsOfItsPassingChecks() throws {
        let (points, log) = try Self.workflow().run(in: Self.repository("reads-once.py"))
        #expect(points.max == 9)
        #expect(points.passed == ["Echoes one message", "Serves one client after another", "Survives a client that leaves without a word"], "\(log)")
        #expect(points.score == 5)
        // The log tells the student why, once, from the grading step.
        #expect(log.contains("Your program closed the connection, but it should have kept it open and waited."))
        #expect(log.contains("not ok 2 - Keeps the connection open until the client closes: see the step 'Grade with sockstep' for what happened"))
    }

    @Test func aRepositoryWhoseProgramDoesNotStartGetsZero() throws {
        let (points, log) = try Self.workflow().run(in: Self.repository("crashes.py"))
        #expect(points.score == 0 && points.max == 9)
        #expect(log.contains("AttributeError"), "\(log)")
    }

    @Test func aCheckStepAloneGradesFirst() throws {
        guard case .success(let t) = Self.template else { return }
        let repo = try Self.repository("reference.py")
        let r = try Fixtures.run("/bin/bash", [repo + "/.github/classroom/grade.sh", "check", "3"], cwd: t)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout == "ok 3 - Echoes a long message completely\n")
        let unknown = try Fixtures.run("/bin/bash", [repo + "/.github/classroom/grade.sh", "check", "9"], cwd: repo)
        #expect(unknown.status == 1)
        #expect(unknown.stdout == "check 9 was not graded: see the step 'Grade with sockstep' for what happened\n")
    }

    @Test func theTemplateHasEveryFile() throws {
        guard case .success(let t) = Self.template else { return }
        for (file, mode) in [(".github/classroom/grade.sh", 0o755), (".github/classroom/sockstep", 0o755), (".github/classroom/echo-server.md", 0o644), (".github/classroom/README.md", 0o644), (".github/workflows/classroom.yml", 0o644)] {
            let a = try FileManager.default.attributesOfItem(atPath: t + "/" + file)
            #expect((a[.posixPermissions] as? NSNumber)?.intValue == mode, "\(file)")
        }
        let syntax = try Fixtures.run("/bin/bash", ["-n", t + "/.github/classroom/grade.sh"])
        #expect(syntax.status == 0, "\(syntax.stderr)")
    }
}

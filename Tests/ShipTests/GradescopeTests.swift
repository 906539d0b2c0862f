import Foundation
import Testing
@testable import Ship

/// Gradescope's results.json, checked against the fields scenarios/README.md documents (and
/// https://gradescope-autograders.readthedocs.io/en/latest/specs/ defines). Returns the problems.
enum ResultsJSON {
    static let visibilities: Set<String> = ["hidden", "after_due_date", "after_published", "visible"]
    static let formats: Set<String> = ["text", "html", "simple_format", "md", "ansi"]

    struct Results: Decodable {
        var score: Double
        var execution_time: Double?
        var output: String
        var output_format: String
        var visibility: String
        var stdout_visibility: String
        var tests: [Test]
    }
    struct Test: Decodable {
        var number: String?
        var name: String
        var score: Double
        var max_score: Double
        var status: String?
        var output: String
        var output_format: String?
        var visibility: String
    }

    static func problems(_ data: Data) -> [String] {
        let r: Results
        do { r = try JSONDecoder().decode(Results.self, from: data) } catch { return ["does not have the documented fields and types: \(error)"] }
        var out: [String] = []
        func allowed(_ value: String?, _ set: Set<String>, _ what: String) {
            if let value, !set.contains(value) { out.append("\(what) is '\(value)', not one of \(set.sorted())") }
        }
        allowed(r.output_format, formats, "output_format")
        allowed(r.visibility, visibilities, "visibility")
        allowed(r.stdout_visibility, visibilities, "stdout_visibility")
        for (i, t) in r.tests.enumerated() {
            let at = "tests[\(i)]."
            if t.name.isEmpty { out.append(at + "name is empty") }
            allowed(t.output_format, formats, at + "output_format")
            allowed(t.visibility, visibilities, at + "visibility")
            allowed(t.status, ["passed", "failed"], at + "status")
            if t.score < 0 || t.score > t.max_score { out.append("\(at)score \(t.score) is not between 0 and max_score \(t.max_score)") }
            if let status = t.status, (status == "passed") != (t.score == t.max_score && t.max_score > 0) { out.append("\(at)status \(status) with \(t.score)/\(t.max_score)") }
        }
        let sum = r.tests.reduce(0) { $0 + $1.score }
        if abs(r.score - sum) > 1e-9 { out.append("score \(r.score) is not the sum of the tests' scores \(sum)") }
        return out
    }
}

/// The generated autograder, run the way Gradescope runs it, against a scratch folder laid out like
/// /autograder (AUTOGRADER_ROOT), for correct, broken and non-starting submissions.
@Suite struct GradescopeTests {
    /// The echo server's autograder, made once with the built sockstep and unpacked: (zip, source folder).
    static let autograder: Result<(zip: String, source: String), Fixtures.Failure> = {
        guard let unzip = Fixtures.tool("unzip") else { return .failure(Fixtures.Failure(description: "unzip is not installed")) }
        do {
            let dir = try TestScratch.folder("gradescope")
            let zip = dir + "/autograder.zip"
            let made = try Fixtures.sockstep(["gradescope", Fixtures.exercises + "/echo-server.md", "--command", "python3 server.py", "--output", zip, "--binary", Fixtures.sockstep])
            guard made.status == 0 else { return .failure(Fixtures.Failure(description: "sockstep gradescope failed: \(made.stderr)")) }
            let x = try Fixtures.run(unzip, ["-q", zip, "-d", dir + "/source"])
            guard x.status == 0 else { return .failure(Fixtures.Failure(description: "unzip failed: \(x.stderr)")) }
            return .success((zip, dir + "/source"))
        } catch { return .failure(Fixtures.Failure(description: "\(error)")) }
    }()

    struct Run {
        var status: Int32
        var stdout: String
        var results: [String: Any]
        var tests: [[String: Any]] { results["tests"] as? [[String: Any]] ?? [] }
        var score: Double { (results["score"] as? NSNumber)?.doubleValue ?? -1 }
        var output: String { results["output"] as? String ?? "" }
    }

    /// A fresh /autograder-like root whose submission holds `files` (path in the submission → file to copy).
    static func grade(_ files: [String: String], source: String? = nil) throws -> Run? {
        let ag: (zip: String, source: String)
        switch autograder {
        case .success(let a): ag = a
        case .failure(let f):
            print("skipped: \(f.description)")
            return nil
        }
        let root = try TestScratch.folder("autograder")
        try FileManager.default.createSymbolicLink(atPath: root + "/source", withDestinationPath: source ?? ag.source)
        try FileManager.default.createDirectory(atPath: root + "/submission", withIntermediateDirectories: true)
        for (path, from) in files { try Fixtures.copy(from, to: root + "/submission/" + path) }
        let r = try Fixtures.run("/bin/bash", [(source ?? ag.source) + "/run_autograder"], environment: ["AUTOGRADER_ROOT": root], cwd: root)
        let data = try #require(FileManager.default.contents(atPath: root + "/results/results.json"), "no results.json; run_autograder said: \(r.stdout)\(r.stderr)")
        let problems = ResultsJSON.problems(data)
        #expect(problems.isEmpty, "\(problems)\n\(String(decoding: data, as: UTF8.self))")
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Run(status: r.status, stdout: r.stdout + r.stderr, results: results)
    }

    static func solution(_ name: String) -> [String: String] { ["server.py": Fixtures.solution("echo-server", name)] }

    @Test func aCorrectSubmissionGetsFullMarks() throws {
        guard let r = try Self.grade(Self.solution("reference.py")) else { return }
        #expect(r.status == 0)
        #expect(r.score == 9)
        #expect(r.tests.count == 5)
        #expect(r.tests.map { $0["name"] as? String } == ["Echoes one message", "Keeps the connection open until the client closes", "Echoes a long message completely", "Serves one client after another", "Survives a client that leaves without a word"])
        // The hidden check is Gradescope's after_due_date; the others are visible at once.
        #expect(r.tests.map { $0["visibility"] as? String } == ["visible", "visible", "visible", "visible", "after_due_date"])
        #expect(r.output.contains("Score: 9/9"))
    }

    @Test func aBrokenSubmissionGetsPartialMarksAndTheReasons() throws {
        guard let r = try Self.grade(Self.solution("reads-once.py")) else { return }
        #expect(r.status == 0)
        #expect(r.score > 0 && r.score < 9, "\(r.score)")
        let failed = r.tests.filter { ($0["status"] as? String) == "failed" }
        #expect(!failed.isEmpty)
        for t in failed { #expect((t["output"] as? String)?.contains("Hint:") == true, "\(t)") }
    }

    @Test func aSubmissionThatDoesNotStartGetsZeroAndItsError() throws {
        guard let r = try Self.grade(Self.solution("crashes.py")) else { return }
        #expect(r.status == 0)
        #expect(r.score == 0)
        #expect(r.tests.count == 5)
        #expect(r.output.contains("exited with status 1 before it listened"), "\(r.output)")
        #expect(r.output.contains("AttributeError"))
    }

    @Test func aProgramInAFolderOfTheUploadIsFound() throws {
        guard let r = try Self.grade(["hw1/echo/server.py": Fixtures.solution("echo-server", "reference.py")]) else { return }
        #expect(r.score == 9, "\(r.output)")
    }

    @Test func anEmptySubmissionIsToldSo() throws {
        guard let r = try Self.grade([:]) else { return }
        #expect(r.status == 0)
        #expect(r.score == 0)
        #expect(r.output == "Your submission is empty. Upload server.py: the autograder starts it with: python3 server.py")
        #expect(r.tests.count == 5)
        #expect(r.tests.allSatisfy { ($0["score"] as? NSNumber) == 0 && ($0["output"] as? String) == "Not graded: see the message at the top." })
    }

    @Test func aSubmissionWithoutTheFileSaysWhatItHas() throws {
        guard let r = try Self.grade(["notes.txt": Fixtures.exercises + "/echo-server.md", "Server.PY": Fixtures.solution("echo-server", "reference.py")]) else { return }
        #expect(r.score == 0)
        #expect(r.output.hasPrefix("Your submission has no server.py."), "\(r.output)")
        #expect(r.output.hasSuffix("Your submission has: Server.PY notes.txt"), "\(r.output)")
    }

    /// A copy of the autograder's files, with `change` applied to its folder.
    static func brokenSource(_ change: (String) throws -> Void) throws -> String? {
        guard case .success(let ag) = autograder else { return nil }
        let dir = try TestScratch.folder("source")
        for f in ["run_autograder", "echo-server.md", "setup.sh", "README.md"] { try Fixtures.copy(ag.source + "/" + f, to: dir + "/" + f) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/lib", withDestinationPath: ag.source + "/lib")
        try change(dir)
        return dir
    }

    @Test func aMissingSockstepStillLeavesAResult() throws {
        guard let source = try Self.brokenSource({ _ in }), let r = try Self.grade(Self.solution("reference.py"), source: source) else { return }
        #expect(r.status == 0)
        #expect(r.score == 0)
        #expect(r.output == "The autograder is incomplete: the sockstep program is missing from it. This is not a problem with your program: please tell your teacher.")
    }

    @Test func aSockstepThatCannotRunStillLeavesAResult() throws {
        guard let source = try Self.brokenSource({ dir in
            try "#!/bin/sh\necho \"error while loading shared libraries: libswiftCore.so\" >&2\nexit 127\n".write(toFile: dir + "/sockstep", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/sockstep")
        }), let r = try Self.grade(Self.solution("reference.py"), source: source) else { return }
        #expect(r.score == 0)
        #expect(r.output.contains("cannot run on this machine: error while loading shared libraries: libswiftCore.so"), "\(r.output)")
    }

    @Test func aSockstepThatDiesWhileGradingStillLeavesAResult() throws {
        guard let source = try Self.brokenSource({ dir in
            // Answers --version, then dies without a report, "quoting" and \ backslashes in its last words.
            try "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'sockstep 0.0'; exit 0; fi\nprintf 'killed: \"x\"\\\\y\\tz\\n' >&2\nkill -9 $$\n".write(toFile: dir + "/sockstep", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/sockstep")
        }), let r = try Self.grade(Self.solution("reference.py"), source: source) else { return }
        #expect(r.score == 0)
        #expect(r.output.contains("sockstep exited with status 137"), "\(r.output)")
        #expect(r.output.hasSuffix("sockstep said: killed: \"x\"\\y\tz"), "\(r.output)")
    }

    @Test func theZipHasEveryFileWithItsMode() throws {
        guard case .success(let ag) = Self.autograder else { print("skipped: the autograder could not be made"); return }
        for (file, mode) in [("setup.sh", 0o755), ("run_autograder", 0o755), ("sockstep", 0o755), ("README.md", 0o644), ("echo-server.md", 0o644), ("lib/libswiftCore.so", 0o755)] {
            let a = try FileManager.default.attributesOfItem(atPath: ag.source + "/" + file)
            #expect((a[.posixPermissions] as? NSNumber)?.intValue == mode, "\(file)")
        }
        #expect(FileManager.default.contents(atPath: ag.source + "/echo-server.md") == FileManager.default.contents(atPath: Fixtures.exercises + "/echo-server.md"))
        #expect(FileManager.default.contents(atPath: ag.source + "/sockstep") == FileManager.default.contents(atPath: Fixtures.sockstep))
        if let unzip = Fixtures.tool("unzip") {
            let t = try Fixtures.run(unzip, ["-t", ag.zip])
            #expect(t.status == 0 && t.stdout.contains("No errors detected"), "\(t.stdout)")
        }
        let readme = try String(contentsOfFile: ag.source + "/README.md", encoding: .utf8)
        #expect(readme.contains("worth 9 points"))
        #expect(readme.contains("5. Survives a client that leaves without a word (1 point, hidden)"))
        #expect(readme.contains("--static-swift-stdlib"))
    }

    /// setup.sh with a stand-in for apt-get (tests do not install packages): it asks for python3 and
    /// proves that the shipped sockstep runs.
    @Test func setupInstallsTheLanguageAndRunsSockstep() throws {
        guard case .success(let ag) = Self.autograder else { print("skipped: the autograder could not be made"); return }
        let bin = try TestScratch.folder("fake-apt")
        try "#!/bin/sh\necho \"apt-get $*\" >> \"\(bin)/apt.log\"\n".write(toFile: bin + "/apt-get", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/apt-get")
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let r = try Fixtures.run("/bin/bash", [ag.source + "/setup.sh"], environment: ["PATH": path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("sockstep 0.1"), "\(r.stdout)")
        let log = try String(contentsOfFile: bin + "/apt.log", encoding: .utf8)
        #expect(log == "apt-get update\napt-get install -y --no-install-recommends python3\n")
    }

    @Test func theScriptsParse() throws {
        guard case .success(let ag) = Self.autograder else { print("skipped: the autograder could not be made"); return }
        for script in ["setup.sh", "run_autograder"] {
            let r = try Fixtures.run("/bin/bash", ["-n", ag.source + "/" + script])
            #expect(r.status == 0, "\(script): \(r.stderr)")
        }
    }
}

@Suite struct ResultsJSONTests {
    @Test(arguments: [
        (#"{"score": 1, "output": "", "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": [{"name": "a", "score": 1, "max_score": 1, "status": "passed", "output": "", "visibility": "visible"}]}"#, 0),
        (#"{"score": 2, "output": "", "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": [{"name": "a", "score": 1, "max_score": 1, "output": "", "visibility": "visible"}]}"#, 1),
        (#"{"score": 1, "output": "", "output_format": "text", "visibility": "seen", "stdout_visibility": "hidden", "tests": [{"name": "", "score": 3, "max_score": 1, "output": "", "visibility": "later"}]}"#, 5),
        (#"{"score": "1", "output": "", "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}"#, 1),
        (#"{"output": "", "tests": []}"#, 1),
        (#"[]"#, 1),
    ])
    func theValidatorFindsWhatIsWrong(json: String, problems: Int) {
        #expect(ResultsJSON.problems(Data(json.utf8)).count == problems, "\(ResultsJSON.problems(Data(json.utf8)))")
    }
}

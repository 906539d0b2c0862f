import Foundation
import Testing

/// `sockstep run` and `check` skip ```steps illustration blocks with a note; every steps block of
/// scenarios/ runs, so `sockstep run scenarios/*.md` passes (scenarios/README.md included).
@Suite("illustration blocks, end to end")
struct IllustrationEndToEndTests {
    let lesson = """
    # Illustrated

    An exercise's check, which only the grader can run:

    ```steps illustration
    c = socket(AF_INET, SOCK_STREAM)
    c.connect(program.address)
    ```

    ```steps
    s = socket(AF_INET, SOCK_STREAM)
    ```
    """

    @Test("a file with an illustration block runs and checks clean, and the note is shown")
    func runsAndChecksClean() throws {
        let path = try Binary.fixture("illustrated.md", lesson)
        let run = try Binary.run(["run", path], environment: ["NO_COLOR": "1"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("illustrated.md:5:4: note: this steps block is an illustration: it is shown, not run or checked"), "\(run.stderr)")
        #expect(run.stdout.contains("1 step: 1 passed, 1 illustration block shown, not run"), "\(run.stdout)")
        #expect(!run.stdout.contains("program.address) "), "the illustration is not a step")
        let check = try Binary.run(["check", path], environment: ["NO_COLOR": "1"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("no errors"))
        #expect(check.stderr.contains("note: this steps block is an illustration"))
        let json = try Binary.run(["run", "--json", path])
        #expect(json.stdout.contains("\"severity\":\"note\""), "\(json.stdout)")
    }

    @Test("sockstep run scenarios/*.md and sockstep check scenarios/*.md exit 0")
    func scenariosGlob() throws {
        let dir = URL(fileURLWithPath: packageRoot).appendingPathComponent("scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".md") }.sorted().map { "scenarios/" + $0 }
        #expect(files.contains("scenarios/README.md"))
        let run = try Binary.run(["run", "--quiet"] + files, cwd: packageRoot)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("\(files.count) files: \(files.count) passed"), "\(run.stdout)")
        #expect(run.stderr.contains("scenarios/README.md:") && run.stderr.contains("note:"), "\(run.stderr)")
        let check = try Binary.run(["check"] + files, cwd: packageRoot)
        #expect(check.status == 0, "\(check.stderr)")
    }
}

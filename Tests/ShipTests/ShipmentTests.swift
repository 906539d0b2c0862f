import Foundation
import Testing
@testable import Grader
@testable import Ship

/// The generators' files for a binary that needs only the C library (as a `--static-swift-stdlib`
/// build does): it goes alone, and the READMEs say so.
@Suite struct ShipmentTests {
    static func shipment(command: String = "python3 server.py") throws -> Shipment {
        let path = try #require(["/bin/sh", "/usr/bin/env", "/bin/ls"].first { FileManager.default.fileExists(atPath: $0) })
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let binary = try SockstepBinary.load(real)
        let file = Fixtures.exercises + "/echo-server.md"
        let exercise = try #require(ExerciseLoader.load(path: file).exercise)
        let bytes = try #require(FileManager.default.contents(atPath: file))
        return Shipment(exercise: exercise, exerciseBytes: [UInt8](bytes), exerciseName: "echo-server.md", command: try ProgramCommand.parse(command), binary: binary, version: "9.9")
    }

    @Test func aSelfContainedBinaryGoesAlone() throws {
        let s = try Self.shipment()
        #expect(s.binary.isSelfContained)
        #expect(s.binary.warnings(target: "a new machine", targetGlibc: "9.99").isEmpty)
        let zip = GradescopeAutograder.files(s)
        #expect(zip.map(\.path) == ["setup.sh", "run_autograder", "README.md", "echo-server.md", "sockstep"])
        #expect(zip.map(\.mode) == [0o755, 0o755, 0o644, 0o644, 0o755])
        let readme = try #require(zip.first { $0.path == "README.md" }).text
        #expect(readme.contains("`sockstep` in this zip is a build with the Swift runtime inside (`--static-swift-stdlib`)"))
        #expect(readme.contains("it needs only the C library"), "a dynamically linked C program is not called static")
        #expect(!readme.contains("lib/"))
        let classroom = ClassroomWorkflow.files(s).map(\.path)
        #expect(classroom == [".github/workflows/classroom.yml", ".github/classroom/grade.sh", ".github/classroom/README.md", ".github/classroom/echo-server.md", ".github/classroom/sockstep"])
    }

    @Test(arguments: [
        ("python3 server.py", "python3"), ("/usr/bin/python3 -u s.py", "python3"), ("node server.js", "nodejs"),
        ("java -cp . Server", "default-jre-headless"), ("ruby s.rb", "ruby"), ("./server", ""), ("make run && ./server", ""),
    ])
    func setupInstallsTheCommandsLanguage(command: String, package: String) throws {
        let s = try Self.shipment(command: command)
        let setup = GradescopeAutograder.setupScript(s)
        if package.isEmpty {
            #expect(!setup.contains("\nDEBIAN_FRONTEND=") && !setup.contains("\napt-get update"))
            #expect(setup.contains("# add what it needs here"))
        } else {
            #expect(setup.contains("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \(package)\n"))
        }
    }

    /// Names that YAML, the shell or GitHub Actions would read as something else stay plain text.
    @Test func checkNamesAreQuotedForYAMLAndTheShell() throws {
        var s = try Self.shipment()
        s.exercise.checks[0].name = "Says \"hi\": ${{ github.token }} # and `rm -rf` $HOME"
        let yaml = ClassroomWorkflow.workflow(s)
        #expect(yaml.contains(#"test-name: "Says \"hi\": $ {{ github.token }} # and `rm -rf` $HOME""#))
        #expect(!yaml.contains("${{ github"))
        let run = GradescopeAutograder.runScript(s, exerciseFile: "echo-server.md")
        // Inside the quoted here-document the shell leaves the name alone.
        #expect(run.contains(#""name": "Says \"hi\": ${{ github.token }} # and `rm -rf` $HOME""#))
        #expect(run.contains("cat <<'SOCKSTEP_TESTS'"))
    }
}

import FoundationEssentials
import Ship

/// `sockstep classroom EXERCISE --command '...'`: a GitHub Classroom autograding workflow.
public enum ClassroomCommand: Command {
    public static let name = "classroom"
    public static let summary = "Write a GitHub Classroom workflow that grades a student repository with an exercise on every push."
    public static let help = """
    OVERVIEW: Write a GitHub Classroom workflow that grades a student repository with an exercise on every push.

    Writes .github/workflows/classroom.yml and .github/classroom/ (grade.sh, the exercise, the
    sockstep binary, a README) into <dir>, the assignment's template repository. The workflow runs
    `sockstep grade` once, then reports each check as one GitHub Classroom test with its points
    (classroom-resources/autograding-command-grader and autograding-grading-reporter).

    USAGE: sockstep classroom <exercise> --command <command> [--output <dir>] [--binary <path>] [--force]

    ARGUMENTS:
      <exercise>              An exercise file, like scenarios/exercises/echo-server.md.

    OPTIONS:
      -c, --command <command> How a student's program starts, at the top of their repository, as a
                              shell reads it: 'python3 server.py'.
      -o, --output <dir>      The template repository to write into (default: the current folder).
      --binary <path>         The sockstep to commit with it (default: this one). Best a release
                              build with the Swift runtime inside: swift build -c release
                              --static-swift-stdlib. Any other build takes its Swift libraries along.
      --force                 Replace a classroom.yml that sockstep did not write.
      --ascii                 Use plain ASCII in messages.
      -h, --help              Show help information.

    EXIT STATUS: 0 the files were written, 2 the exercise, the binary or the folder could not be
    used, 64 bad command line.

    EXAMPLES:
      sockstep classroom scenarios/exercises/echo-server.md --command 'python3 server.py' --output ../echo-template
      bash .github/classroom/grade.sh              (in the template: grade it the way the workflow does)

    """

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let shipment: Shipment, parsed: ArgumentParser
        switch Shipping.prepare(args, command: self, io: io) {
        case .success(let s): (shipment, parsed) = s
        case .failure(let exit): return exit.code
        }
        let dir = parsed.options["output"] ?? "."
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory else {
            io.err("Error: '\(dir)' is not a folder\nGive the template repository's folder: --output path/to/template (create it first).\n")
            return ExitCode.unusable
        }
        let workflow = dir + "/" + ClassroomWorkflow.workflowPath
        if !parsed.flags.contains("force"), let old = FileManager.default.contents(atPath: workflow),
           !String(decoding: old, as: UTF8.self).hasPrefix(ClassroomWorkflow.marker) {
            io.err("Error: \(workflow) exists and sockstep did not write it (GitHub Classroom's own tests?)\nMove it away, or replace it with --force.\n")
            return ExitCode.unusable
        }
        for w in shipment.binary.warnings(target: "GitHub's ubuntu-latest (24.04)", targetGlibc: SockstepBinary.githubGlibc) { io.err(w + "\n") }
        for c in ClassroomWorkflow.fractionalChecks(shipment.exercise) {
            io.err("warning: check \(c.number) is worth \(c.points.pointsText) points, but GitHub Classroom counts whole points only: it counts \(Int(c.points.rounded(.down)))\n = help: give every check whole points for GitHub Classroom\n")
        }
        let files = ClassroomWorkflow.files(shipment)
        do {
            for f in files {
                let path = dir + "/" + f.path
                try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
                try Shipping.write(f.bytes, to: path, mode: f.mode)
            }
        } catch {
            io.err("Error: the workflow could not be written into \(dir): \(Shipping.reason(error))\nCheck that the folder is writable.\n")
            return ExitCode.unusable
        }
        let e = shipment.exercise
        io.out("""
        Wrote \(ClassroomWorkflow.workflowPath) and \(ClassroomWorkflow.folder) (\(files.count - 1) files) into \(dir): "\(e.title)", \(e.checks.count) check\(e.checks.count == 1 ? "" : "s"), \(e.maxScore.pointsText) points.
          Each push is graded with: \(shipment.command.line)
        Next: commit them to the assignment's template repository (git add .github && git commit), and try it
        there first: bash .github/classroom/grade.sh

        """)
        return ExitCode.ok
    }
}

import FoundationEssentials
import Ship

/// `sockstep gradescope EXERCISE --command '...'`: the autograder zip a teacher uploads to Gradescope.
public enum GradescopeCommand: Command {
    public static let name = "gradescope"
    public static let summary = "Write a Gradescope autograder (a zip to upload) that grades submissions with an exercise."
    public static let help = """
    OVERVIEW: Write a Gradescope autograder (a zip to upload) that grades submissions with an exercise.

    The zip holds setup.sh (run once when Gradescope builds the image), run_autograder (run for
    every submission: `sockstep grade --format gradescope` on /autograder/submission, writing
    /autograder/results/results.json, and a readable result even when grading cannot happen), the
    exercise, a README for the teacher, and the sockstep binary. Set AUTOGRADER_ROOT to try
    run_autograder on a folder laid out like /autograder.

    USAGE: sockstep gradescope <exercise> --command <command> [--output <file>] [--binary <path>]

    ARGUMENTS:
      <exercise>              An exercise file, like scenarios/exercises/echo-server.md.

    OPTIONS:
      -c, --command <command> How a student's program starts, in the folder of their submission,
                              as a shell reads it: 'python3 server.py'.
      -o, --output <file>     Where to write the zip (default: autograder.zip).
      --binary <path>         The sockstep to put in the zip (default: this one). Best a release
                              build with the Swift runtime inside: swift build -c release
                              --static-swift-stdlib. Any other build takes its Swift libraries along.
      --ascii                 Use plain ASCII in messages.
      -h, --help              Show help information.

    EXIT STATUS: 0 the zip was written, 2 the exercise, the binary or the output could not be used,
    64 bad command line.

    EXAMPLES:
      sockstep gradescope scenarios/exercises/echo-server.md --command 'python3 server.py'
      sockstep gradescope scenarios/exercises/echo-server.md -c 'java Server' -o echo.zip --binary .build/release/sockstep

    """

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let shipment: Shipment, parsed: ArgumentParser
        switch Shipping.prepare(args, command: self, io: io) {
        case .success(let s): (shipment, parsed) = s
        case .failure(let exit): return exit.code
        }
        let output = parsed.options["output"] ?? "autograder.zip"
        if let why = Shipping.unwritable(output) {
            let help = why == "it is a folder" ? "Give the zip's file name: --output \(output.hasSuffix("/") ? output : output + "/")autograder.zip" : "Write it somewhere else: --output path/to/autograder.zip"
            io.err("Error: the autograder cannot be written to \(output): \(why)\n\(help)\n")
            return ExitCode.unusable
        }
        for w in shipment.binary.warnings(target: "Gradescope's Ubuntu 22.04 image", targetGlibc: SockstepBinary.gradescopeGlibc) { io.err(w + "\n") }
        let bytes: [UInt8]
        do { bytes = try GradescopeAutograder.zip(shipment, modified: Date().timeIntervalSince1970) } catch {
            io.err("Error: the autograder could not be made: \(error)\n")
            return ExitCode.unusable
        }
        do { try Shipping.write(bytes, to: output, mode: 0o644) } catch {
            io.err("Error: the autograder could not be written to \(output): \(Shipping.reason(error))\nCheck that the folder exists and is writable.\n")
            return ExitCode.unusable
        }
        let e = shipment.exercise
        io.out("""
        Wrote \(output) (\(SockstepBinary.megabytes(bytes.count))): the Gradescope autograder for "\(e.title)", \(e.checks.count) check\(e.checks.count == 1 ? "" : "s"), \(e.maxScore.pointsText) points\(e.checks.contains { $0.hidden } ? " (hidden checks after the due date)" : "").
          Each submission is graded with: \(shipment.command.line)
        Next: on Gradescope, create a Programming Assignment worth \(e.maxScore.pointsText) points, choose Configure Autograder,
        pick the Ubuntu 22.04 base image and upload \(output). Its README.md says more.

        """)
        return ExitCode.ok
    }
}

import FoundationEssentials
import Sockets

/// `sockstep reset`: forgets the learner's progress.
public enum ResetCommand: Command {
    public static let name = "reset"
    public static let summary = "Forget your progress through the lessons."
    public static let help = """
    OVERVIEW: Forget your progress through the lessons.

    Removes the progress file in $XDG_STATE_HOME/sockstep (or ~/.local/state/sockstep):
    `sockstep learn` then starts again at the first lesson.

    USAGE: sockstep reset

    OPTIONS:
      -h, --help      Show help information.

    """

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        if let a = args.first {
            return usageError(a.hasPrefix("-") ? "unknown option '\(a)'" : "unexpected argument '\(a)'", command: self, io: io)
        }
        let store = ProgressStore(environment: io.environment)
        do {
            if try store.reset() {
                io.out("Progress cleared (\(store.path)). `sockstep learn` starts again at the first lesson.\n")
            } else {
                io.out("No progress to clear (\(store.path) does not exist).\n")
            }
            return ExitCode.ok
        } catch {
            io.err("Error: cannot remove \(store.path): \(ErrorText.describe(error))\n")
            return ExitCode.unusable
        }
    }
}

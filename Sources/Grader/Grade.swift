import Runner
/// The result of grading one program against one exercise: what every report is made from.
public struct Grade: Sendable, Codable {
    public var exercise: String
    public var exercisePath: String
    public var command: [String]
    /// The port (server exercises) or the scenario server's port (client exercises) the program got.
    public var port: Int?
    public var checks: [CheckResult]
    public var score: Double
    public var maxScore: Double
    /// True at full marks, or at the pass mark (`pass-at`).
    public var passed: Bool
    /// A problem with the program as a whole (it could not start, exited before listening,
    /// listened on the wrong port), said once before the checks.
    public var problem: Feedback?
    /// The program could not be used at all (it could not be started): exit code 2.
    public var unusable: Bool
    public var program: ProgramSummary
    /// Seconds the whole grading took.
    public var duration: Double

    public var percent: Double { maxScore == 0 ? 100 : score / maxScore * 100 }
}

/// A sentence for the student, and the detail and the fix when there are some.
public struct Feedback: Sendable, Codable, Hashable {
    public var message: String
    public var detail: String?
    public var help: String?
    public init(_ message: String, detail: String? = nil, help: String? = nil) {
        self.message = message
        self.detail = detail
        self.help = help
    }
}

public struct ProgramSummary: Sendable, Codable {
    /// "status 0", "signal 9 (SIGKILL)", or nil when it never ran.
    public var exitStatus: String?
    /// True when the grader ended it (a server is always ended by the grader).
    public var stoppedByGrader: Bool
    /// Seconds from start until it listened (server exercises).
    public var readyAfter: Double?
    public var stdout: String
    public var stderr: String
    public var stdoutBytes: Int
    public var stderrBytes: Int
    public var stdoutCut: Bool
    public var stderrCut: Bool
    public var outputLimit: Int
    /// The program's process group (its pid): nothing of it is left when grading ends.
    public var processGroup: Int32?

    static let none = ProgramSummary(exitStatus: nil, stoppedByGrader: false, readyAfter: nil, stdout: "", stderr: "", stdoutBytes: 0, stderrBytes: 0, stdoutCut: false, stderrCut: false, outputLimit: 0, processGroup: nil)
}

public struct CheckResult: Sendable, Codable {
    public enum Status: String, Sendable, Codable { case passed, failed, notRun = "not-run" }
    public var number: Int
    public var name: String
    public var points: Double
    public var score: Double
    public var status: Status
    public var hidden: Bool
    /// What went wrong, in one sentence and a detail (nil when the check passed).
    public var feedback: Feedback?
    public var hint: String?
    /// Each step as it ran: what was sent, what came back, expected vs actual.
    public var transcript: [TranscriptLine]
    public var duration: Double
    /// The check's source line in the exercise file.
    public var line: Int
    /// The runner's events for this check, for the HTML page's diagram; not part of the JSON.
    public var events: [Event] = []
    /// A failed check's packets as captured in the private network (nil without a capture).
    public var packets: [PacketLine]? = nil

    enum CodingKeys: String, CodingKey {
        case number, name, points, score, status, hidden, feedback, hint, transcript, duration, line, packets
    }
}

/// One step of a check, narrated.
public struct TranscriptLine: Sendable, Codable, Hashable {
    public var line: Int
    /// The step as written in the exercise.
    public var step: String
    public var passed: Bool
    /// What happened: "sent 5 bytes", "got b'hello'", "connected", "ECONNREFUSED".
    public var result: String
    public var expected: String?
    public var actual: String?
    /// Offset into `actual` of the first character that differs from `expected`.
    public var marker: Int?
    /// Milliseconds spent waiting for the program, when it had to be waited for.
    public var waitedMilliseconds: Int?
}

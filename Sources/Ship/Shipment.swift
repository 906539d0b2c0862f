import Grader
import Render

/// A file a generator writes: its path (relative, `/` between folders), its bytes, its permissions.
public struct ShippedFile: Sendable {
    public var path: String
    public var bytes: [UInt8]
    public var mode: UInt16
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public init(_ path: String, _ text: String, mode: UInt16 = 0o644) {
        self.path = path
        self.bytes = Array(text.utf8)
        self.mode = mode
    }
    public init(_ path: String, bytes: [UInt8], mode: UInt16) {
        self.path = path
        self.bytes = bytes
        self.mode = mode
    }
}

/// What both generators start from: a checked exercise, the file it came from, how a student's
/// program starts, and the sockstep program that grades it.
public struct Shipment: Sendable {
    public var exercise: Exercise
    /// The exercise file's bytes, shipped unchanged, and its name (`echo-server.md`).
    public var exerciseBytes: [UInt8]
    public var exerciseName: String
    public var command: ProgramCommand
    public var binary: SockstepBinary
    /// sockstep's version, written in the generated files' headers.
    public var version: String

    public init(exercise: Exercise, exerciseBytes: [UInt8], exerciseName: String, command: ProgramCommand, binary: SockstepBinary, version: String) {
        self.exercise = exercise
        self.exerciseBytes = exerciseBytes
        self.exerciseName = exerciseName
        self.command = command
        self.binary = binary
        self.version = version
    }

    /// The sockstep binary and, for a build that needs them, the Swift libraries in `lib/`.
    func binaryFiles(in folder: String) -> [ShippedFile] {
        [ShippedFile(folder + "sockstep", bytes: binary.bytes, mode: 0o755)]
            + binary.libraries.map { ShippedFile(folder + "lib/" + $0.name, bytes: $0.bytes, mode: 0o755) }
    }

    /// `2 points`, `1 point`, `0.5 points`.
    static func points(_ p: Double) -> String {
        let n = p == p.rounded() ? String(Int(p)) : String(p)
        return n + (p == 1 ? " point" : " points")
    }

    /// The exercise's checks, one line each, as a teacher's README lists them.
    var checkList: String {
        exercise.checks.map { "\($0.number). \($0.name) (\(Shipment.points($0.points))\($0.hidden ? ", hidden" : ""))" }.joined(separator: "\n")
    }

    /// A shell comment line with no line breaks in it.
    static func comment(_ s: String) -> String { s.split(whereSeparator: \.isNewline).joined(separator: " ") }

    /// A file to copy into a submission, for the README's examples.
    var example: String { command.namedFiles.map(ProgramCommand.shellQuoted).joined(separator: " ").nonEmpty ?? "PROGRAM" }

    /// What a student must upload or push, in words: "server.py" or "your program".
    var filesInWords: String {
        let files = command.namedFiles
        return files.isEmpty ? "your program" : files.map { "`\($0)`" }.joined(separator: " and ")
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

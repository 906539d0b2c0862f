import FoundationEssentials
import Sockets

/// Grades every submission folder of a directory, several at a time. Each grading is isolated:
/// its own free port, its own temporary directory, its own process group; one that misbehaves
/// (hangs, floods its output, forks, ignores TERM) costs only its own time limits.
public enum Gradebook {
    public struct Entry: Sendable, Codable {
        public var submission: String
        public var directory: String
        public var grade: Grade
    }

    /// The submission folders of `directory`: every visible subfolder, sorted by name.
    public static func submissions(in directory: String) -> [String]? {
        guard let items = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        return items.filter { name in
            var isDir = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: Path.join(directory, name), isDirectory: &isDir) && isDir
        }.sorted()
    }

    /// Grades each folder with `template` (`{dir}` is the folder), `jobs` at a time; `progress` is
    /// called after each one with the number done. Results come back in the folders' order.
    public static func grade(_ exercise: Exercise, directory: String, folders: [String], template: GradeOptions, jobs: Int,
                             progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) -> [Entry] {
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        let state = Shared(count: folders.count)
        let workers = max(1, min(jobs, folders.count))
        let done = Semaphore(value: 0)
        for _ in 0..<workers {
            let started = Threads.start(name: "sockstep-grade", stackSize: 1 << 20) {
                while let i = state.next() {
                    let dir = Path.join(root, folders[i])
                    var options = template
                    options.directory = dir
                    options.submissionDirectory = dir
                    let g = Grader.grade(exercise, options)
                    let finished = state.store(i, Entry(submission: folders[i], directory: dir, grade: g))
                    progress(finished, folders.count)
                }
                done.signal()
            }
            if !started { done.signal() }
        }
        for _ in 0..<workers { done.wait() }
        return state.entries()
    }

    final class Shared: @unchecked Sendable {
        private let lock = Lock()
        private var nextIndex = 0
        private var finished = 0
        private var results: [Entry?]
        init(count: Int) { results = Array(repeating: nil, count: count) }
        func next() -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard nextIndex < results.count else { return nil }
            nextIndex += 1
            return nextIndex - 1
        }
        func store(_ i: Int, _ e: Entry) -> Int {
            lock.lock(); defer { lock.unlock() }
            results[i] = e
            finished += 1
            return finished
        }
        func entries() -> [Entry] { lock.lock(); defer { lock.unlock() }; return results.compactMap { $0 } }
    }

    // MARK: the gradebook files

    /// One row per submission: its score, whether it passed, the first problem, and each check's points.
    public static func csv(_ entries: [Entry], exercise: Exercise) -> String {
        var header = ["submission", "score", "max_score", "percent", "passed", "status", "message", "seconds"]
        header += exercise.checks.map { "\($0.number). \($0.name)" }
        var rows = [header.map(field).joined(separator: ",")]
        for e in entries {
            let g = e.grade
            let status = g.unusable ? "unusable" : g.passed ? "passed" : "below"
            let message = g.problem?.message ?? g.checks.first { $0.status != .passed }.map { "check \($0.number): " + ($0.hidden ? "hidden check failed" : $0.feedback?.message ?? "failed") } ?? ""
            var row = [e.submission, Points.text(g.score), Points.text(g.maxScore), Format.fixed(g.percent, 1), g.passed ? "true" : "false", status, message, Format.fixed(g.duration, 3)]
            row += g.checks.map { Points.text($0.score) }
            rows.append(row.map(field).joined(separator: ","))
        }
        return rows.joined(separator: "\n") + "\n"
    }

    static func field(_ s: String) -> String {
        let needsQuotes = s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
        // A leading = + - @ would be a formula in a spreadsheet: a student's message must stay text.
        let safe = s.first.map { "=+-@".contains($0) } == true && Double(s) == nil ? "'" + s : s
        return needsQuotes || safe != s ? "\"" + safe.replacingAll("\"", with: "\"\"") + "\"" : s
    }

    struct Book: Encodable {
        let format = "sockstep-gradebook"
        let version = 1
        var exercise: String
        var exercisePath: String
        var maxScore: Double
        var submissions: [Row]
    }
    struct Row: Encodable {
        var submission: String
        var score: Double
        var maxScore: Double
        var percent: Double
        var passed: Bool
        var unusable: Bool
        var message: String?
        var seconds: Double
        var checks: [CheckRow]
    }
    struct CheckRow: Encodable {
        var number: Int
        var name: String
        var score: Double
        var points: Double
        var status: String
    }

    public static func json(_ entries: [Entry], exercise: Exercise) -> String {
        let rows = entries.map { e in
            Row(submission: e.submission, score: e.grade.score, maxScore: e.grade.maxScore, percent: (e.grade.percent * 10).rounded() / 10,
                passed: e.grade.passed, unusable: e.grade.unusable, message: e.grade.problem?.message,
                seconds: (e.grade.duration * 1000).rounded() / 1000,
                checks: e.grade.checks.map { CheckRow(number: $0.number, name: $0.name, score: $0.score, points: $0.points, status: $0.status.rawValue) })
        }
        return JSONReport.encode(Book(exercise: exercise.title, exercisePath: exercise.path, maxScore: exercise.maxScore, submissions: rows))
    }
}

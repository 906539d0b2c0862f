import FoundationEssentials
import Sockets

/// What the learner has done, kept between runs of `sockstep learn`:
/// `$XDG_STATE_HOME/sockstep/progress.json` (or `~/.local/state/sockstep/progress.json`).
///
/// Lessons are keyed by file name, so moving the course folder keeps the progress. A file that
/// cannot be read as progress is reported, kept aside as `progress.json.corrupt`, and replaced:
/// losing a learner's place is a nuisance, never a reason to stop.
struct Progress: Codable, Equatable {
    struct LessonState: Codable, Equatable {
        /// Steps run so far in the lesson (the next one to run is `step + 1`).
        var step: Int = 0
        var finished: Bool = false
        /// Predict mode: for each step predicted (its number), whether the guess was right. Absent
        /// in files written before predict mode existed, which still load.
        var predictions: [String: Bool]? = nil

        var predictedRight: Int { predictions?.values.filter { $0 }.count ?? 0 }
        var predicted: Int { predictions?.count ?? 0 }
    }
    var version = 1
    /// The lesson the learner is in (its file name).
    var current: String?
    var lessons: [String: LessonState] = [:]

    func isFinished(_ file: String) -> Bool { lessons[file]?.finished ?? false }
}

struct ProgressStore {
    let directory: String
    var path: String { directory + "/progress.json" }

    init(environment: [String: String]) {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            directory = xdg + "/sockstep"
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
            directory = home + "/.local/state/sockstep"
        }
    }

    /// The saved progress; a missing file is a fresh start, a corrupt one is reported through `warn`,
    /// moved aside and replaced.
    func load(warn: (String) -> Void) -> Progress {
        guard FileManager.default.fileExists(atPath: path) else { return Progress() }
        guard let data = FileManager.default.contents(atPath: path) else {
            warn("warning: cannot read the progress file \(path); starting from the beginning\n")
            return Progress()
        }
        do {
            let p = try JSONDecoder().decode(Progress.self, from: data)
            guard p.version == 1 else { throw CocoaError(.fileReadCorruptFile) }
            return p
        } catch {
            let aside = path + ".corrupt"
            try? FileManager.default.removeItem(atPath: aside)
            let moved = (try? FileManager.default.moveItem(atPath: path, toPath: aside)) != nil
            warn("warning: the progress file \(path) is corrupt (not sockstep progress); "
                 + (moved ? "it was kept as \(aside) and " : "it ")
                 + "is replaced by a fresh one\n")
            let fresh = Progress()
            _ = save(fresh)
            return fresh
        }
    }

    /// Writes atomically; returns an error message instead of failing the session.
    @discardableResult
    func save(_ p: Progress) -> String? {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(p).write(to: URL(fileURLWithPath: path), options: .atomic)
            return nil
        } catch {
            return "warning: cannot save progress to \(path): \(ErrorText.describe(error))\n"
        }
    }

    /// Removes the progress file; true if there was one.
    func reset() throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        try FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + ".corrupt")
        return true
    }
}

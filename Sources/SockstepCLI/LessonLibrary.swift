import FoundationEssentials
import Sockets
import ScenarioFormat

/// The course: the numbered lessons in the lessons folder, found the same way by `learn`, `lessons`
/// and `export`.
///
/// Where the folder is: `./lessons` in the working directory, else `$SOCKSTEP_LESSONS`, else next to
/// the executable (`<exe>/../../../lessons` for `.build/debug/sockstep`, `<prefix>/share/sockstep/lessons`
/// for an installed one).
struct LessonLibrary {
    struct Lesson {
        /// The number in the file name (`03-…md` → 3), or the position in name order.
        var number: Int
        var path: String
        /// The file name, the key progress is stored under (stable when the folder moves).
        var file: String
        var title: String
        var summary: String?
    }

    var directory: String
    var lessons: [Lesson]

    static let locationHelp = """
    LESSONS FOLDER:
      ./lessons in the working directory, else $SOCKSTEP_LESSONS, else the lessons folder of
      the sockstep checkout or installation the executable belongs to
      (<exe>/../../../lessons for .build/debug/sockstep, <prefix>/share/sockstep/lessons).
    """

    /// Every folder tried, in order, for the error message when none has lessons.
    static func candidates(environment: [String: String]) -> [String] {
        var out = [FileManager.default.currentDirectoryPath + "/lessons"]
        if let env = environment["SOCKSTEP_LESSONS"], !env.isEmpty { out.append(env) }
        var exes: [String] = []
        if let arg0 = CommandLine.arguments.first, arg0.contains("/") {
            exes.append(arg0.hasPrefix("/") ? arg0 : FileManager.default.currentDirectoryPath + "/" + arg0)
        }
        if let real = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { exes.append(real) }
        for exe in exes {
            var dir = Path.deletingLastComponent(exe)
            // <exe>/.. is the build folder; walk up past .build/<triple>/debug to the checkout.
            for _ in 0..<4 {
                dir = Path.deletingLastComponent(dir)
                out.append(dir + "/lessons")
                out.append(dir + "/share/sockstep/lessons")
            }
        }
        var seen = Set<String>()
        return out.map { Path.standardized($0) }.filter { seen.insert($0).inserted }
    }

    /// The first candidate folder that exists (even if it holds no lessons yet).
    static func locate(environment: [String: String]) -> LessonLibrary? {
        for dir in candidates(environment: environment) {
            var isDir = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir else { continue }
            return LessonLibrary(directory: dir, lessons: scan(dir))
        }
        return nil
    }

    static func scan(_ dir: String) -> [Lesson] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted()
        var used = Set<Int>()
        var out: [Lesson] = []
        for (i, f) in files.enumerated() {
            let digits = f.prefix { $0.isNumber }
            var n = Int(digits) ?? (i + 1)
            while used.contains(n) { n += 1 }
            used.insert(n)
            let path = Path.join(dir, f)
            var title = String(f.dropLast(3))
            var summary: String?
            if let data = FileManager.default.contents(atPath: path), let doc = DocumentParser.parse(data: data, path: path).document {
                title = doc.title
                summary = doc.meta("summary")
            }
            out.append(Lesson(number: n, path: path, file: f, title: title, summary: summary))
        }
        return out.sorted { $0.number < $1.number }
    }

    func lesson(number: Int) -> Lesson? { lessons.first { $0.number == number } }
    func lesson(file: String) -> Lesson? { lessons.first { $0.file == file } }
    func next(after l: Lesson) -> Lesson? { lessons.first { $0.number > l.number } }

    /// The message when no folder has lessons.
    static func notFound(environment: [String: String]) -> String {
        "Error: no lessons folder found. Looked in:\n" + candidates(environment: environment).prefix(4).map { "  \($0)\n" }.joined()
            + "help: run sockstep from the checkout (where lessons/ is), or set SOCKSTEP_LESSONS=/path/to/lessons\n"
    }
}

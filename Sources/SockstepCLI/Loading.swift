import FoundationEssentials
import Sockets
import Render
import ScenarioFormat

/// Reads, parses and checks files; shared by every command that takes lesson files.
enum Loading {
    struct Loaded {
        var path: String
        var document: Document?
        var lines: [String]
        var diagnostics: [Diagnostic]
        var usable: Bool { document != nil && !diagnostics.contains { $0.severity == .error } }
        /// An exercise given to run, export, learn or verify: `check` would find nothing wrong.
        var isExercise: Bool { document == nil && diagnostics.first?.message.hasPrefix("this is an exercise") == true }
    }

    /// The files a command was given, folders expanded; prints the problem and returns the exit code
    /// when there are none.
    static func files(_ named: [String], command: any Command.Type, io: IO) -> Result<[String], ExitCodeError> {
        guard !named.isEmpty else { return .failure(ExitCodeError(code: usageError("no lesson file given", command: command, io: io))) }
        let files = expand(named)
        guard !files.isEmpty else {
            io.err("error: no lesson files (.md) in \(named.joined(separator: ", "))\n = help: lessons are Markdown files; see lessons/README.md\n")
            return .failure(ExitCodeError(code: ExitCode.unusable))
        }
        return .success(files)
    }

    struct ExitCodeError: Error { let code: Int32 }

    /// Expands directories to the Markdown files inside them (sorted, README.md left out).
    static func expand(_ paths: [String]) -> [String] {
        var out: [String] = []
        for p in paths {
            if Files.kind(p) == .directory {
                let items = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
                out += items.filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted().map { Path.join(p, $0) }
            } else {
                out.append(p)
            }
        }
        return out
    }

    static func load(_ path: String, predefined: [String] = []) -> Loaded {
        guard Files.kind(path) != nil else {
            let guess = nearbyFile(path)
            // Line 0: about the file as a whole, so no line or column is printed.
            return Loaded(path: path, document: nil, lines: [], diagnostics: [Diagnostic(at: SourceLocation(line: 0, column: 0), "no such file",
                help: guess.map { "did you mean `\($0)`?" } ?? "check the path; the lessons are in lessons/")])
        }
        guard let bytes = Files.contents(path) else {
            return Loaded(path: path, document: nil, lines: [], diagnostics: [Diagnostic(at: SourceLocation(line: 1, column: 1), "the file cannot be read",
                help: "check its permissions")])
        }
        let parsed = DocumentParser.parse(bytes: bytes, path: path)
        guard let doc = parsed.document else {
            return Loaded(path: path, document: nil, lines: [], diagnostics: parsed.diagnostics)
        }
        if !predefined.contains("program"), let kind = doc.meta("program") {
            // An exercise's checks talk to a student's program: without one there is nothing to run
            // (each `program.address` would be "used before it exists", with a wrong fix).
            let line = doc.frontMatter.first { $0.key == "program" }?.line ?? 1
            let command = kind == "client" ? "python3 client.py" : "python3 server.py"
            return Loaded(path: path, document: nil, lines: doc.lines, diagnostics: [Diagnostic(at: SourceLocation(line: line, column: 1), length: doc.lines.indices.contains(line - 1) ? doc.lines[line - 1].count : 1,
                "this is an exercise: its checks talk to a student's program, so it is graded, not run or exported",
                help: "grade a program with it: sockstep grade \(path) -- \(command)")])
        }
        let diagnostics = parsed.diagnostics + Checker.check(doc, predefined: predefined)
        return Loaded(path: path, document: doc, lines: doc.lines, diagnostics: diagnostics)
    }

    /// A file in the same folder with a close name (`lessons/01-what-is-a-sockt.md`).
    static func nearbyFile(_ path: String) -> String? {
        let dir = Path.deletingLastComponent(path)
        let name = Path.lastComponent(path)
        guard let items = try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir) else { return nil }
        if let g = Suggest.closest(to: name, in: items, maxDistance: 4) { return dir.isEmpty ? g : Path.join(dir, g) }
        // `lessons/1` or `lessons/01` → the lesson with that number.
        if let g = items.sorted().first(where: { $0.hasPrefix(name) && $0.hasSuffix(".md") }) { return Path.join(dir, g) }
        return nil
    }
}

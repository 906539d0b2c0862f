import Foundation
import Testing
import ScenarioFormat

/// Every input the fuzzer ever found a problem with (Fuzz/regressions/) and its seeds (Fuzz/seeds/):
/// parsing and checking each must not crash and must finish quickly.
@Suite("Fuzz regressions: inputs that once crashed or hung")
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var inputs: [String] {
        var out: [String] = []
        for dir in ["Fuzz/regressions", "Fuzz/seeds"] {
            let url = root.appendingPathComponent(dir)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            out += names.sorted().map { "\(dir)/\($0)" }
        }
        return out
    }

    @Test("the folders exist and hold inputs")
    func foldersHoldInputs() {
        #expect(Self.inputs.contains("Fuzz/regressions/README.md"))
        #expect(Self.inputs.contains { $0.hasPrefix("Fuzz/seeds/") })
    }

    @Test("parses and checks without crashing, in under a second", arguments: inputs)
    func replay(_ path: String) throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent(path))
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            let result = DocumentParser.parse(data: data, path: path)
            if let document = result.document {
                _ = Checker.check(document)
                _ = Checker.check(document, predefined: ["program"])
            } else {
                #expect(result.hasErrors, "a file without a document must say why")
            }
        }
        #expect(elapsed < .seconds(1), "\(path) took \(elapsed)")
    }
}

@Suite("Line endings")
struct LineEndingTests {
    static let lesson = "# CRLF\n\nProse.\n\n```steps\ns = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", 0))   # a comment\n```\n"

    @Test("a file saved with Windows line endings reads like the same file with Unix ones")
    func crlf() throws {
        let unix = DocumentParser.parse(text: Self.lesson, path: "t.md")
        let windows = DocumentParser.parse(data: Data(Self.lesson.replacingOccurrences(of: "\n", with: "\r\n").utf8), path: "t.md")
        #expect(windows.diagnostics.isEmpty, "\(windows.diagnostics)")
        let u = try #require(unix.document), w = try #require(windows.document)
        #expect(w.lines == u.lines)
        #expect(w.steps.map(\.source) == ["s = socket(AF_INET, SOCK_STREAM)", "s.bind((\"127.0.0.1\", 0))"])
        #expect(w.steps == u.steps)
        #expect(Checker.check(w).isEmpty)
    }
}

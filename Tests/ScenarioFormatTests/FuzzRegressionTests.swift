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

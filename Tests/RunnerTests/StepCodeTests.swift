import Foundation
import Testing
@testable import Runner
import ScenarioFormat

/// A step's code without its `-> expectation`, as a cause or a report quotes it.
@Suite("a step's code without its expectation")
struct StepCodeTests {
    @Test("the arrow and what follows go, an arrow inside a string stays", arguments: [
        ("c.recv(5) -> b\"hi\"", "c.recv(5)"),
        ("c.send(b\"a->b\") -> 4", "c.send(b\"a->b\")"),
        ("c.send(b'it\\'s -> x') -> 9", "c.send(b'it\\'s -> x')"),
        ("s.close()   \t", "s.close()"),
        ("s.close()", "s.close()"),
        ("x = 3->4", "x = 3"),
        ("->", ""),
        ("c.send(\"é\") -> 2", "c.send(\"é\")"),
        ("c.send(\"\u{301}x->y\") -> 1", "c.send(\"\u{301}x"),
        // A backslash escapes the next character only: `"\\"` is one backslash, then the string ends.
        ("c.send(b\"\\\\\") -> 1", "c.send(b\"\\\\\")"),
        ("c.send(b'\\\\') -> 1", "c.send(b'\\\\')"),
    ])
    func cut(source: String, code: String) {
        #expect(StepRef.code(ofSource: source) == code)
    }

    @Test("the byte scan agrees with the Character scan on every step of every lesson and scenario, and on mangled ones")
    func agrees() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var sources: [String] = []
        for dir in ["lessons", "scenarios", "scenarios/exercises"] {
            let folder = root.appendingPathComponent(dir)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".md") {
                let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                if let doc = DocumentParser.parse(text: text, path: name).document { sources += doc.steps.map(\.source) }
            }
        }
        #expect(sources.count > 300)
        for s in sources {
            for variant in [s, s + " \t ", s.replacingOccurrences(of: "\"", with: "'"), String(s.reversed()), s.replacingOccurrences(of: " ", with: "")] {
                #expect(StepRef.code(ofSource: variant) == StepRef.codeByCharacters(of: variant), "\(variant)")
            }
        }
    }
}

import Foundation
import Testing
@testable import ScenarioFormat

/// The parser's byte scans (taken when the text is ASCII at the place that matters) give what the
/// Character-by-Character scans they stand in for give.
@Suite("parsing on bytes agrees with parsing on Characters")
struct ByteFastPathTests {
    /// Every line of every lesson and scenario, and variants that put spaces, tabs, CRs, quotes,
    /// hashes and non-ASCII text at their ends and inside.
    static let lines: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var out: [String] = []
        for dir in ["lessons", "scenarios", "scenarios/exercises"] {
            let folder = root.appendingPathComponent(dir)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasSuffix(".md") {
                let text = (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
                out += text.split(separator: "\n").map(String.init)
            }
        }
        var variants: [String] = []
        for l in out {
            variants += [l, " \t" + l + " \r", "\t\r " + l, l + "  # é", " \u{301}" + l, l + " \u{301}", "\u{600} " + l + " ",
                         l.replacingOccurrences(of: "\"", with: "'"), l.replacingOccurrences(of: " ", with: "\t")]
        }
        return variants + ["", " ", "\t\r", "\r", " \u{301}", "\u{301} ", "x \u{301} ", "é ", " é", "#", "'#'", "\"a\\\"#\" # c", "a \\# b"]
    }()

    @Test("trimming spaces, tabs and CRs")
    func trimming() {
        #expect(Self.lines.count > 5000)
        for l in Self.lines {
            #expect(l.trimmingSpaces == l.trimmingSpacesByCharacter, "\(l.debugDescription)")
            let sub = l.dropFirst(min(2, l.count))
            #expect(sub.trimmingSpaces == sub.trimmingSpacesByCharacter, "\(sub.debugDescription)")
        }
        #expect(" \u{301}x ".trimmingSpaces == " \u{301}x", "a space with a combining accent is no space")
    }

    @Test("a comment cut off after the code, outside strings")
    func comments() {
        for l in Self.lines {
            #expect(CodeScan.code(l, endingAt: .comment) == CodeScan.codeByCharacter(l, endingAt: .comment), "\(l.debugDescription)")
        }
        #expect(CodeScan.code("s.send(b\"#1\")  # the first", endingAt: .comment) == "s.send(b\"#1\")  ")
        #expect(CodeScan.code("s.send(b\"\\\\\") # a backslash", endingAt: .comment) == "s.send(b\"\\\\\") ", "an escaped backslash does not escape the closing quote")
    }
}

import Foundation
import Runner
import ScenarioFormat
import Testing

/// Golden files under Tests/RenderTests/Golden, compared with a readable diff.
/// Regenerate them with `SOCKSTEP_UPDATE_GOLDEN=1 swift test --filter RenderTests`.
enum GoldenFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = root.appendingPathComponent("Tests/RenderTests/Golden")
    static let fixtures = root.appendingPathComponent("Tests/RenderTests/Fixtures")
    static var updating: Bool { ProcessInfo.processInfo.environment["SOCKSTEP_UPDATE_GOLDEN"] == "1" }

    /// Every lesson of the course (lessons/NN-*.md) and every fixture of these tests.
    static var lessonFiles: [String] {
        func list(_ dir: URL, prefix: String) -> [String] {
            let items = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            return items.filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted().map { prefix + $0 }
        }
        return list(root.appendingPathComponent("lessons"), prefix: "lessons/") + list(fixtures, prefix: "Tests/RenderTests/Fixtures/")
    }

    static func load(_ relativePath: String) throws -> Document {
        let url = root.appendingPathComponent(relativePath)
        let data = try Data(contentsOf: url)
        let parsed = DocumentParser.parse(data: data, path: relativePath)
        return try #require(parsed.document, "\(relativePath) does not parse: \(parsed.diagnostics.map(\.message))")
    }

    /// Compares `actual` with the golden file `name`, or writes it when updating.
    static func check(_ actual: String, name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name)
        if updating {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try? Data(actual.utf8).write(to: url)
            return
        }
        guard let data = try? Data(contentsOf: url), let expected = String(data: data, encoding: .utf8) else {
            Issue.record(Comment(rawValue: "no golden file \(name): run `SOCKSTEP_UPDATE_GOLDEN=1 swift test --filter RenderTests` and review it"),
                         sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let message = "\(name) differs from its golden file (- golden, + now):\n\(diff(expected, actual))\n"
                + "If the change is intended: SOCKSTEP_UPDATE_GOLDEN=1 swift test --filter RenderTests"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
    }

    /// A line diff with two lines of context around each change.
    static func diff(_ a: String, _ b: String) -> String {
        let x = a.components(separatedBy: "\n"), y = b.components(separatedBy: "\n")
        var lcs = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var ops: [(Character, String)] = []
        var i = 0, j = 0
        while i < x.count || j < y.count {
            if i < x.count, j < y.count, x[i] == y[j] { ops.append((" ", x[i])); i += 1; j += 1 }
            else if j < y.count, i == x.count || lcs[i][j + 1] >= lcs[i + 1][j] { ops.append(("+", y[j])); j += 1 }
            else { ops.append(("-", x[i])); i += 1 }
        }
        let changed = ops.indices.filter { ops[$0].0 != " " }
        return ops.indices.filter { k in changed.contains { abs($0 - k) <= 2 } }
            .map { "\(ops[$0].0) \(ops[$0].1)" }.joined(separator: "\n")
    }
}

extension Event {
    /// The run with the kernel's timing taken out, for golden files. A FIN's ACK may be delayed
    /// (up to 40 ms on Linux), so whether a step still sees FIN_WAIT1 or already FIN_WAIT2, and
    /// whether a closed socket lingers in LAST_ACK, depends on the machine's load: goldens keep
    /// FIN_WAIT1 and drop those in-between states. Ports are normalised by the renderer itself.
    static func settled(_ events: [Event]) -> [Event] {
        func canonical(_ s: String?) -> String? { s == "FIN_WAIT2" || s == "CLOSING" ? "FIN_WAIT1" : s }
        return events.map { e in
            var e = e
            e.stateChanges = e.stateChanges.compactMap { c in
                var c = c
                c.from = canonical(c.from)
                c.to = canonical(c.to)!
                if c.from == c.to || c.to == "LAST_ACK" { return nil }
                return c
            }
            return e
        }
    }
}

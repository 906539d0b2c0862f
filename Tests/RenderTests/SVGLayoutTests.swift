import Foundation
@testable import Render
import Runner
import ScenarioFormat
import Testing

/// The HTML page's sequence diagram sizes its columns to their labels: no label runs past the
/// next lifeline, out of its arrow, or off the picture, in any lesson.
@Suite("SVG diagram layout")
struct SVGLayoutTests {
    struct Text {
        var x: Int, y: Int, middle: Bool, cls: String, text: String
        /// Left and right edge in pixels, estimated as the renderer does (monospace: exact per character).
        var extent: (Int, Int) {
            let w = SVGDiagram.textWidth(text)
            return middle ? (x - w / 2, x + (w + 1) / 2) : (x, x + w)
        }
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func matches(_ pattern: String, _ s: String) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return re.matches(in: s, range: NSRange(s.startIndex..., in: s)).map { m in
            (0..<m.numberOfRanges).map { i in Range(m.range(at: i), in: s).map { String(s[$0]) } ?? "" }
        }
    }

    static func svgs(_ path: String) throws -> [String] {
        let doc = try GoldenFiles.load(path)
        let page = HTMLRenderer.page(for: Runner.run(doc))
        return matches("<svg .*?</svg>", page).map { $0[0] }
    }

    /// Every problem in one SVG: a label past its lifeline, its arrow or the picture's edge.
    static func problems(_ svg: String) -> [String] {
        guard let width = matches(#"<svg [^>]*? width="(\d+)""#, svg).first.flatMap({ Int($0[1]) }) else { return ["no width"] }
        let lifelines = matches(#"<line x1="(\d+)" y1="40" x2="\d+" y2="\d+" class="sd-lifeline"#, svg).compactMap { Int($0[1]) }.sorted()
        let arrows = matches(#"<line x1="(-?\d+)" y1="(\d+)" x2="(-?\d+)" y2="\d+" class="sd-arrow"#, svg).map { m in
            (y: Int(m[2])!, lo: min(Int(m[1])!, Int(m[3])!), hi: max(Int(m[1])!, Int(m[3])!))
        }
        let texts = matches(#"<text x="(\d+)" y="(\d+)"( text-anchor="middle")? class="([^"]+)">(?:<title>.*?</title>)?(.*?)</text>"#, svg).map { m in
            Text(x: Int(m[1])!, y: Int(m[2])!, middle: !m[3].isEmpty, cls: m[4], text: unescape(m[5]))
        }
        var found: [String] = []
        for t in texts {
            let (left, right) = t.extent
            if left < 0 || right > width { found.append("`\(t.text)` (\(left)...\(right)) leaves the picture (width \(width))") }
            if t.cls.hasPrefix("sd-label"), t.middle {
                // An arrow's label: inside its arrow.
                guard let arrow = arrows.first(where: { $0.y == t.y + 5 }) else { found.append("`\(t.text)` has no arrow"); continue }
                if left < arrow.lo || right > arrow.hi { found.append("`\(t.text)` (\(left)...\(right)) is wider than its arrow (\(arrow.lo)...\(arrow.hi))") }
            } else if !t.middle, !t.cls.hasPrefix("sd-step") || t.text.count < 5 {
                // Right of a lifeline: before the next one.
                if let next = lifelines.first(where: { $0 > t.x }), right > next - 4 {
                    found.append("`\(t.text)` (\(left)...\(right)) runs past the next lifeline at \(next)")
                }
            } else if t.cls.hasPrefix("sd-actor") {
                let neighbours = lifelines.filter { $0 != t.x }
                if let n = neighbours.first(where: { $0 > t.x }), right > n { found.append("actor `\(t.text)` reaches the next column") }
            }
        }
        return found
    }

    @Test("no label leaves its column, its arrow or the picture", arguments: GoldenFiles.lessonFiles)
    func labelsFit(_ path: String) throws {
        let all = try Self.svgs(path)
        #expect(!all.isEmpty)
        for svg in all {
            let p = Self.problems(svg)
            #expect(p.isEmpty, "\(path): \(p.prefix(5).joined(separator: "; "))")
        }
    }

    @Test("labels are whole: a label is cut only past SVGDiagram.maxLabel (80) characters, and keeps its text as a tooltip")
    func wholeLabels() throws {
        for path in GoldenFiles.lessonFiles {
            for svg in try Self.svgs(path) {
                for m in Self.matches(#"<text [^>]*>(<title>(.*?)</title>)?(.*?)</text>"#, svg) where m[3].hasSuffix("…") {
                    #expect(Self.unescape(m[2]).count > SVGDiagram.maxLabel, "\(path): `\(m[3])` is cut though it is short")
                }
            }
        }
    }

    @Test("the checker catches a label past its lifeline (it can fail)")
    func checkerFails() {
        let svg = """
        <svg xmlns="http://www.w3.org/2000/svg" class="sequence-diagram" viewBox="0 0 300 100" width="300" height="100">
        <line x1="100" y1="40" x2="100" y2="90" class="sd-lifeline"/>
        <line x1="200" y1="40" x2="200" y2="90" class="sd-lifeline"/>
        <text x="110" y="60" class="sd-call">server.bind(("127.0.0.1", 0)) → ok</text>
        </svg>
        """
        #expect(Self.problems(svg).contains { $0.contains("runs past the next lifeline at 200") })
    }

    @Test("a long call widens its column instead of being cut (the issue: `client.connect(server.addr…`)")
    func longCall() throws {
        let text = """
        ```steps
        a_server_with_a_long_name = socket(AF_INET, SOCK_STREAM)
        a_server_with_a_long_name.bind(("127.0.0.1", 0))
        a_server_with_a_long_name.listen(5)
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(a_server_with_a_long_name.address)
        conn, addr = a_server_with_a_long_name.accept()
        c.sendall(b"a message long enough to need a wide column")
        conn.recv(1024)
        ```
        """
        let doc = try #require(DocumentParser.parse(text: text, path: "t.md").document)
        let page = HTMLRenderer.page(for: Runner.run(doc))
        let svg = try #require(Self.matches("<svg .*?</svg>", page).first?[0])
        #expect(Self.problems(svg).isEmpty, "\(Self.problems(svg))")
        // The calls are written whole, without "…".
        #expect(svg.contains("connect(a_server_with_a_long_name.address)</text>"))
        #expect(svg.contains("sendall(b&quot;a message long enough to need a wide column&quot;)</text>"))
        #expect(svg.contains(">a_server_with_a_long_name</text>"))
    }
}

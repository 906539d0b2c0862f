import Foundation
import Render
import Runner
import ScenarioFormat
import Testing

@Suite("HTML pages")
struct HTMLTests {
    static func lessonPage(_ path: String = "Tests/RenderTests/Fixtures/tcp-conversation.md") throws -> (String, RunResult) {
        let result = Runner.run(try GoldenFiles.load(path))
        return (HTMLRenderer.page(for: result), result)
    }

    /// What a grade report would build (the grader calls the same HTMLPage functions).
    static func gradePage() throws -> String {
        let result = Runner.run(try GoldenFiles.load("Tests/RenderTests/Fixtures/annotated.md"))
        var page = HTMLPage(title: "Grade: echo server", subtitle: "8 of 10 points · submission `alice/server.py`")
        page.addNotice("1 of 2 checks failed", passed: false)
        page.addTable(caption: "Checks", headers: ["check", "result", "points"],
                      rows: [["echoes one line", "passed", "8/8"], ["answers two clients", "failed", "0/2"]])
        page.addProse("The program must **echo** every line it receives; see `echo-server.md`.")
        page.addEvents(title: "Check 1: echoes one line", events: Array(result.events.prefix(8)))
        page.addDiagram(events: Array(result.events.prefix(8)), title: "Check 1 as a sequence diagram")
        page.addEvents(title: "Check 2: answers two clients", events: result.events)
        page.addDiagram(events: result.events, title: "Check 2 as a sequence diagram", actors: .parse("server=server,conn; client=client,other"))
        return page.render()
    }

    @Test("a lesson's page has its prose, every step with its verdict and socket table, and the diagram")
    func lesson() throws {
        let (html, result) = try Self.lessonPage()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<h1>Your first TCP conversation</h1>"))
        #expect(html.contains("<p>A server needs a socket that waits for others to call.</p>"))
        #expect(html.contains("<blockquote><p>Hint: a server must be listening before a client can connect.</p></blockquote>"))
        #expect(html.components(separatedBy: "<li class=\"step ").count - 1 == result.events.count)
        #expect(html.contains("failed as expected"))
        #expect(html.contains("<table class=\"sockets\">"))
        #expect(html.contains("<svg"))
        #expect(html.contains("<title>The run as a sequence diagram</title>"))
        #expect(html.contains("<desc>"))
        #expect(html.contains("client → server: SYN"))
        // Self-contained: nothing is loaded from anywhere.
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("src="))
        #expect(!html.contains("url(http"))
        #expect(html.contains("@media print"))
    }

    @Test("the Markdown subset: headings, lists, code, quotes, tables, links as text")
    func markdown() {
        var page = HTMLPage(title: "t")
        page.addProse("""
        Some `code` and **bold** and *emphasis*, a [link](https://example.org) & <tags>.

        - one
        - two
          continued

        1. first
        2. second

        ```python
        s.send(b"<hi>")
        ```

        > quoted `x`

        | a | b |
        |---|---|
        | 1 | 2 |

        ### Small heading
        """)
        let html = page.render()
        #expect(html.contains("<p>Some <code>code</code> and <strong>bold</strong> and <em>emphasis</em>, a link &amp; &lt;tags&gt;.</p>"))
        #expect(html.contains("<ul><li>one</li><li>two continued</li></ul>"))
        #expect(html.contains("<ol><li>first</li><li>second</li></ol>"))
        #expect(html.contains("<pre><code>s.send(b&quot;&lt;hi&gt;&quot;)</code></pre>"))
        #expect(html.contains("<blockquote><p>quoted <code>x</code></p></blockquote>"))
        #expect(html.contains("<td>1</td><td>2</td>"))
        #expect(html.contains("<h4>Small heading</h4>"))
        #expect(!html.contains("example.org"))
    }

    @Test("the lesson and grade pages pass tidy's HTML checks without a warning",
          .enabled(if: ExternalTools.tidy != nil, "tidy is not installed (apt-get install tidy); .ci/run installs it"))
    func valid() throws {
        let dir = try ExternalTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, html) in [("lesson", try Self.lessonPage().0), ("grade", try Self.gradePage())] {
            let file = dir.appendingPathComponent("\(name).html")
            try Data(html.utf8).write(to: file)
            let r = try ExternalTools.run(ExternalTools.tidy!, ["-q", "-e", "-utf8", file.path], seconds: 60)
            #expect(r.status == 0, "tidy on the \(name) page:\n\(r.stderr)")
        }
    }
}

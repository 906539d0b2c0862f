import Foundation
import Render
import Testing

/// Renders the pages in a real browser: headless Chromium takes a screenshot (a PNG of the
/// expected size, not blank) and dumps the DOM (the text is there).
@Suite("Pages in a real browser", .serialized)
struct BrowserTests {
    static let available = ExternalTools.chromium != nil

    static func chromium(_ args: [String], profile: URL) throws -> ExternalTools.Output {
        try ExternalTools.run(ExternalTools.chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                                        "--no-first-run", "--hide-scrollbars", "--user-data-dir=\(profile.path)"] + args,
                              seconds: 120)
    }

    /// Width and height from a PNG's IHDR chunk.
    static func pngSize(_ data: Data) -> (Int, Int)? {
        let bytes = [UInt8](data)
        guard bytes.count > 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func be(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }

    @Test("a lesson's page and a grade's page render in headless Chromium",
          .enabled(if: available, "chromium is not installed (apt-get install chromium); .ci/run installs it"),
          .timeLimit(.minutes(5)))
    func render() throws {
        let dir = try ExternalTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pages = [("lesson", try HTMLTests.lessonPage().0, "Your first TCP conversation", "client → server: SYN"),
                     ("grade", try HTMLTests.gradePage(), "Grade: echo server", "Check 2 as a sequence diagram")]
        for (name, html, title, text) in pages {
            let file = dir.appendingPathComponent("\(name).html")
            try Data(html.utf8).write(to: file)
            let png = dir.appendingPathComponent("\(name).png")
            let shot = try Self.chromium(["--window-size=1000,1400", "--screenshot=\(png.path)", file.absoluteString],
                                         profile: dir.appendingPathComponent("profile-\(name)"))
            #expect(!shot.timedOut, "chromium did not finish: \(shot.stderr.suffix(2000))")
            let data = try #require(try? Data(contentsOf: png), "no screenshot of the \(name) page: \(shot.stderr.suffix(2000))")
            let size = try #require(Self.pngSize(data), "the \(name) screenshot is not a PNG")
            #expect(size == (1000, 1400))
            // A blank page compresses to a few hundred bytes; text, tables and the diagram do not.
            #expect(data.count > 20_000, "the \(name) screenshot looks blank (\(data.count) bytes)")

            let dom = try Self.chromium(["--dump-dom", file.absoluteString], profile: dir.appendingPathComponent("dom-\(name)"))
            #expect(dom.stdout.contains("<h1>\(title)</h1>"), "the \(name) page's DOM has no title")
            #expect(dom.stdout.contains(text))
            #expect(dom.stdout.contains("<svg"))
        }
    }
}

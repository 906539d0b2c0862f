import Foundation
import Render
import Runner
import Sockets
import ScenarioFormat
import Testing

/// The sequence diagram of every lesson and fixture, in Unicode and ASCII, against golden files
/// (ports shown as P1, P2…; see GoldenFiles for how to regenerate them).
@Suite("Diagram golden files")
struct DiagramGoldenTests {
    @Test("the diagram of each lesson matches its golden file", arguments: GoldenFiles.lessonFiles)
    func lesson(_ path: String) throws {
        let doc = try GoldenFiles.load(path)
        let result = Runner.run(doc)
        let events = Event.settled(result.events)
        let options = DiagramRenderer.Options(actors: ActorAnnotation(document: doc), normalizePorts: true)
        let name = (path as NSString).lastPathComponent.replacingOccurrences(of: ".md", with: "")
        let unicode = DiagramRenderer.render(events: events, style: Style(color: false, unicode: true), width: 80, options: options)
        let ascii = DiagramRenderer.render(events: events, style: Style(color: false, unicode: false), width: 80, options: options)
        GoldenFiles.check(unicode, name: name + ".txt")
        GoldenFiles.check(ascii, name: name + ".ascii.txt")
        for line in unicode.split(separator: "\n") { #expect(line.count <= 80, "too wide: \(line)") }
        for line in ascii.split(separator: "\n") {
            #expect(line.count <= 80, "too wide: \(line)")
            let isASCII = line.unicodeScalars.allSatisfy { $0.isASCII }
            #expect(isASCII, "not ASCII: \(line)")
        }
    }

    /// Diagrams of captured packets (root only: the test process captures the machine's loopback,
    /// keeping only the run's own ports; `sockstep` itself captures its private network).
    @Test("with a capture, the diagram draws the captured packets and says so", arguments: ["Tests/RenderTests/Fixtures/reset.md", "Tests/RenderTests/Fixtures/udp-and-unix.md"])
    func captured(_ path: String) throws {
        guard Sockets.PrivateNetwork.isRoot else {
            print("skipped: capturing the machine's loopback in the test process needs root")
            return
        }
        let doc = try GoldenFiles.load(path)
        var run = RunOptions()
        run.captureOnSharedLoopback = true
        let result = Runner.run(doc, options: run)
        #expect(result.capture?.isCaptured == true)
        let options = DiagramRenderer.Options(actors: ActorAnnotation(document: doc), normalizePorts: true)
        let name = (path as NSString).lastPathComponent.replacingOccurrences(of: ".md", with: "")
        let unicode = DiagramRenderer.render(events: Event.settled(result.events), style: Style(color: false, unicode: true), width: 80, options: options)
        let ascii = DiagramRenderer.render(events: Event.settled(result.events), style: Style(color: false, unicode: false), width: 80, options: options)
        #expect(unicode.contains("packets as captured"))
        GoldenFiles.check(unicode, name: name + ".captured.txt")
        GoldenFiles.check(ascii, name: name + ".captured.ascii.txt")
    }

    @Test("there is a golden file for every lesson, and no stale one")
    func noStaleGoldens() throws {
        guard !GoldenFiles.updating else { return }
        let names = Set(GoldenFiles.lessonFiles.map { ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".md", with: "") })
        let files = try FileManager.default.contentsOfDirectory(atPath: GoldenFiles.directory.path).filter { $0.hasSuffix(".txt") }
        for f in files {
            let base = f.replacingOccurrences(of: ".ascii.txt", with: "").replacingOccurrences(of: ".txt", with: "").replacingOccurrences(of: ".captured", with: "")
            #expect(names.contains(base), "Golden/\(f) belongs to no lesson or fixture: delete it")
        }
    }
}

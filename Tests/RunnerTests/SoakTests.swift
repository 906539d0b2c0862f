import Foundation
import Testing
import Runner
import ScenarioFormat
import Sockets

/// The whole course, many times in one process: no failed expectation, the same verdicts every
/// time, no descriptor, memory or temporary file left behind. Slow, so it runs only with
/// SOCKSTEP_SOAK=1 (scripts/soak.sh sets it, with TMPDIR pointing at a fresh directory).
@Suite("Soak: the course 200 times in one process", .serialized)
struct SoakTests {
    static let enabled = ProcessInfo.processInfo.environment["SOCKSTEP_SOAK"] == "1"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every lesson in lessons/ (the authors' reference README.md too: it is a runnable lesson).
    static func course() throws -> [Document] {
        let dir = root.appendingPathComponent("lessons")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".md") }.sorted()
        return try names.map { name in
            let path = dir.appendingPathComponent(name).path
            let parsed = DocumentParser.parse(data: try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
            let doc = try #require(parsed.document, "\(name): \(parsed.diagnostics)")
            #expect(!parsed.hasErrors && !Checker.check(doc).contains { $0.severity == .error }, "\(name) has errors")
            return doc
        }
    }

    /// Resident memory now (VmRSS), in KiB.
    static func residentKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.filter(\.isNumber)) ?? 0
    }

    static func entries(_ dir: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    }

    @Test("200 runs of the course: same verdicts, no leaks", .enabled(if: enabled))
    func courseManyTimes() throws {
        let runs = Int(ProcessInfo.processInfo.environment["SOCKSTEP_SOAK_RUNS"] ?? "") ?? 200
        // The runs' Unix-socket directories go to a fresh TMPDIR of their own, which must end empty.
        // (Only this test runs when the soak is on: scripts/soak.sh filters for it.)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sockstep-soak-\(getpid())").path
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let savedTMPDIR = ProcessInfo.processInfo.environment["TMPDIR"]
        setenv("TMPDIR", tmp, 1)
        defer {
            if let savedTMPDIR { setenv("TMPDIR", savedTMPDIR, 1) } else { unsetenv("TMPDIR") }
            try? FileManager.default.removeItem(atPath: tmp)
        }
        let documents = try Self.course()
        #expect(!documents.isEmpty)
        func runCourse() -> [[String]] {
            documents.map { doc in Runner.run(doc).events.map { "\($0.index) \($0.verdict)" } }
        }
        // Warm up (lazy globals, the allocator's first arenas), then take the baseline.
        let reference = runCourse()
        for (doc, verdicts) in zip(documents, reference) {
            let bad = verdicts.filter { $0.contains("failed") || $0.contains("unexpected") || $0.contains("skipped") }
            #expect(bad.isEmpty, "\(doc.path): \(bad.joined(separator: ", "))")
        }
        for _ in 0..<9 { _ = runCourse() }
        let descriptors = Posix.openDescriptorCount()
        let sockets = Posix.openSocketInodes()
        let memory = Self.residentKiB()

        var differing = 0
        var peakDescriptors = descriptors
        for i in 0..<runs {
            let verdicts = runCourse()
            if verdicts != reference {
                differing += 1
                if differing <= 3 {
                    for (doc, (a, b)) in zip(documents, zip(reference, verdicts)) where a != b {
                        let changed = Set(b).subtracting(a).sorted().joined(separator: ", ")
                        Issue.record("run \(i + 1): \(doc.path) gave other verdicts: \(changed)" as Comment)
                    }
                }
            }
            peakDescriptors = max(peakDescriptors, Posix.openDescriptorCount())
        }
        let grown = Self.residentKiB() - memory
        print("soak: \(runs) runs of \(documents.count) files (\(documents.map(\.steps.count).reduce(0, +)) steps each time): \(differing) with other verdicts; descriptors \(descriptors) → \(Posix.openDescriptorCount()) (peak \(peakDescriptors)); resident memory \(memory / 1024) MiB, grew \(grown) KiB")
        #expect(differing == 0)
        #expect(Posix.openDescriptorCount() == descriptors, "descriptors were left open")
        #expect(Posix.openSocketInodes() == sockets, "sockets were left open")
        #expect(grown < 4096, "resident memory grew by \(grown) KiB over \(runs) runs")
        #expect(Self.entries(tmp).isEmpty, "left in the temporary directory: \(Self.entries(tmp).joined(separator: ", "))")
    }
}

import Foundation
import Testing

/// Issue 10: the product starts in milliseconds because it never loads Foundation (libFoundation,
/// CoreFoundation, ICU). New code in Sources imports FoundationEssentials where it needs Data, files
/// or JSON; this keeps it that way.
@Suite("The product does not load Foundation")
struct NoFoundationTests {
    @Test("no file in Sources imports Foundation (FoundationEssentials is fine)")
    func noImport() throws {
        let sources = packageRoot + "/Sources"
        let files = try #require(FileManager.default.enumerator(atPath: sources)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50)
        var offenders: [String] = []
        for f in files {
            let text = try String(contentsOfFile: sources + "/" + f, encoding: .utf8)
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t == "import Foundation" || t.hasPrefix("import Foundation ") || t.hasPrefix("@_exported import Foundation") {
                    offenders.append("Sources/\(f):\(i + 1)")
                }
            }
        }
        #expect(offenders.isEmpty, "import FoundationEssentials (or nothing) instead, in: \(offenders.joined(separator: ", "))")
    }

    @Test("the built sockstep binary links no libFoundation, CoreFoundation or ICU")
    func notLinked() throws {
        guard let ldd = ["/usr/bin/ldd", "/bin/ldd"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("skipped: ldd is not installed")
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ldd)
        p.arguments = [Binary.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        for lib in ["libFoundation.so", "libCoreFoundation", "FoundationICU", "libicu", "FoundationNetworking", "FoundationXML"] {
            #expect(!text.contains(lib), "\(lib) is linked into \(Binary.path):\n\(text)")
        }
    }
}

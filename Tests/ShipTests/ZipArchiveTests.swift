import Foundation
import Testing
@testable import Ship

@Suite struct ZipArchiveTests {
    @Test func crc32OfKnownInputs() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([]) == 0)
    }

    static let times: [(Double, String)] = [
        (0, "1980-01-01 00:00:00"),                 // before 1980: the earliest a zip can say
        (315_532_800, "1980-01-01 00:00:00"),
        (951_832_798, "2000-02-29 13:59:58"),
        (1_796_279_081, "2026-12-03 06:24:40"),    // seconds are even: 2-second resolution
    ]

    @Test(arguments: times)
    func dosTime(seconds: Double, expected: String) {
        let (t, d) = ZipArchive.dosTime(seconds)
        let text = String(format: "%04d-%02d-%02d %02d:%02d:%02d", 1980 + Int(d >> 9), Int(d >> 5 & 0xF), Int(d & 0x1F), Int(t >> 11), Int(t >> 5 & 0x3F), Int(t & 0x1F) * 2)
        #expect(text == expected)
    }

    @Test func refusesNamesOutsideTheArchive() {
        var z = ZipArchive(modified: 0)
        for bad in ["", "/etc/passwd", "../up", "a/../../b", "back\\slash"] {
            #expect(throws: ZipArchive.Problem.badName(bad)) { try z.add(bad, [1]) }
        }
        #expect(z.entries.isEmpty)
    }

    /// The archive a test reads back with other tools: names, bytes and modes must survive.
    static func sample() throws -> (path: String, files: [(String, [UInt8], UInt16)]) {
        let files: [(String, [UInt8], UInt16)] = [
            ("run_autograder", Array("#!/bin/sh\necho hi\n".utf8), 0o755),
            ("README.md", Array("# Read me ✓\n".utf8), 0o644),
            ("lib/libx.so", (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }, 0o755),
            ("empty", [], 0o600),
            ("naïve file.txt", Array("é".utf8), 0o644),
        ]
        var z = ZipArchive(modified: 1_796_279_081)
        for (name, bytes, mode) in files { try z.add(name, bytes, mode: mode) }
        let path = try TestScratch.folder("zip") + "/sample.zip"
        try Data(z.bytes()).write(to: URL(fileURLWithPath: path))
        return (path, files)
    }

    @Test func unzipTestsItClean() throws {
        guard let unzip = Fixtures.tool("unzip") else {
            print("skipped: unzip is not installed (apt-get install unzip)")
            return
        }
        let (path, files) = try Self.sample()
        let t = try Fixtures.run(unzip, ["-t", path])
        #expect(t.status == 0, "\(t.stdout)\(t.stderr)")
        #expect(t.stdout.contains("No errors detected"))
        // Extracted, every file has its bytes and its permission bits.
        let dir = try TestScratch.folder("unzipped")
        let x = try Fixtures.run(unzip, ["-q", path, "-d", dir])
        #expect(x.status == 0, "\(x.stderr)")
        for (name, bytes, mode) in files {
            let got = FileManager.default.contents(atPath: dir + "/" + name)
            #expect(got.map([UInt8].init) == bytes, "\(name)")
            let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/" + name)
            #expect((attributes[.posixPermissions] as? NSNumber)?.uint16Value == mode, "\(name)")
        }
    }

    @Test func pythonReadsNamesModesAndCRCs() throws {
        guard let python = Fixtures.tool("python3") else {
            print("skipped: python3 is not installed")
            return
        }
        let (path, files) = try Self.sample()
        let script = """
        import sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        assert z.testzip() is None
        for i in z.infolist():
            print(i.filename, oct(i.external_attr >> 16), i.compress_type, i.file_size, i.create_system, i.date_time[0])
        """
        let r = try Fixtures.run(python, ["-c", script, path])
        #expect(r.status == 0, "\(r.stderr)")
        let expected = files.map { "\($0.0) \("0o100" + String($0.2, radix: 8)) 0 \($0.1.count) 3 2026" }
        #expect(r.stdout.split(separator: "\n").map(String.init) == expected)
    }
}

import Foundation
import Testing
@testable import Ship

@Suite struct ELFFileTests {
    @Test func theDebugBuildNeedsTheSwiftRuntime() throws {
        let bytes = try #require(FileManager.default.contents(atPath: Fixtures.sockstep))
        let elf = try #require(ELFFile.parse([UInt8](bytes)))
        #expect(elf.needed.contains("libswiftCore.so"))
        #expect(!elf.runPaths.isEmpty)
        let glibc = try #require(elf.glibc)
        #expect(ELFFile.versionLess("2.16", glibc), "\(glibc)")
    }

    @Test func aCProgramNeedsOnlyTheCLibrary() throws {
        let path = try #require(["/bin/sh", "/usr/bin/env", "/bin/ls"].first { FileManager.default.fileExists(atPath: $0) })
        let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { $0.hasPrefix("/") ? $0 : "/bin/" + $0 } ?? path
        let data = try #require(FileManager.default.contents(atPath: real))
        let elf = try #require(ELFFile.parse([UInt8](data)))
        #expect(elf.needed.contains { $0.hasPrefix("libc.so") }, "\(elf.needed)")
        #expect(!elf.needed.contains { SockstepBinary.isSwiftRuntime($0) })
    }

    /// A release build is one static executable (`-static-executable`): no dynamic section, so no
    /// library and no glibc version to ask for. A static C program has the same shape.
    @Test func aStaticExecutableNeedsNoLibraryAtAll() throws {
        guard let cc = Fixtures.tool("cc") else { print("skipped: cc is not installed"); return }
        let dir = try TestScratch.folder("static")
        try "int main(void) { return 0; }\n".write(toFile: dir + "/main.c", atomically: true, encoding: .utf8)
        let built = try Fixtures.run(cc, ["-static", "-o", dir + "/main", dir + "/main.c"])
        guard built.status == 0 else { print("skipped: cc cannot link statically here (no libc.a): \(built.stderr)"); return }
        let data = try #require(FileManager.default.contents(atPath: dir + "/main"))
        let elf = try #require(ELFFile.parse([UInt8](data)))
        #expect(elf.needed.isEmpty)
        #expect(elf.glibc == nil)
        let b = try SockstepBinary.load(dir + "/main")
        #expect(b.isStatic && b.isSelfContained)
        #expect(b.needs.contains("no library at all"))
        #expect(b.warnings(target: "an old machine", targetGlibc: "2.17").isEmpty)
        // The debug build, linked dynamically, is not.
        #expect(!(try SockstepBinary.load(Fixtures.sockstep)).isStatic)
    }

    @Test func theBundleOfADebugBuildHasTheRuntimeLibraries() throws {
        let b = try SockstepBinary.load(Fixtures.sockstep)
        #expect(!b.isSelfContained)
        let names = b.libraries.map(\.name)
        #expect(names.contains("libswiftCore.so"))
        #expect(names.contains { $0.hasPrefix("libFoundation") })
        #expect(!names.contains { $0.hasPrefix("libc.so") || $0.hasPrefix("libstdc++") })
        #expect(Set(names).count == names.count)
        let w = b.warnings(target: "Gradescope", targetGlibc: "2.35").joined(separator: "\n")
        #expect(w.contains("needs the Swift runtime") && w.contains("--static-swift-stdlib"))
        // A machine older than the build's glibc gets a warning; a newer one does not.
        #expect(b.warnings(target: "an old machine", targetGlibc: "2.17").contains { $0.contains("asks for glibc") })
        #expect(!b.warnings(target: "a new machine", targetGlibc: "9.99").contains { $0.contains("asks for glibc") })
    }

    @Test(arguments: [
        [UInt8](),
        Array("#!/bin/sh\necho not a binary\n".utf8),
        [0x7F, 0x45, 0x4C, 0x46, 1, 1] + [UInt8](repeating: 0, count: 60),       // 32-bit ELF
        [0x7F, 0x45, 0x4C, 0x46, 2, 2] + [UInt8](repeating: 0, count: 60),       // big-endian ELF
    ])
    func notA64BitELFFile(bytes: [UInt8]) {
        #expect(ELFFile.parse(bytes) == nil)
    }

    @Test func aTruncatedOrCorruptBinaryIsNotACrash() throws {
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: Fixtures.sockstep)))
        for n in [64, 100, 1000, 5000, bytes.count / 2] { _ = ELFFile.parse(Array(bytes.prefix(n))) }
        var corrupt = bytes
        for i in stride(from: 0x20, to: 0x40, by: 1) { corrupt[i] = 0xFF }
        #expect(ELFFile.parse(corrupt) == nil)
    }

    @Test func notAProgramIsAProblem() throws {
        let path = try TestScratch.folder("elf") + "/sockstep"
        try "not a program".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SockstepBinary.Problem.notAProgram(path)) { try SockstepBinary.load(path) }
        #expect(throws: SockstepBinary.Problem.missing(path + "-gone")) { try SockstepBinary.load(path + "-gone") }
    }

    @Test(arguments: [("2.34", "2.35", true), ("2.35", "2.35", false), ("2.9", "2.17", true), ("2.39", "2.4", false), ("2", "2.0.1", true)])
    func versions(a: String, b: String, less: Bool) {
        #expect(ELFFile.versionLess(a, b) == less)
    }
}

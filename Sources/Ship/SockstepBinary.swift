import FoundationEssentials

/// The sockstep program that goes with an autograder, and whatever it needs to run on a machine
/// without Swift. A release build made with `swift build -c release --static-swift-stdlib` is one
/// static executable that needs no library at all (a build with only the Swift runtime inside needs
/// just the C library), so it goes alone. Any other build needs the Swift runtime's shared libraries
/// (libswiftCore.so, Foundation, Dispatch): they are found where the binary itself finds them (its
/// RUNPATH, usually the toolchain's `usr/lib/swift/linux`) and go next to it in `lib/`, which the
/// generated scripts put on LD_LIBRARY_PATH. That works, but weighs tens of megabytes.
public struct SockstepBinary: Sendable {
    public var path: String
    public var bytes: [UInt8]
    /// The Swift runtime libraries it needs (empty for a static build): file name and bytes.
    public var libraries: [(name: String, bytes: [UInt8])]
    /// The newest glibc the binary and its libraries ask for (`2.34`).
    public var glibc: String?
    /// A static executable: it names no shared library at all, not even the C library.
    public var isStatic: Bool

    public var isSelfContained: Bool { libraries.isEmpty }
    /// What the binary needs, for the generated scripts and READMEs: "it needs …".
    public var needs: String { isStatic ? "no library at all, not even the C library" : "only the C library" }
    public var totalBytes: Int { bytes.count + libraries.reduce(0) { $0 + $1.bytes.count } }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case missing(String)
        case notAProgram(String)
        case libraryNotFound(binary: String, library: String, searched: [String])
        public var description: String {
            switch self {
            case .missing(let p): return "there is no sockstep program at \(p)"
            case .notAProgram(let p): return "\(p) is not a Linux program (a 64-bit ELF file)"
            case .libraryNotFound(let b, let l, let s):
                return "\(b) needs the Swift library \(l), which is not in \(s.isEmpty ? "any folder it names" : s.joined(separator: ", "))"
            }
        }
    }

    /// The glibc of Gradescope's default base image (Ubuntu 22.04); GitHub's ubuntu-latest (24.04) has 2.39.
    public static let gradescopeGlibc = "2.35"
    public static let githubGlibc = "2.39"

    /// The running program, when it is sockstep.
    public static var current: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Names of the Swift runtime's libraries: these must come along, the rest is the C library's.
    static func isSwiftRuntime(_ name: String) -> Bool {
        ["libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime", "lib_Testing", "libTesting", "libXCTest"].contains { name.hasPrefix($0) }
    }

    public static func load(_ path: String) throws -> SockstepBinary {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory,
              let data = FileManager.default.contents(atPath: path) else { throw Problem.missing(path) }
        let bytes = [UInt8](data)
        guard let elf = ELFFile.parse(bytes) else { throw Problem.notAProgram(path) }
        var glibc = elf.glibc
        var libraries: [(name: String, bytes: [UInt8])] = []
        var queue: [(name: String, from: String, elf: ELFFile)] = elf.needed.map { ($0, path, elf) }
        var seen = Set<String>()
        while !queue.isEmpty {
            let (name, from, parent) = queue.removeFirst()
            guard isSwiftRuntime(name), seen.insert(name).inserted else { continue }
            let origin = URL(fileURLWithPath: from).deletingLastPathComponent().path
            let dirs = parent.runPaths.map { $0.replacing("${ORIGIN}", with: origin).replacing("$ORIGIN", with: origin) }
            guard let dir = dirs.first(where: { FileManager.default.fileExists(atPath: $0 + "/" + name) }),
                  let libData = FileManager.default.contents(atPath: dir + "/" + name) else {
                throw Problem.libraryNotFound(binary: path, library: name, searched: dirs)
            }
            let lib = [UInt8](libData)
            libraries.append((name, lib))
            if let libELF = ELFFile.parse(lib) {
                if let g = libELF.glibc, glibc.map({ ELFFile.versionLess($0, g) }) ?? true { glibc = g }
                queue += libELF.needed.map { ($0, dir + "/" + name, libELF) }
            }
        }
        return SockstepBinary(path: path, bytes: bytes, libraries: libraries.sorted { $0.name < $1.name }, glibc: glibc,
                              isStatic: elf.needed.isEmpty)
    }

    /// What a teacher should know about this binary before shipping it (empty: nothing to say).
    public func warnings(target: String, targetGlibc: String) -> [String] {
        var out: [String] = []
        if !isSelfContained {
            out.append("warning: \(path) needs the Swift runtime, so its \(libraries.count) libraries go along in lib/ (\(SockstepBinary.megabytes(totalBytes)) in all)\n = help: a release build with the Swift runtime inside is much smaller and needs nothing: swift build -c release --static-swift-stdlib, then --binary .build/release/sockstep")
        }
        if let g = glibc, ELFFile.versionLess(targetGlibc, g) {
            out.append("warning: \(path) asks for glibc \(g), but \(target) has glibc \(targetGlibc), so it may not start there\n = help: build sockstep on an older Linux (Ubuntu 22.04, glibc 2.35), or choose a newer base image")
        }
        return out
    }

    public static func megabytes(_ n: Int) -> String {
        let tenths = (n * 10 + 524_288) / 1_048_576
        return "\(tenths / 10).\(tenths % 10) MiB"
    }
}

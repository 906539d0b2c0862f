/// What a Linux program needs from the machine it runs on, read from its ELF dynamic section:
/// the shared libraries (`DT_NEEDED`), where it looks for them (`DT_RUNPATH`, `DT_RPATH`), and the
/// glibc versions its symbols ask for (`DT_VERNEED`). Enough to tell a binary built with
/// `--static-swift-stdlib` (it needs only the C library) from one that needs a Swift toolchain.
/// 64-bit little-endian ELF only (x86_64, aarch64): the builds sockstep ships.
public struct ELFFile: Sendable, Equatable {
    public var needed: [String]
    public var runPaths: [String]
    /// `GLIBC_2.34` and the like, each once.
    public var versions: [String]

    /// The newest glibc the file asks for (`2.34`), if any.
    public var glibc: String? {
        versions.filter { $0.hasPrefix("GLIBC_") && $0.dropFirst(6).first?.isNumber == true }
            .map { String($0.dropFirst(6)) }
            .max { ELFFile.versionLess($0, $1) }
    }

    public static func versionLess(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }, y = b.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(x.count, y.count) {
            let p = i < x.count ? x[i] : 0, q = i < y.count ? y[i] : 0
            if p != q { return p < q }
        }
        return false
    }

    /// nil when the bytes are not a 64-bit little-endian ELF file with a readable dynamic section
    /// (a fully static program has none: then `needed` is empty).
    public static func parse(_ b: [UInt8]) -> ELFFile? {
        guard b.count >= 64, b[0] == 0x7F, b[1] == 0x45, b[2] == 0x4C, b[3] == 0x46, b[4] == 2, b[5] == 1 else { return nil }
        func u16(_ o: Int) -> Int? { o >= 0 && o + 2 <= b.count ? Int(b[o]) | Int(b[o + 1]) << 8 : nil }
        func u32(_ o: Int) -> Int? { guard let lo = u16(o), let hi = u16(o + 2) else { return nil }; return lo | hi << 16 }
        func u64(_ o: Int) -> Int? {
            guard let lo = u32(o), let hi = u32(o + 4), hi < 0x7FFF_FFFF else { return nil }
            return lo | hi << 32
        }
        guard let phoff = u64(0x20), let phentsize = u16(0x36), let phnum = u16(0x38), phentsize >= 56 else { return nil }
        var loads: [(vaddr: Int, offset: Int, size: Int)] = []
        var dynamic: (offset: Int, size: Int)?
        for i in 0..<phnum {
            let h = phoff + i * phentsize
            guard let type = u32(h), let offset = u64(h + 8), let vaddr = u64(h + 16), let filesz = u64(h + 32) else { return nil }
            if type == 1 { loads.append((vaddr, offset, filesz)) }
            if type == 2 { dynamic = (offset, filesz) }
        }
        guard let dyn = dynamic else { return ELFFile(needed: [], runPaths: [], versions: []) }
        /// A virtual address to its place in the file, through the segment that loads it.
        func fileOffset(_ vaddr: Int) -> Int? {
            loads.first { vaddr >= $0.vaddr && vaddr < $0.vaddr + $0.size }.map { vaddr - $0.vaddr + $0.offset }
        }
        var needed: [Int] = [], paths: [Int] = []
        var strtab: Int?, verneed: Int?, verneedCount = 0
        var o = dyn.offset
        entries: while o + 16 <= dyn.offset + dyn.size {
            guard let tag = u64(o), let value = u64(o + 8) else { return nil }
            switch tag {
            case 0: break entries                           // DT_NULL
            case 1: needed.append(value)                    // DT_NEEDED
            case 5: strtab = value                          // DT_STRTAB
            case 15, 29: paths.append(value)                // DT_RPATH, DT_RUNPATH
            case 0x6FFF_FFFE: verneed = value               // DT_VERNEED
            case 0x6FFF_FFFF: verneedCount = value          // DT_VERNEEDNUM
            default: break
            }
            o += 16
        }
        guard let strAddress = strtab, let strings = fileOffset(strAddress) else { return nil }
        func string(_ index: Int) -> String? {
            var end = strings + index
            guard end >= 0, end < b.count else { return nil }
            while end < b.count && b[end] != 0 { end += 1 }
            return String(decoding: b[(strings + index)..<end], as: UTF8.self)
        }
        var versions: [String] = []
        if let address = verneed, var entry = fileOffset(address) {
            for _ in 0..<min(verneedCount, 1000) {
                guard let count = u16(entry + 2), let aux = u32(entry + 8), let next = u32(entry + 12) else { break }
                var a = entry + aux
                for _ in 0..<min(count, 1000) {
                    guard let name = u32(a + 8), let nextAux = u32(a + 12) else { break }
                    if let s = string(name), !versions.contains(s) { versions.append(s) }
                    guard nextAux > 0 else { break }
                    a += nextAux
                }
                guard next > 0 else { break }
                entry += next
            }
        }
        return ELFFile(needed: needed.compactMap(string),
                       runPaths: paths.compactMap(string).flatMap { $0.split(separator: ":").map(String.init) },
                       versions: versions)
    }
}

/// A zip archive of stored (uncompressed) files, written by hand: the toolchain has no zip library
/// without Foundation, and stored entries are all an autograder needs. Unix permission bits go in
/// each entry's external attributes, so `unzip` (and Gradescope) restore `run_autograder` and the
/// `sockstep` binary as executables. Format: PKWARE's APPNOTE.TXT, sections 4.3 and 4.4.
public struct ZipArchive: Sendable {
    public struct Entry: Sendable {
        /// The path inside the archive, with `/` between folders (`lib/libswiftCore.so`).
        public var name: String
        public var bytes: [UInt8]
        /// Unix permission bits: 0o644 for a file, 0o755 for a program.
        public var mode: UInt16
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case tooLarge(String)
        case tooManyEntries
        case badName(String)
        public var description: String {
            switch self {
            case .tooLarge(let name): return "\(name) is larger than a zip without ZIP64 can hold (4 GiB)"
            case .tooManyEntries: return "more than 65,535 files in one zip"
            case .badName(let name): return "'\(name)' is not a relative path inside the zip"
            }
        }
    }

    public private(set) var entries: [Entry] = []
    /// The time every entry carries, as seconds since 1970 (UTC).
    public var modified: Double

    public init(modified: Double) { self.modified = modified }

    public mutating func add(_ name: String, _ bytes: [UInt8], mode: UInt16 = 0o644) throws {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains(".."), !name.contains("\\") else { throw Problem.badName(name) }
        guard bytes.count < Int(UInt32.max) else { throw Problem.tooLarge(name) }
        guard entries.count < Int(UInt16.max) else { throw Problem.tooManyEntries }
        entries.append(Entry(name: name, bytes: bytes, mode: mode))
    }

    public mutating func add(_ name: String, text: String, mode: UInt16 = 0o644) throws {
        try add(name, Array(text.utf8), mode: mode)
    }

    /// The whole archive: each entry's local header and bytes, the central directory, its end record.
    public func bytes() throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.reduce(0) { $0 + $1.bytes.count + 2 * $1.name.utf8.count + 100 } + 22)
        var central: [UInt8] = []
        let (time, date) = ZipArchive.dosTime(modified)
        for e in entries {
            guard out.count < Int(UInt32.max) else { throw Problem.tooLarge(e.name) }
            let offset = UInt32(out.count)
            let crc = CRC32.checksum(e.bytes)
            let name = Array(e.name.utf8)
            let size = UInt32(e.bytes.count)
            // Local file header (4.3.7).
            out.le32(0x0403_4b50)
            out.le16(10)                  // version needed: 1.0, stored
            out.le16(0x0800)              // flags: the name is UTF-8
            out.le16(0)                   // method: stored
            out.le16(time); out.le16(date)
            out.le32(crc); out.le32(size); out.le32(size)
            out.le16(UInt16(name.count)); out.le16(0)
            out += name
            out += e.bytes
            // Central directory header (4.3.12).
            central.le32(0x0201_4b50)
            central.le16(3 << 8 | 30)     // made by: Unix, spec 3.0 (external attributes hold st_mode)
            central.le16(10)
            central.le16(0x0800)
            central.le16(0)
            central.le16(time); central.le16(date)
            central.le32(crc); central.le32(size); central.le32(size)
            central.le16(UInt16(name.count)); central.le16(0); central.le16(0)
            central.le16(0)               // disk number
            central.le16(0)               // internal attributes
            central.le32(UInt32(0o100000 | UInt32(e.mode & 0o7777)) << 16)   // S_IFREG | permissions
            central.le32(offset)
            central += name
        }
        guard out.count + central.count < Int(UInt32.max) else { throw Problem.tooLarge("the archive") }
        let centralOffset = UInt32(out.count)
        out += central
        // End of central directory record (4.3.16).
        out.le32(0x0605_4b50)
        out.le16(0); out.le16(0)
        out.le16(UInt16(entries.count)); out.le16(UInt16(entries.count))
        out.le32(UInt32(central.count)); out.le32(centralOffset)
        out.le16(0)
        return out
    }

    /// MS-DOS time and date (2-second resolution, from 1980), in UTC.
    static func dosTime(_ seconds: Double) -> (time: UInt16, date: UInt16) {
        let s = max(Int(seconds), 315_532_800)            // 1980-01-01, the earliest a zip can say
        let days = s / 86_400, rest = s % 86_400
        // Civil date from days since 1970 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = min(yoe + era * 400 + (month <= 2 ? 1 : 0), 2107)
        let time = UInt16(rest / 3600) << 11 | UInt16(rest % 3600 / 60) << 5 | UInt16(rest % 60 / 2)
        let date = UInt16(year - 1980) << 9 | UInt16(month) << 5 | UInt16(day)
        return (time, date)
    }
}

/// CRC-32 as zip, gzip and PNG use it (reflected polynomial 0xEDB88320).
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { b in
                for byte in b { crc = t[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}

extension Array where Element == UInt8 {
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { for i in 0..<4 { append(UInt8(v >> (8 * UInt32(i)) & 0xFF)) } }
}

import Testing
@testable import Ship

@Suite struct ZipArchiveTests {
    @Test func crc32OfKnownInputs() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }
}

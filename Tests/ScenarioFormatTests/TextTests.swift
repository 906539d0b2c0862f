import Testing
import ScenarioFormat

/// The text helpers that replace Foundation's String extensions in the product.
@Suite("ScenarioFormat: text helpers")
struct TextTests {
    @Test("trimming spaces and tabs, as CharacterSet.whitespaces does", arguments: [
        ("  a b \t", "a b"), ("\t\t", ""), ("", ""), ("x", "x"), ("\u{00A0}nbsp\u{2003}", "nbsp"), ("a\n", "a\n"), (" \r\n", "\r\n"),
    ])
    func trimming(_ s: String, _ expected: String) {
        #expect(s.trimmingWhitespace == expected)
        #expect(s[...].trimmingWhitespace == expected)
    }

    @Test("replacing every occurrence, byte for byte", arguments: [
        ("a.md", ".md", "", "a"), ("aaa", "a", "bb", "bbbbbb"), ("x\r\ny", "\n", " ", "x\r y"), ("abc", "", "z", "abc"),
        ("socket.AF_INET", "socket.", "", "AF_INET"), ("é?", "?", "!", "é!"), ("abab", "aba", "X", "Xb"),
    ])
    func replacing(_ s: String, _ target: String, _ replacement: String, _ expected: String) {
        #expect(s.replacingAll(target, with: replacement) == expected)
    }

    @Test("the first range of a text, scalar for scalar")
    func firstRange() throws {
        let s = "conn.recv(1024)   -> b\"hi\""
        let r = try #require(s.firstRange(ofText: "->"))
        #expect(s[r.upperBound...] == " b\"hi\"")
        #expect(s.firstRange(ofText: "=>") == nil)
        #expect(s.firstRange(ofText: "") == nil)
        // Inside a "\r\n" character, as Foundation finds it.
        let crlf = "a\r\nb"
        let n = try #require(crlf.firstRange(ofText: "\n"))
        #expect(crlf.unicodeScalars[n.lowerBound] == "\n")
        // In a substring: indices are the base string's.
        let sub = s.dropFirst(5)
        let r2 = try #require(sub.firstRange(ofText: "(1024)"))
        #expect(s[r2] == "(1024)")
    }

    @Test("padding to a width cuts or fills with spaces", arguments: [
        ("ab", 4, "ab  "), ("abcdef", 3, "abc"), ("abc", 3, "abc"), ("", 2, "  "),
    ])
    func padded(_ s: String, _ width: Int, _ expected: String) {
        #expect(s.padded(to: width) == expected)
    }
}

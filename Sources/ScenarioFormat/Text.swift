/// Small text helpers that Foundation's String extensions used to provide (`trimmingCharacters`,
/// `replacingOccurrences`, `range(of:)`, `padding(toLength:)`), so that no module of the product has
/// to load Foundation. They work on Unicode scalars or UTF-8 bytes, as Foundation's do, never on
/// whole characters: "\r\n" is one Character but two scalars, and "\n" is found inside it.
/// Inlinable, so that each caller gets a String version: called generically, each first use of a
/// String.UTF8View-like associated type made the runtime scan the binary's conformance records.
extension StringProtocol {
    /// Without leading and trailing spaces and tabs (Foundation's `CharacterSet.whitespaces`:
    /// tab and every Unicode space separator; not newlines).
    @inlinable public var trimmingWhitespace: String {
        let scalars = Substring(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !isHorizontalSpace($0) }),
              let last = scalars.lastIndex(where: { !isHorizontalSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }

    /// Every occurrence of `target` replaced, scanning left to right (byte for byte, as Foundation's
    /// literal search does).
    @inlinable public func replacingAll(_ target: String, with replacement: String) -> String {
        let needle = Array(target.utf8)
        guard let head = needle.first, utf8.contains(head) else { return String(self) }
        let haystack = Array(utf8)
        var out: [UInt8] = []
        out.reserveCapacity(haystack.count)
        var i = 0, changed = false
        while i < haystack.count {
            if haystack[i] == needle[0], i + needle.count <= haystack.count, haystack[i..<(i + needle.count)].elementsEqual(needle) {
                out.append(contentsOf: replacement.utf8)
                i += needle.count
                changed = true
            } else {
                out.append(haystack[i])
                i += 1
            }
        }
        return changed ? String(decoding: out, as: UTF8.self) : String(self)
    }

    /// The first range where `target` occurs, scalar for scalar (nil for an empty target).
    @inlinable public func firstRange(ofText target: String) -> Range<Index>? {
        let needle = Array(target.unicodeScalars)
        guard let head = needle.first else { return nil }
        let scalars = Substring(self).unicodeScalars
        var i = scalars.startIndex
        while i < scalars.endIndex {
            if scalars[i] == head {
                var j = i, k = 0
                while k < needle.count, j < scalars.endIndex, scalars[j] == needle[k] { j = scalars.index(after: j); k += 1 }
                if k == needle.count { return i..<j }
            }
            i = scalars.index(after: i)
        }
        return nil
    }

    /// Cut or padded with spaces on the right to exactly `width` characters (Foundation's
    /// `padding(toLength:withPad:" ",startingAt:0)`, counted in characters).
    @inlinable public func padded(to width: Int) -> String {
        let n = count
        if n == width { return String(self) }
        if n > width { return String(prefix(width)) }
        return String(self) + String(repeating: " ", count: width - n)
    }
}

@usableFromInline func isHorizontalSpace(_ s: Unicode.Scalar) -> Bool {
    s == "\t" || s.properties.generalCategory == .spaceSeparator
}

/// `joined(separator:)` of Strings for the product's modules, chosen over the standard library's
/// (an extension of RandomAccessCollection is more specific than one of BidirectionalCollection):
/// for `[String]` and for slices of one, such as a paragraph's lines. The standard library's is
/// not inlinable: it runs generically, and its first call in a process has the runtime resolve the
/// collection's associated types by name, scanning the static binary's conformance records (0.1 ms
/// at every start). Same result: the elements with the separator between them.
extension RandomAccessCollection where Element == String {
    @inlinable public func joined(separator: String = "") -> String {
        var count = separator.utf8.count * Swift.max(0, self.count - 1)
        for s in self { count += s.utf8.count }
        var out = ""
        out.reserveCapacity(count)
        var first = true
        for s in self {
            if !first { out += separator }
            first = false
            out += s
        }
        return out
    }
}

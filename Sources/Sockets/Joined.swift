/// `[String].joined(separator:)` for the product's modules, chosen over the standard library's
/// (an extension of Array is more specific than one of BidirectionalCollection). The standard
/// library's is not inlinable: it runs generically, and its first call in a process has the
/// runtime resolve Array's associated types by name, scanning the static binary's conformance
/// records (0.1 ms at every start). Same result: the elements with the separator between them.
extension Array where Element == String {
    @inlinable public func joined(separator: String = "") -> String {
        var count = separator.utf8.count * Swift.max(0, self.count - 1)
        for s in self { count += s.utf8.count }
        var out = ""
        out.reserveCapacity(count)
        for (i, s) in enumerated() {
            if i > 0 { out += separator }
            out += s
        }
        return out
    }
}

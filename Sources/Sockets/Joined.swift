/// `joined(separator:)` of Strings for the product's modules, for `[String]` and for slices of one
/// (a paragraph's lines), chosen over the standard library's (an extension of Array is more
/// specific than one of BidirectionalCollection). The standard library's is not inlinable: it runs
/// generically, and its first call in a process has the runtime resolve the collection's associated
/// types by name, scanning the static binary's conformance records (0.1 ms at every start). Same
/// result: the elements with the separator between them.
extension Array where Element == String {
    @inlinable public func joined(separator: String = "") -> String { joinedStrings(self, separator: separator) }
}

extension ArraySlice where Element == String {
    @inlinable public func joined(separator: String = "") -> String { joinedStrings(self, separator: separator) }
}

/// The bytes counted first, then copied once. Only for arrays and their slices: a lazy collection
/// would compute each element twice.
@inlinable func joinedStrings<C: RandomAccessCollection>(_ parts: C, separator: String) -> String where C.Element == String {
    var count = separator.utf8.count * Swift.max(0, parts.count - 1)
    for s in parts { count += s.utf8.count }
    var out = ""
    out.reserveCapacity(count)
    var first = true
    for s in parts {
        if !first { out += separator }
        first = false
        out += s
    }
    return out
}

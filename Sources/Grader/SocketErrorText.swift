import Explain
import Sockets

/// The explanation of a socket error in grading feedback: the same catalog as lessons.
enum SocketErrorText {
    static func explain(_ e: Errno, call: String) -> String {
        guard let entry = ErrnoCatalog.entry(e.name) else { return "\(e.name) (\(e.message)) from \(call)()." }
        let cause = entry.byCall[call] ?? entry.cause
        return "\(e.name) (\(entry.title)): \(entry.meaning) \(cause) In Python: \(entry.python). See \(entry.manPages.joined(separator: ", "))."
    }
}

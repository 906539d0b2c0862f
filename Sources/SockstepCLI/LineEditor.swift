import FoundationEssentials
import Render
import Sockets

/// The shell's line editor, as pure code: key bytes in, the line and the cursor out, and what the
/// terminal should show. `TerminalLineReader` feeds it from a terminal in raw mode; the tests feed
/// it bytes. Used only when stdin and stdout are terminals; a pipe is read a line at a time, as
/// before.
///
/// Keys (the usual readline ones): ← → or Ctrl-B/F move, Home/End or Ctrl-A/E jump, Backspace and
/// Delete erase, Ctrl-K erases to the end, Ctrl-U to the start, Ctrl-W the word before the cursor,
/// ↑ ↓ or Ctrl-P/N walk the history, Ctrl-L clears the screen, Ctrl-C cancels the line, Ctrl-D
/// on an empty line ends the input (elsewhere it deletes), Enter submits.
struct LineEditor {
    enum Event: Equatable {
        /// Enter: the line typed.
        case submit(String)
        /// Ctrl-C: the line is dropped.
        case cancel
        /// Ctrl-D on an empty line: the end of input.
        case endOfInput
        /// Ctrl-L: clear the screen, then redraw.
        case clearScreen
    }

    private(set) var buffer: [Character] = []
    /// Characters before the cursor.
    private(set) var cursor = 0
    private(set) var history: [String]
    /// Where ↑/↓ are in the history; `history.count` is the line being typed.
    private var historyIndex: Int
    /// The line being typed, kept while ↑ shows older ones.
    private var draft: [Character] = []
    /// Bytes of an escape sequence or of a UTF-8 character not complete yet.
    private var pending: [UInt8] = []

    static let historyLimit = 500

    init(history: [String] = []) {
        self.history = Array(history.suffix(LineEditor.historyLimit))
        historyIndex = self.history.count
    }

    var line: String { String(buffer) }

    /// Feeds bytes; returns the events they complete, in order. Keys after an event in the same
    /// bytes (typed ahead, or pasted) go on into the next line.
    mutating func feed(_ bytes: [UInt8]) -> [Event] {
        var events: [Event] = []
        for b in bytes {
            if let e = feed(byte: b) { events.append(e) }
        }
        return events
    }

    private mutating func feed(byte b: UInt8) -> Event? {
        if !pending.isEmpty {
            pending.append(b)
            if pending[0] == 0x1B { return escape() }
            return utf8()
        }
        switch b {
        case 0x1B: pending = [b]; return nil
        case 0x0D, 0x0A: return submit()
        case 0x01: cursor = 0                                    // Ctrl-A
        case 0x02: cursor = max(0, cursor - 1)                   // Ctrl-B
        case 0x03:                                               // Ctrl-C
            reset()
            return .cancel
        case 0x04:                                               // Ctrl-D
            if buffer.isEmpty { return .endOfInput }
            if cursor < buffer.count { buffer.remove(at: cursor) }
        case 0x05: cursor = buffer.count                         // Ctrl-E
        case 0x06: cursor = min(buffer.count, cursor + 1)        // Ctrl-F
        case 0x08, 0x7F:                                         // Ctrl-H, Backspace
            if cursor > 0 {
                buffer.remove(at: cursor - 1)
                cursor -= 1
            }
        case 0x0B: buffer.removeSubrange(cursor...)              // Ctrl-K
        case 0x0C: return .clearScreen                           // Ctrl-L
        case 0x0E: historyMove(+1)                               // Ctrl-N
        case 0x10: historyMove(-1)                               // Ctrl-P
        case 0x15:                                               // Ctrl-U
            buffer.removeSubrange(..<cursor)
            cursor = 0
        case 0x17:                                               // Ctrl-W: the word before the cursor
            var start = cursor
            while start > 0, buffer[start - 1] == " " { start -= 1 }
            while start > 0, buffer[start - 1] != " " { start -= 1 }
            buffer.removeSubrange(start..<cursor)
            cursor = start
        case 0x09: insert(" ")                                   // Tab: a space (steps have no tabs)
        case 0x20..<0x7F: insert(Character(Unicode.Scalar(b)))
        case 0xC0...0xF7: pending = [b]
        default: break                                           // other control keys do nothing
        }
        return nil
    }

    /// A complete escape sequence moves the cursor or walks the history; others are ignored
    /// (never inserted as text: that was the bug, arrows became `[A` in the step).
    private mutating func escape() -> Event? {
        let p = pending
        if p.count == 2 {
            if p[1] == UInt8(ascii: "[") || p[1] == UInt8(ascii: "O") { return nil }
            pending = []   // Alt-<key>: ignored
            return nil
        }
        let last = p[p.count - 1]
        // CSI parameters are digits and ';' ; the final byte is 0x40...0x7E.
        if p[1] == UInt8(ascii: "[") && (0x30...0x3F).contains(last) { return nil }
        pending = []
        let params = String(decoding: p[2..<(p.count - 1)], as: UTF8.self)
        switch (Character(Unicode.Scalar(last)), params) {
        case ("A", _): historyMove(-1)
        case ("B", _): historyMove(+1)
        case ("C", _): cursor = min(buffer.count, cursor + 1)
        case ("D", _): cursor = max(0, cursor - 1)
        case ("H", _), ("~", "1"), ("~", "7"): cursor = 0
        case ("F", _), ("~", "4"), ("~", "8"): cursor = buffer.count
        case ("~", "3"): if cursor < buffer.count { buffer.remove(at: cursor) }
        default: break
        }
        return nil
    }

    private mutating func utf8() -> Event? {
        let lead = pending[0]
        let need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard pending.count >= need else { return nil }
        let s = String(decoding: pending, as: UTF8.self)
        pending = []
        for c in s { insert(c) }
        return nil
    }

    private mutating func insert(_ c: Character) {
        buffer.insert(c, at: cursor)
        cursor += 1
    }

    private mutating func historyMove(_ delta: Int) {
        let target = historyIndex + delta
        guard target >= 0, target <= history.count, target != historyIndex else { return }
        if historyIndex == history.count { draft = buffer }
        historyIndex = target
        buffer = target == history.count ? draft : Array(history[target])
        cursor = buffer.count
    }

    private mutating func submit() -> Event {
        let text = line
        if !text.allSatisfy({ $0 == " " }), history.last != text {
            history.append(text)
            if history.count > LineEditor.historyLimit { history.removeFirst() }
        }
        reset()
        return .submit(text)
    }

    private mutating func reset() {
        buffer = []
        cursor = 0
        draft = []
        historyIndex = history.count
    }

    /// What to write to redraw the line after `prompt` on a terminal `width` columns wide: back to
    /// the start of the row, the prompt, the visible part of the line, erase the rest, and the
    /// cursor back to its place. A line longer than the row scrolls sideways around the cursor.
    func redraw(prompt: String, width: Int) -> String {
        let promptWidth = Columns.width(of: prompt)
        let room = max(10, width - promptWidth - 1)
        var start = 0
        if buffer.count > room { start = max(0, min(cursor - room / 2, buffer.count - room)) }
        let end = min(buffer.count, start + room)
        let shown = String(buffer[start..<end])
        var out = "\r" + prompt + shown + "\u{1B}[K"
        let back = end - cursor
        if back > 0 { out += "\u{1B}[\(back)D" }
        return out
    }
}

/// Reads lines from a terminal through `LineEditor`: raw mode from the first line to the end of the
/// session (so keys typed while a step runs are kept, and Ctrl-C is always the editor's), output
/// processing left on; the history in memory and, for the shell, in
/// `$XDG_STATE_HOME/sockstep/shell_history` (the last 500 lines).
final class TerminalLineReader {
    var editor: LineEditor
    let historyFile: String?
    /// Bytes typed after a finished line (typed ahead, or pasted): the start of the next one.
    private var leftover: [UInt8] = []
    /// What Ctrl-C answers: nil drops the line and asks again (the shell, with a note the first
    /// time); a string is returned as if typed (learn: "q", so Ctrl-C leaves as a learner expects).
    var cancelAs: String?
    /// The note after the first Ctrl-C of the shell.
    var cancelNote = "(the line is dropped; Ctrl-D or :quit leaves)"
    private var cancelled = false

    /// Nil unless stdin and stdout are both terminals that understand escape sequences.
    init?(io: IO, historyFile: String?) {
        guard io.stdinIsTerminal, io.stdoutIsTerminal, io.environment["TERM"] != "dumb" else { return nil }
        self.historyFile = historyFile
        var lines: [String] = []
        if let historyFile, let data = FileManager.default.contents(atPath: historyFile) {
            lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        editor = LineEditor(history: lines)
    }

    private func write(_ s: String) { Terminal.writeAll(1, Array(s.utf8)) }

    /// One line, without its newline; nil at the end of input (Ctrl-D on an empty line).
    private var saved: Terminal.Saved?
    private var rawFailed = false

    /// Gives the terminal its settings back (also when the reader goes away).
    func finish() {
        if let saved { Terminal.restore(saved) }
        saved = nil
    }

    deinit { finish() }

    func readLine(prompt: String, width: () -> Int) -> String? {
        if saved == nil && !rawFailed {
            saved = Terminal.enterRawMode(0)
            rawFailed = saved == nil
        }
        guard saved != nil else {
            write(prompt)
            return Swift.readLine(strippingNewline: true)
        }
        write(prompt)
        while true {
            if leftover.isEmpty {
                guard let bytes = Terminal.readBytes(0) else {
                    write("\r\n")
                    return nil
                }
                leftover = bytes
            }
            while !leftover.isEmpty {
                let b = leftover.removeFirst()
                guard let event = editor.feed([b]).first else {
                    write(editor.redraw(prompt: prompt, width: width()))
                    continue
                }
                switch event {
                case .submit(let line):
                    write("\r\n")
                    saveHistory()
                    return line
                case .cancel:
                    if let cancelAs {
                        write("^C\r\n")
                        return cancelAs
                    }
                    write("^C" + (cancelled ? "" : "  " + cancelNote) + "\r\n" + prompt)
                    cancelled = true
                case .endOfInput:
                    write("\r\n")
                    return nil
                case .clearScreen:
                    write("\u{1B}[H\u{1B}[2J" + editor.redraw(prompt: prompt, width: width()))
                }
            }
        }
    }

    private func saveHistory() {
        guard let historyFile else { return }
        let dir = String(historyFile[..<(historyFile.lastIndex(of: "/") ?? historyFile.endIndex)])
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let text = editor.history.joined(separator: "\n") + "\n"
        _ = FileManager.default.createFile(atPath: historyFile, contents: Data(text.utf8))
    }
}

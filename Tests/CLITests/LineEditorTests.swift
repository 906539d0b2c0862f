import Foundation
@testable import SockstepCLI
import Testing

/// The shell's line editor as pure code: key bytes in, the line and the cursor out.
@Suite("line editor")
struct LineEditorTests {
    static let left: [UInt8] = [0x1B, 0x5B, 0x44], right: [UInt8] = [0x1B, 0x5B, 0x43]
    static let up: [UInt8] = [0x1B, 0x5B, 0x41], down: [UInt8] = [0x1B, 0x5B, 0x42]
    static let home: [UInt8] = Array("\u{1B}[H".utf8), end: [UInt8] = Array("\u{1B}[F".utf8)
    static let delete: [UInt8] = Array("\u{1B}[3~".utf8), backspace: [UInt8] = [0x7F]
    static func ctrl(_ c: Character) -> [UInt8] { [c.asciiValue! & 0x1F] }
    static func text(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Feeds the keys, returns (line, cursor, events).
    static func type(_ keys: [[UInt8]], history: [String] = []) -> (String, Int, [LineEditor.Event]) {
        var e = LineEditor(history: history)
        var events: [LineEditor.Event] = []
        for k in keys { events += e.feed(k) }
        return (e.line, e.cursor, events)
    }

    @Test("keys edit the line", arguments: [
        ([text("abc")], "abc", 3),
        ([text("abc"), left, left, text("X")], "aXbc", 2),
        ([text("abc"), left, left, right, text("X")], "abXc", 3),
        ([text("abc"), home, text("X")], "Xabc", 1),
        ([text("abc"), ctrl("a"), text("X"), ctrl("e"), text("Y")], "XabcY", 5),
        ([text("abc"), home, end, text("Y")], "abcY", 4),
        ([text("abc"), backspace], "ab", 2),
        ([text("abc"), left, backspace], "ac", 1),
        ([text("abc"), home, delete], "bc", 0),
        ([text("abc"), home, ctrl("d")], "bc", 0),
        ([text("hello world"), left, left, left, left, left, ctrl("k")], "hello ", 6),
        ([text("hello world"), left, left, left, left, left, ctrl("u")], "world", 0),
        ([text("s.recv(10) more words"), ctrl("w")], "s.recv(10) more ", 16),
        ([text("a b  "), ctrl("w")], "a ", 2),
        ([text("ab"), left, left, left, backspace], "ab", 0),          // nothing left of the start
        ([text("ab"), right, right], "ab", 2),                       // nor right of the end
        ([text("é"), text("ü")], "éü", 2),                            // UTF-8, one character each
        ([[0xC3], [0xA9]], "é", 1),                                  // split across reads
        ([text("a"), Array("\u{1B}[1;5C".utf8), text("b")], "ab", 2), // Ctrl-→: ignored, never text
        ([text("a"), Array("\u{1B}OH".utf8), text("b")], "ba", 1),    // Home as some terminals send it
    ] as [([[UInt8]], String, Int)])
    func edits(_ keys: [[UInt8]], _ line: String, _ cursor: Int) {
        let (l, c, events) = Self.type(keys)
        #expect(l == line)
        #expect(c == cursor)
        #expect(events.isEmpty)
    }

    @Test("arrow keys never become step text (the bug: ↑ typed `[A`)")
    func arrowsAreNoText() {
        let (l, _, events) = Self.type([Self.up, Self.down, Self.left, Self.right, Self.text("x"), Self.ctrl("l"), [0x0D]])
        #expect(l == "")
        #expect(events == [.clearScreen, .submit("x")])
    }

    @Test("Enter submits, Ctrl-C cancels, Ctrl-D ends only an empty line, Ctrl-L clears")
    func events() {
        #expect(Self.type([Self.text("abc\r")]).2 == [.submit("abc")])
        #expect(Self.type([Self.text("abc\n")]).2 == [.submit("abc")])
        let cancelled = Self.type([Self.text("abc"), Self.ctrl("c")])
        #expect(cancelled.0 == "" && cancelled.2 == [.cancel])
        #expect(Self.type([Self.ctrl("d")]).2 == [.endOfInput])
        #expect(Self.type([Self.text("a"), Self.ctrl("d")]).2 == [])
        let cleared = Self.type([Self.text("abc"), Self.ctrl("l")])
        #expect(cleared.0 == "abc" && cleared.2 == [.clearScreen])
        // Typed ahead in one read: two lines.
        #expect(Self.type([Self.text("a\rb\r")]).2 == [.submit("a"), .submit("b")])
    }

    @Test("↑ and ↓ walk the history and come back to the line being typed")
    func history() {
        var e = LineEditor(history: ["one", "two"])
        _ = e.feed(Self.text("draft"))
        _ = e.feed(Self.up)
        #expect(e.line == "two")
        #expect(e.cursor == 3)
        _ = e.feed(Self.up)
        #expect(e.line == "one")
        _ = e.feed(Self.up)                     // no older line: stays
        #expect(e.line == "one")
        _ = e.feed(Self.down)
        _ = e.feed(Self.down)
        #expect(e.line == "draft")
        _ = e.feed(Self.ctrl("p"))              // Ctrl-P is ↑
        #expect(e.line == "two")
        #expect(e.feed(Self.text("!\r")) == [.submit("two!")])
        #expect(e.history == ["one", "two", "two!"])
        _ = e.feed(Self.text("two!\r"))         // the same line again is kept once
        _ = e.feed(Self.text("   \r"))          // and a blank one never
        #expect(e.history == ["one", "two", "two!"])
        _ = e.feed(Self.up)
        #expect(e.line == "two!")
    }

    @Test("the history keeps the last 500 lines")
    func historyLimit() {
        var e = LineEditor(history: (1...600).map { "line \($0)" })
        #expect(e.history.count == 500)
        _ = e.feed(Self.text("new\r"))
        #expect(e.history.count == 500)
        #expect(e.history.last == "new")
        #expect(e.history.first == "line 102")
    }

    @Test("redraw: the prompt, the line, erase the rest, the cursor back in place; long lines scroll")
    func redraw() {
        var e = LineEditor()
        _ = e.feed(Self.text("abcdef"))
        _ = e.feed(Self.left + Self.left)
        #expect(e.redraw(prompt: "> ", width: 80) == "\r> abcdef\u{1B}[K\u{1B}[2D")
        var long = LineEditor()
        _ = long.feed(Self.text(String(repeating: "x", count: 100) + "END"))
        let shown = long.redraw(prompt: "> ", width: 40)
        #expect(shown.contains("END"))
        #expect(shown.count < 50)
    }
}

/// The shell and learn through a real pseudo-terminal (python3's pty module): the editor is on,
/// arrows edit, ↑ recalls, Ctrl-C drops a line, Ctrl-D leaves; the history is saved.
@Suite("line editor through a terminal")
struct LineEditorTerminalTests {
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `args` in a pty 80 columns wide, writing each chunk of keys after the previous output settles.
    static func run(_ args: [String], keys: [String], env: [String: String], cwd: String = FileManager.default.currentDirectoryPath) throws -> String? {
        guard let python else { return nil }
        let script = #"""
        import os, pty, sys, select, json, time
        args, keys, env, cwd = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
        pid, fd = pty.fork()
        if pid == 0:
            import fcntl, termios, struct
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 80, 0, 0))
            os.environ.update(env)
            os.environ.pop("COLUMNS", None)
            os.chdir(cwd)
            os.execv(args[0], args)
        out = b""
        def drain(seconds):
            # Until the output has been quiet for a moment (the program waits for keys), at most `seconds`.
            global out
            deadline = time.time() + seconds
            quiet_since = None
            while time.time() < deadline:
                r, _, _ = select.select([fd], [], [], 0.05)
                if r:
                    try:
                        data = os.read(fd, 65536)
                    except OSError:
                        return False
                    if not data:
                        return False
                    out += data
                    quiet_since = time.time()
                elif quiet_since is not None and time.time() - quiet_since > 0.3:
                    return True
            return True
        drain(10)
        for k in keys:
            os.write(fd, k.encode())
            if not drain(10):
                break
        drain(5)
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        sys.stdout.write(out.decode("utf-8", "replace"))
        """#
        func json(_ v: Any) throws -> String { String(decoding: try JSONSerialization.data(withJSONObject: v), as: UTF8.self) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, try json(args), try json(keys), try json(env), cwd]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("shell: ← edits, ↑ recalls, Ctrl-C drops the line, Ctrl-D leaves, the history is saved", .timeLimit(.minutes(1)))
    func shell() throws {
        let state = TestScratch.root.appendingPathComponent("sockstep-pty-\(UUID().uuidString)").path
        let env = ["XDG_STATE_HOME": state, "TERM": "xterm", "NO_COLOR": "1"]
        let keys = ["s = socket(AF_INET, SOCK_DGRAM)" + String(repeating: "\u{1B}[D", count: 6) + String(repeating: "\u{1B}[3~", count: 5) + "STREAM\r",
                    "\u{1B}[A\u{15}s.bind((\"127.0.0.1\", 0))\r",
                    "never = socket()\u{03}",
                    "\u{04}"]
        guard let out = try Self.run([Binary.path, "shell"], keys: keys, env: env) else {
            print("skipped: python3 (for its pty module) is not installed")
            return
        }
        #expect(out.contains("Created `s`, a TCP socket"), "\(out)")
        #expect(out.contains("Bound `s` to 127.0.0.1:"))
        #expect(!out.contains("[D"))
        #expect(out.contains("^C  (the line is dropped; Ctrl-D or :quit leaves)"))
        #expect(!out.contains("Created `never`"))
        #expect(out.contains("Bye: every socket of the session is closed."))
        let history = try String(contentsOfFile: state + "/sockstep/shell_history", encoding: .utf8)
        #expect(history == "s = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", 0))\n")
        // The next session starts with that history: ↑ brings back the bind.
        let again = try #require(try Self.run([Binary.path, "shell"], keys: ["\u{1B}[A", "\u{04}\u{15}\u{04}"], env: env))
        #expect(again.contains("s.bind((\"127.0.0.1\", 0))"))
    }

    @Test("learn on a terminal: an arrow key is no unknown key; Ctrl-C leaves with the place saved", .timeLimit(.minutes(1)))
    func learn() throws {
        let c = try Course()
        var env = c.environment
        env["TERM"] = "xterm"
        guard let out = try Self.run([Binary.path, "learn", "1"], keys: ["\u{1B}[A\u{1B}[D\r", "\u{03}"], env: env, cwd: c.root + "/work") else {
            print("skipped: python3 (for its pty module) is not installed")
            return
        }
        #expect(out.contains("Created `server`"), "\(out)")
        #expect(!out.contains("unknown key"))
        #expect(out.contains("Bye. Your place is saved"))
    }
}

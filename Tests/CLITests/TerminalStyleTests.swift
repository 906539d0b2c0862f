@testable import SockstepCLI
import Testing

/// Which characters and colours output uses, from the environment a command starts in.
@Suite("terminal style from the environment")
struct TerminalStyleTests {
    static func io(_ env: [String: String], tty: Bool = true) -> IO {
        IO(out: { _ in }, err: { _ in }, environment: env, stdoutIsTerminal: tty, stderrIsTerminal: false)
    }

    @Test("box-drawing characters only with a UTF-8 locale (or none); LC_ALL wins over LANG", arguments: [
        ([:], true),
        (["LANG": "en_US.UTF-8"], true),
        (["LANG": "C.utf8"], true),
        (["LC_CTYPE": "fr_FR.Utf-8"], true),
        (["LANG": "C"], false),
        (["LANG": "POSIX"], false),
        (["LANG": "de_DE.ISO-8859-1"], false),
        (["LANG": "UTF"], false),
        (["LC_ALL": "C", "LANG": "en_US.UTF-8"], false),
        (["LC_ALL": "en_US.UTF-8", "LANG": "C"], true),
    ])
    func unicode(env: [String: String], unicode: Bool) {
        #expect(Self.io(env).style().unicode == unicode)
        #expect(Self.io(env).style(ascii: true).unicode == false)
    }

    @Test("colour on a terminal, unless NO_COLOR is set or TERM is dumb")
    func colour() {
        #expect(Self.io([:]).style().color)
        #expect(!Self.io([:], tty: false).style().color)
        #expect(!Self.io(["NO_COLOR": "1"]).style().color)
        #expect(Self.io(["NO_COLOR": ""]).style().color)
        #expect(!Self.io(["TERM": "dumb"]).style().color)
        #expect(!Self.io([:]).style(forStdout: false).color)
    }
}

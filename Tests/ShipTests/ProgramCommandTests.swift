import Foundation
import Testing
@testable import Ship

@Suite struct ProgramCommandTests {
    @Test(arguments: [
        ("python3 server.py", ["python3", "server.py"], ["server.py"]),
        ("  python3   -u  server.py  ", ["python3", "-u", "server.py"], ["server.py"]),
        ("./server --port {port}", ["./server", "--port", "{port}"], ["server"]),
        ("java -cp . Server", ["java", "-cp", ".", "Server"], []),
        ("node dist/server.js", ["node", "dist/server.js"], ["dist/server.js"]),
        ("python3 'my server.py'", ["python3", "my server.py"], ["my server.py"]),
        ("python3 \"it's.py\"", ["python3", "it's.py"], ["it's.py"]),
        ("python3 a\\ b.py", ["python3", "a b.py"], ["a b.py"]),
        ("python3 /opt/x.py ../y.py", ["python3", "/opt/x.py", "../y.py"], []),
    ])
    func words(line: String, words: [String], files: [String]) throws {
        let c = try ProgramCommand.parse(line)
        #expect(!c.usesShell)
        #expect(c.words == words)
        #expect(c.namedFiles == files)
    }

    @Test(arguments: ["make run && ./server", "python3 server.py > log.txt", "PORT=$PORT python3 s.py", "python3 *.py", "cd src; python3 server.py", "python3 \"$HOME/s.py\""])
    func shellLinesRunThroughSh(line: String) throws {
        let c = try ProgramCommand.parse(line)
        #expect(c.usesShell)
        #expect(c.words == ["sh", "-c", line])
        #expect(c.namedFiles.isEmpty)
    }

    @Test(arguments: [("", ProgramCommand.Problem.empty), ("   ", .empty), ("python3 'server.py", .unterminatedQuote("'")), ("echo \"hi", .unterminatedQuote("\""))])
    func badLines(line: String, problem: ProgramCommand.Problem) {
        #expect(throws: problem) { try ProgramCommand.parse(line) }
    }

    /// What the generated scripts write is read back by a real shell as the same words.
    @Test func quotedWordsSurviveAShell() throws {
        guard let bash = Fixtures.tool("bash") else {
            print("skipped: bash is not installed")
            return
        }
        let words = ["python3", "it's mine.py", "{port}", "a\"b", "$HOME", "`x`", "tab\there", "ü", "-c", "", "a,b", "{a,b}"]
        let line = "COMMAND=(" + words.map(ProgramCommand.shellQuoted).joined(separator: " ") + "); printf '%s\\n' \"${COMMAND[@]}\""
        let r = try Fixtures.run(bash, ["-c", line])
        #expect(r.stdout == words.map { $0 + "\n" }.joined())
    }
}

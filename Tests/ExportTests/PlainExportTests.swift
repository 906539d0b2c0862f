import Export
import Foundation
import ScenarioFormat
import Testing

/// `sockstep export --lang python --plain`: the lesson as the program a beginner would write.
@Suite("plain Python exports")
struct PlainExportTests {
    func plain(_ rel: String) throws -> String {
        switch Exporter.export(try document(rel), language: .python, plain: true) {
        case .success(let p): return p
        case .failure(let e): Issue.record("\(rel):\(e.location.line): \(e.message)"); return ""
        }
    }

    @Test("every lesson and scenario, exported plain, runs under python3 and exits 0",
          arguments: exportableFiles() + exportableFiles(in: "scenarios"))
    func runs(_ rel: String) throws {
        guard let python = which("python3") else {
            print("skipped: python3 is not installed, so the plain exports of \(rel) cannot be run")
            return
        }
        let program = try plain(rel)
        let dir = TestScratch.rootPath + "plain-" + rel.replacingOccurrences(of: "/", with: "-")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/lesson.py"
        try program.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runProgram(python, [file], cwd: dir, seconds: 60)
        #expect(result.status == 0, "\(rel): exit \(result.status)\n\(result.err)")
        // Nothing of the harness: the beginner's program is plain socket code.
        #expect(program.contains("import socket\n"))
        #expect(!program.contains("def step(") && !program.contains("RUN_DIR") && !program.contains("signal"))
        // Unix-domain socket files are made in a temporary folder, not next to the program.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "lesson.py" }
        #expect(left.isEmpty, "\(rel) left \(left) behind")
    }

    @Test("lesson 2 is short and reads like the lesson: prints with the expected value as a comment")
    func lessonTwo() throws {
        let program = try plain("lessons/02-first-tcp-conversation.md")
        let lines = program.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count < 80, "\(lines.count) lines")
        #expect(program.contains("server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"))
        #expect(program.contains("client.connect(server.getsockname())"))
        #expect(program.contains("print(conn.recv(1024))  # b'Hello, server!'\n"))
        // `-> blocks`: tried once without waiting, then blocking again, so the program never hangs.
        #expect(program.contains("conn.setblocking(False)"))
        #expect(program.contains("except BlockingIOError:\n    print('conn.recv(1024) would block')\nconn.setblocking(True)\n"))
        // What only the kernel knows stays a comment.
        #expect(program.contains("# conn.state -> CLOSE_WAIT"))
        #expect(!program.contains("try:\n    conn.recv(1024)\nexcept OSError"))
    }

    @Test("an expected error is caught where it happens, with Python's exception")
    func expectedErrors() throws {
        let program = try plain("lessons/03-when-things-go-wrong.md")
        #expect(program.contains("try:\n    caller.connect(not_a_server.getsockname())\nexcept ConnectionRefusedError as err:\n"))
        #expect(program.contains("except BrokenPipeError as err:"))
        #expect(program.contains("except socket.timeout:"))
        // Only steps that expect an error are wrapped.
        #expect(program.components(separatedBy: "try:").count - 1 == program.components(separatedBy: "except ").count - 1)
    }

    @Test("a lesson name is never clobbered by the except clause's name")
    func errorNameAvoidsLessonNames() throws {
        let program = try plain("scenarios/udp.md")
        #expect(!program.contains(" as e:"))
    }
}

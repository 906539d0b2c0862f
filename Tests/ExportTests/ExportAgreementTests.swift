import Export
import Foundation
import Runner
import ScenarioFormat
import Testing

/// The repository's root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Every lesson (and the authors' reference, itself a runnable lesson) that checks cleanly.
func exportableFiles(in folder: String = "lessons") -> [String] {
    let dir = repositoryRoot + "/" + folder
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
    return names.map { folder + "/" + $0 }.filter { rel in
        guard let data = FileManager.default.contents(atPath: repositoryRoot + "/" + rel) else { return false }
        let parsed = DocumentParser.parse(data: data, path: rel)
        guard let doc = parsed.document, !parsed.hasErrors, !doc.steps.isEmpty else { return false }
        return !Checker.check(doc).contains { $0.severity == .error }
    }
}

func document(_ rel: String) throws -> Document {
    let data = try #require(FileManager.default.contents(atPath: repositoryRoot + "/" + rel))
    return try #require(DocumentParser.parse(data: data, path: rel).document)
}

/// What sockstep's runner saw, in the words exported programs print.
func outcomeWord(_ o: Outcome) -> String {
    switch o {
    case .value: return "ok"
    case .error(let e): return e.name
    case .blocked: return "blocks"
    case .timedOut: return "timeout"
    case .pythonError(let name, _): return name
    case .refused: return "refused"
    case .notRun: return "not run"
    }
}

/// Runs a program with a deadline (killing it after), returning status and output.
func runProgram(_ exe: String, _ args: [String], cwd: String? = nil, seconds: Double = 120) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    final class Box: @unchecked Sendable { var data = Data() }
    let e = Box(), o = Box()
    let group = DispatchGroup()
    group.enter(); group.enter()
    let eh = err.fileHandleForReading, oh = out.fileHandleForReading
    DispatchQueue.global().async { e.data = eh.readDataToEndOfFile(); group.leave() }
    DispatchQueue.global().async { o.data = oh.readDataToEndOfFile(); group.leave() }
    if group.wait(timeout: .now() + seconds) == .timedOut {
        kill(p.processIdentifier, SIGKILL)
        group.wait()
    }
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o.data, as: UTF8.self), String(decoding: e.data, as: UTF8.self))
}

func which(_ tool: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let p = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

/// `step N: WORD ...` lines → [WORD] in step order.
func outcomes(_ output: String) -> [String] {
    output.split(separator: "\n").compactMap { line -> String? in
        guard line.hasPrefix("step "), let colon = line.firstIndex(of: ":") else { return nil }
        let rest = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        if rest.hasPrefix("not run") { return "not run" }
        return rest.split(separator: " ").first.map(String.init)
    }
}

func tempFile(_ name: String, _ text: String) throws -> String {
    let dir = TestScratch.root.appendingPathComponent("sockstep-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Exports, runs with the language's tool, and compares each step's outcome with the runner's.
func agree(_ doc: Document, _ lang: ExportLanguage, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let program: String
    switch Exporter.export(doc, language: lang) {
    case .success(let p): program = p
    case .failure(let e):
        Issue.record("\(doc.path):\(e.location.line): \(e.message)", sourceLocation: sourceLocation)
        return
    }
    let file = try tempFile("lesson.\(lang.fileExtension)", program)
    let result: (status: Int32, out: String, err: String)
    switch lang {
    case .python:
        result = try runProgram(try #require(which("python3")), [file])
    case .c:
        let exe = file + ".bin"
        let cc = try runProgram(try #require(which("cc")), ["-std=c11", "-Wall", "-Wextra", "-Werror", "-o", exe, file])
        try #require(cc.status == 0, "cc failed:\n\(cc.err)", sourceLocation: sourceLocation)
        result = try runProgram(exe, [])
    case .swift:
        let exe = file + ".bin"
        let swiftc = try runProgram(try #require(which("swiftc")), ["-o", exe, file], seconds: 300)
        try #require(swiftc.status == 0, "swiftc failed:\n\(swiftc.err)", sourceLocation: sourceLocation)
        result = try runProgram(exe, [])
    }
    // One run of the runner for both the outcomes and the verdict, so a loaded machine cannot make them disagree.
    let run = Runner.run(doc)
    let runner = run.events.map { outcomeWord($0.outcome) }
    let exported = outcomes(result.out)
    let differences = zip(exported, runner).enumerated().filter { $0.element.0 != $0.element.1 }.map { "step \($0.offset + 1): exported \($0.element.0), runner \($0.element.1)" }
    #expect(exported.count == runner.count && differences.isEmpty, "\(doc.path) in \(lang): the exported program and sockstep disagree: \(differences)\n\(result.err)", sourceLocation: sourceLocation)
    let failures = run.failures.map { "step \($0.index) `\($0.step.source)`: \($0.outcome)" }
    #expect((result.status == 0) == run.passed, "\(doc.path) in \(lang): exit status \(result.status); the runner's failures: \(failures)\n\(result.out)\n\(result.err)", sourceLocation: sourceLocation)
}

/// Steps that exercise every kind of outcome and the kernel's view: values, errnos, blocks, timeouts,
/// Python exceptions, TCP states, UDP, Unix-domain paths, socket options.
let coverage = """
---
title: Every kind of step
---
# Every kind of step

```steps
server = socket(AF_INET, SOCK_STREAM)
server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(5)
server.state -> LISTEN
client = socket(AF_INET, SOCK_STREAM)
client.connect(server.address)
conn, addr = server.accept()
server.accept() -> blocks
client.sendall(b"Hello\\x00\\xffworld\\n")
conn.recv(5) -> b"Hello"
conn.readable -> 8
conn.recv(100) -> b"\\x00\\xffworld\\n"
conn.recv(100) -> blocks
conn.settimeout(0.01)
conn.recv(100) -> timeout
conn.setblocking(False)
conn.recv(100) -> BlockingIOError
client.getpeername() -> _
client.state -> "ESTABLISHED"
client.close()
conn.recv(100) -> eof
conn.state -> CLOSE_WAIT
conn.close()
client.send(b"x") -> EBADF
other = socket(AF_INET, SOCK_STREAM)
other.connect(("127.0.0.1", 1)) -> ConnectionRefusedError
fresh = socket(AF_INET, SOCK_STREAM)
fresh.connect_ex(("127.0.0.1", 1)) -> 111
bad = socket(AF_INET, SOCK_STREAM)
bad.bind(("127.0.0.1", 123456789)) -> OverflowError
u = socket(AF_INET, SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
v = socket(AF_INET, SOCK_DGRAM)
v.sendto(b"ping", u.address) -> 4
data, sender = u.recvfrom(1024)
data -> b"ping"
u.recvfrom(1024) -> blocks
x = socket(AF_UNIX, SOCK_STREAM)
x.bind("lesson.sock")
x.listen(1)
y = socket(AF_UNIX, SOCK_STREAM)
y.connect("lesson.sock")
y.connect("lesson.sock") -> EISCONN
a, b = socketpair()
a.sendall(b"pair")
b.recv(10) -> b"pair"
b.getsockopt(SOL_SOCKET, SO_TYPE) -> 1
server.close()
```
"""

@Suite("exported programs agree with sockstep's runner")
struct ExportAgreementTests {
    @Test("every lesson, exported to Python and run with python3, has the runner's outcome at every step",
          .enabled(if: which("python3") != nil, "python3 is not installed: the Python export cannot be run here"),
          arguments: exportableFiles())
    func lessonInPython(_ rel: String) throws {
        try agree(try document(rel), .python)
    }

    @Test("every lesson, exported to C, compiled without a warning and run, has the runner's outcome at every step",
          .enabled(if: which("cc") != nil, "cc is not installed: the C export cannot be compiled here"),
          arguments: exportableFiles())
    func lessonInC(_ rel: String) throws {
        try agree(try document(rel), .c)
    }

    @Test("every lesson, exported to Swift, compiled with swiftc and run, has the runner's outcome at every step",
          .enabled(if: which("swiftc") != nil, "swiftc is not on PATH: the Swift export cannot be compiled here"),
          arguments: exportableFiles())
    func lessonInSwift(_ rel: String) throws {
        try agree(try document(rel), .swift)
    }

    @Test("every scenario of the socket API, exported to Python, agrees with the runner",
          .enabled(if: which("python3") != nil, "python3 is not installed: the Python export cannot be run here"),
          arguments: exportableFiles(in: "scenarios"))
    func scenarioInPython(_ rel: String) throws {
        try agree(try document(rel), .python)
    }

    @Test("every scenario of the socket API, exported to C, agrees with the runner",
          .enabled(if: which("cc") != nil, "cc is not installed: the C export cannot be compiled here"),
          arguments: exportableFiles(in: "scenarios"))
    func scenarioInC(_ rel: String) throws {
        try agree(try document(rel), .c)
    }

    @Test("a scenario of every kind of step agrees in every language", arguments: ExportLanguage.allCases)
    func coverageScenario(_ lang: ExportLanguage) throws {
        let tool = lang == .python ? "python3" : lang == .c ? "cc" : "swiftc"
        guard which(tool) != nil else { return }
        let parsed = DocumentParser.parse(text: coverage, path: "coverage.md")
        let doc = try #require(parsed.document)
        #expect(!parsed.hasErrors && Checker.check(doc).filter { $0.severity == .error }.isEmpty, "\(parsed.diagnostics) \(Checker.check(doc))")
        let result = Runner.run(doc)
        let failures = result.failures.map { "step \($0.index): \($0.step.source): \($0.outcome)" }
        #expect(failures.isEmpty, "\(failures)")
        try agree(doc, lang)
    }

    @Test("a failing expectation fails the exported program too, and stops where the runner stops",
          arguments: ExportLanguage.allCases)
    func failing(_ lang: ExportLanguage) throws {
        guard which(lang == .python ? "python3" : lang == .c ? "cc" : "swiftc") != nil else { return }
        let doc = try #require(DocumentParser.parse(text: """
        ```steps
        s = socket(AF_INET, SOCK_STREAM)
        s.connect(("127.0.0.1", 1))
        s.close()
        ```
        """, path: "failing.md").document)
        try agree(doc, lang)
    }
}

/// Tutorial habits (import socket, socket.socket, HOST/PORT names, encode/decode, with blocks, bare
/// names): the exporters write what the parser made of them, and every language agrees.
let tutorialHabits = """
# A tutorial's echo, as a learner copies it

```steps
import socket
HOST, PORT = "127.0.0.1", 0
MESSAGE = "Hello, wörld"
HOST
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, PORT))
    s.listen()
    c = socket.create_connection(s.getsockname())
    conn, addr = s.accept()
    with conn:
        conn
        c.sendall(MESSAGE.encode())
        select.select([conn], [], [], 0) -> ([conn], [], [])
        data = conn.recv(1024)
        data -> "Hello, wörld".encode()
        conn.sendall(data)
    c.recv(1024) -> MESSAGE.encode("utf-8")
    c.recv(1024) -> b""
b"done".decode() -> "done"
c.close()
```
"""

@Suite("tutorial habits in every exported language")
struct TutorialHabitsExportTests {
    @Test("a tutorial-style lesson agrees in every language", arguments: ExportLanguage.allCases)
    func tutorial(_ lang: ExportLanguage) throws {
        let tool = lang == .python ? "python3" : lang == .c ? "cc" : "swiftc"
        guard which(tool) != nil else { return }
        let parsed = DocumentParser.parse(text: tutorialHabits, path: "tutorial.md")
        let doc = try #require(parsed.document)
        #expect(!parsed.hasErrors && Checker.check(doc).isEmpty, "\(parsed.diagnostics.map(\.message)) \(Checker.check(doc).map(\.message))")
        let result = Runner.run(doc)
        #expect(result.passed, "\(result.failures.map { "step \($0.index): \($0.step.source): \($0.outcome)" })")
        try agree(doc, lang)
    }
}

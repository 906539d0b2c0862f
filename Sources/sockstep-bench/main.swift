// sockstep-bench: how fast sockstep is, next to a baseline that makes the same calls without it.
//
//   swift run -c release sockstep-bench [--quick] [--runs N] [FILE|DIR ...]
//
// Every figure is the median of N runs (default 9; --quick: 3). In-process figures use the library
// directly (parse, check, run, explain and render every step, as `sockstep run` does); whole-command
// figures spawn the `sockstep` binary built next to this one. The baseline is the same lesson as a
// plain Python program (see PythonBaseline.swift), run with python3.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Explain
import Render
import Runner
import ScenarioFormat
import Sockets

struct Settings {
    var runs = 9
    var quick = false
    var python = "python3"
    var paths: [String] = []
    var sockstep: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("sockstep").path
    }()
}

var settings = Settings()
var argv = Array(CommandLine.arguments.dropFirst())
while !argv.isEmpty {
    let a = argv.removeFirst()
    switch a {
    case "--quick": settings.quick = true; settings.runs = 3
    case "--runs": settings.runs = max(1, Int(argv.isEmpty ? "" : argv.removeFirst()) ?? 9)
    case "--sockstep": settings.sockstep = argv.isEmpty ? settings.sockstep : argv.removeFirst()
    case "--python": settings.python = argv.isEmpty ? settings.python : argv.removeFirst()
    case "--emit-python":
        // Prints the Python baseline of one lesson, to read or run by hand.
        let path = argv.isEmpty ? "" : argv.removeFirst()
        guard let data = FileManager.default.contents(atPath: path), let doc = DocumentParser.parse(data: data, path: path).document else {
            FileHandle.standardError.write(Data("sockstep-bench: cannot read \(path)\n".utf8))
            exit(2)
        }
        print(PythonBaseline.program(for: doc), terminator: "")
        exit(0)
    case "-h", "--help":
        print("""
        USAGE: sockstep-bench [--quick] [--runs N] [--sockstep PATH] [--python PATH] [FILE|DIR ...]
               sockstep-bench --emit-python FILE

        Times parse and check, the run of every lesson (in the process and as a whole command),
        the whole course, start-up to the first step, and peak memory; next to a Python baseline
        that makes the same calls. Default: every .md file in lessons/. Medians of N runs (9; --quick 3).
        """)
        exit(0)
    default: settings.paths.append(a)
    }
}
if settings.paths.isEmpty { settings.paths = ["lessons"] }

// MARK: helpers

func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func ms(_ seconds: Double) -> String { seconds.isNaN ? "-" : String(format: seconds < 0.01 ? "%.2f" : "%.1f", seconds * 1000) }
func us(_ seconds: Double) -> String { seconds.isNaN ? "-" : String(format: "%.0f", seconds * 1e6) }
func ratio(_ a: Double, _ b: Double) -> String { a.isNaN || b.isNaN || b == 0 ? "-" : String(format: "%.2f", a / b) }
func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
    s.count >= n ? s : right ? s + String(repeating: " ", count: n - s.count) : String(repeating: " ", count: n - s.count) + s
}

func expand(_ paths: [String]) -> [String] {
    var out: [String] = []
    for p in paths {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
            let items = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
            out += items.filter { $0.hasSuffix(".md") }.sorted().map { (p as NSString).appendingPathComponent($0) }
        } else {
            out.append(p)
        }
    }
    return out
}

/// One in-process run of a document as `sockstep run` does it: run, explain and render every step.
/// Returns (seconds, seconds spent in steps that deliberately wait for a timeout, verdicts).
func runInProcess(_ doc: Document, snapshots: Bool = true, render: Bool = true) -> (Double, Double, [String]) {
    var options = RunOptions()
    options.snapshots = snapshots
    let renderer = TerminalRenderer(style: .plain)
    var sink = 0
    let start = MonotonicInstant.now()
    let result = Runner.run(doc, options: options) { event in
        if render { sink &+= renderer.render(event).utf8.count }
    }
    if render { sink &+= renderer.summary(result).utf8.count }
    let seconds = MonotonicInstant.now().seconds(since: start)
    var waited = 0.0
    for e in result.events where e.step.expectation == .timeout { waited += e.duration }
    let verdicts = result.events.map { "\($0.verdict)" }
    if sink == -1 { print("") }
    return (seconds, waited, verdicts)
}

struct LessonFigures {
    var name: String
    var steps = 0
    var parse = Double.nan
    var run = Double.nan          // in-process, run + explain + render, deliberate waits excluded
    var waits = Double.nan        // deliberate waits (settimeout expiring)
    var bare = Double.nan         // in-process, no kernel view, no explanation
    var command = Double.nan      // `sockstep run --quiet FILE`, whole process
    var pyRun = Double.nan        // the Python baseline's own timing of its steps, waits excluded
    var pyCommand = Double.nan    // `python3 baseline.py`, whole process
    var passed = true
    var stable = true
    var note = ""
}

// MARK: the lessons

let files = expand(settings.paths)
guard !files.isEmpty else {
    FileHandle.standardError.write(Data("sockstep-bench: no lesson files in \(settings.paths.joined(separator: " "))\n".utf8))
    exit(2)
}
let haveBinary = FileManager.default.isExecutableFile(atPath: settings.sockstep)
let pythonCheck = Spawn.run([settings.python, "-c", "print(1)"], keepOutput: true)
let havePython = pythonCheck.status == 0
let baselineDir = FileManager.default.temporaryDirectory.appendingPathComponent("sockstep-bench-\(getpid())").path
try? FileManager.default.createDirectory(atPath: baselineDir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: baselineDir) }

let runs = settings.runs
print("sockstep-bench: \(files.count) file(s), median of \(runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(String(format: "%.2f", { var l = [Double](repeating: 0, count: 3); getloadavg(&l, 3); return l[0] }()))")
if !haveBinary { print("  (no sockstep binary at \(settings.sockstep): whole-command figures left out)") }
if !havePython { print("  (no \(settings.python): the Python baseline is left out)") }
print("")

var documents: [(String, Document)] = []
var figures: [LessonFigures] = []
for path in files {
    var f = LessonFigures(name: (path as NSString).lastPathComponent)
    guard let data = FileManager.default.contents(atPath: path) else { f.note = "unreadable"; figures.append(f); continue }
    let parsed = DocumentParser.parse(data: data, path: path)
    guard let doc = parsed.document, !parsed.hasErrors, !Checker.check(doc).contains(where: { $0.severity == .error }) else {
        f.note = "has errors: not run"; figures.append(f); continue
    }
    documents.append((path, doc))
    f.steps = doc.steps.count
    // Parse and check: fast, so more samples.
    var samples: [Double] = []
    for _ in 0..<max(runs, 21) {
        let t = MonotonicInstant.now()
        let r = DocumentParser.parse(data: data, path: path)
        if let d = r.document { _ = Checker.check(d) }
        samples.append(MonotonicInstant.now().seconds(since: t))
    }
    f.parse = median(samples)

    _ = runInProcess(doc) // warm-up
    var runSamples: [Double] = [], waitSamples: [Double] = [], bareSamples: [Double] = []
    var firstVerdicts: [String]?
    for _ in 0..<runs {
        let (s, w, v) = runInProcess(doc)
        runSamples.append(s - w)
        waitSamples.append(w)
        if v.contains(where: { $0.hasPrefix("failed") || $0 == "unexpected" }) { f.passed = false }
        if let first = firstVerdicts, first != v { f.stable = false }
        firstVerdicts = firstVerdicts ?? v
        let (b, bw, _) = runInProcess(doc, snapshots: false, render: false)
        bareSamples.append(b - bw)
    }
    f.run = median(runSamples)
    f.waits = median(waitSamples)
    f.bare = median(bareSamples)

    if haveBinary {
        f.command = median((0..<runs).map { _ in Spawn.run([settings.sockstep, "run", "--quiet", path]).seconds })
    }
    if havePython {
        let script = (baselineDir as NSString).appendingPathComponent(f.name.replacingOccurrences(of: ".md", with: ".py"))
        try? PythonBaseline.program(for: doc).write(toFile: script, atomically: true, encoding: .utf8)
        var inScript: [Double] = [], whole: [Double] = []
        for _ in 0..<runs {
            let o = Spawn.run([settings.python, script], keepOutput: true)
            let fields = o.stdout.split(separator: "\n").last { $0.hasPrefix("BASELINE ") }?.split(separator: " ") ?? []
            guard o.status == 0, fields.count == 4, let total = Double(fields[1]), let waited = Double(fields[2]) else {
                f.note = "python baseline failed (status \(o.status))"; break
            }
            inScript.append((total - waited) / 1e9)
            whole.append(o.seconds - waited / 1e9)
        }
        f.pyRun = median(inScript)
        f.pyCommand = median(whole)
    }
    figures.append(f)
}

// MARK: the table

let columns: [(String, Int)] = [("lesson", 34), ("steps", 5), ("parse+check", 11), ("run", 8), ("per step", 8), ("no view", 8),
                                 ("waits", 6), ("command", 8), ("py run", 8), ("py step", 8), ("py cmd", 8), ("run/py", 6), ("cmd/py", 6)]
print("Per lesson (ms, per step in µs; run = run + explain + render in the process, deliberate waits excluded)")
print(columns.map { pad($0.0, $0.1, right: $0.0 == "lesson") }.joined(separator: " "))
for f in figures {
    let perStep = f.steps > 0 ? f.run / Double(f.steps) : .nan
    let pyStep = f.steps > 0 ? f.pyRun / Double(f.steps) : .nan
    let cells = [f.name, String(f.steps), ms(f.parse), ms(f.run), us(perStep), ms(f.bare), ms(f.waits), ms(f.command),
                 ms(f.pyRun), us(pyStep), ms(f.pyCommand), ratio(f.run, f.pyRun), ratio(f.command, f.pyCommand)]
    var line = zip(cells, columns).map { pad($0.0, $0.1.1, right: $0.1.0 == "lesson") }.joined(separator: " ")
    if !f.passed { line += "  FAILED STEPS" }
    if !f.stable { line += "  VERDICTS DIFFER BETWEEN RUNS" }
    if !f.note.isEmpty { line += "  (\(f.note))" }
    print(line)
}
let measured = figures.filter { !$0.run.isNaN }
print("")

// MARK: the whole course, start-up, memory

var courseInProcess = Double.nan, courseWaits = Double.nan, courseCommand = Double.nan, coursePython = Double.nan
var courseRSS = 0
if !documents.isEmpty {
    var samples: [Double] = [], waits: [Double] = []
    for _ in 0..<runs {
        var total = 0.0, waited = 0.0
        for (_, doc) in documents { let (s, w, _) = runInProcess(doc); total += s; waited += w }
        samples.append(total - waited)
        waits.append(waited)
    }
    courseInProcess = median(samples)
    courseWaits = median(waits)
    if haveBinary {
        var cmd: [Double] = []
        for _ in 0..<runs {
            let o = Spawn.run([settings.sockstep, "run", "--quiet"] + documents.map(\.0))
            cmd.append(o.seconds - courseWaits)
            courseRSS = max(courseRSS, o.maxRSSKiB)
        }
        courseCommand = median(cmd)
    }
    if havePython, measured.allSatisfy({ !$0.pyCommand.isNaN }) {
        coursePython = measured.map(\.pyCommand).reduce(0, +)
    }
}
var startup = Double.nan, version = Double.nan, pythonStartup = Double.nan
if haveBinary, let first = documents.first {
    startup = median((0..<runs).map { _ in Spawn.run([settings.sockstep, "run", "--json", first.0], marker: "\"type\":\"step\"").markerSeconds ?? .nan })
    version = median((0..<runs).map { _ in Spawn.run([settings.sockstep, "--version"]).seconds })
}
if havePython {
    pythonStartup = median((0..<runs).map { _ in Spawn.run([settings.python, "-c", "import socket"]).seconds })
}

let typical = median(measured.map(\.run))
let typicalCommand = median(measured.map(\.command))
let worstStepRatio = measured.compactMap { f -> Double? in f.pyRun.isNaN ? nil : f.run / f.pyRun }.max() ?? .nan

print("Whole course (\(documents.count) files, \(documents.map { $0.1.steps.count }.reduce(0, +)) steps)")
print("  in one process                 \(pad(ms(courseInProcess), 8)) ms   (+ \(ms(courseWaits)) ms of deliberate timeout waits)")
print("  as one command                 \(pad(ms(courseCommand), 8)) ms   (sockstep run --quiet FILES, waits excluded)")
print("  Python baseline, one per file  \(pad(ms(coursePython), 8)) ms   (sum of whole commands, waits excluded)")
print("Start-up")
print("  binary to the first step       \(pad(ms(startup), 8)) ms   (sockstep run --json, spawn to the first step's line)")
print("  sockstep --version             \(pad(ms(version), 8)) ms")
print("  python3 -c 'import socket'     \(pad(ms(pythonStartup), 8)) ms")
print("Peak memory")
print("  this process (VmHWM)           \(pad(String(Spawn.peakMemoryKiB() / 1024), 8)) MiB  (every lesson \(runs * 3 + 1) times in one process)")
print("  sockstep run, whole course     \(pad(String(courseRSS / 1024), 8)) MiB  (ru_maxrss of the child)")
print("")

// MARK: targets

func verdict(_ ok: Bool?) -> String { ok == nil ? "n/a " : ok! ? "met " : "MISS" }
func under(_ x: Double, _ limit: Double) -> Bool? { x.isNaN ? nil : x < limit }
print("Targets (2-core machine)")
print("  \(verdict(under(typical, 0.002))) a typical lesson runs in under 2 ms in the process: median \(ms(typical)) ms")
print("  \(verdict(under(typicalCommand, 0.020))) ... and under 20 ms as a whole command: median \(ms(typicalCommand)) ms")
print("  \(verdict(under(courseInProcess, 0.100))) the whole course under 100 ms in one process: \(ms(courseInProcess)) ms")
print("  \(verdict(under(worstStepRatio, 10))) per step within 10x of the bare calls (Python's): worst lesson \(String(format: "%.2f", worstStepRatio))x")
let pyTypicalCommand = median(measured.map(\.pyCommand))
let pyTypicalRun = median(measured.map(\.pyRun))
print("  \(verdict(under(typicalCommand / pyTypicalCommand, 1.0001))) not slower than the Python baseline as a command: \(ratio(typicalCommand, pyTypicalCommand))x (in the process: \(ratio(typical, pyTypicalRun))x)")
let allPassed = figures.allSatisfy { $0.passed && $0.stable && $0.note.isEmpty }
print("  \(verdict(allPassed)) every step of every run as expected, the same verdicts every run")
exit(allPassed ? 0 : 1)

// sockstep-bench: how fast sockstep is, next to a baseline that makes the same calls without it.
//
//   swift run -c release sockstep-bench [--quick] [--runs N] [FILE|DIR ...]
//
// Every figure is the median of N runs (default 9; --quick: 3). In-process figures use the library
// directly (parse, check, run, explain and render every step, as `sockstep run` does); whole-command
// figures spawn the `sockstep` binary built next to this one. The baseline is the same lesson as a
// Python program, `sockstep export --lang python FILE` (or PythonBaseline.swift), run with python3,
// and the same lesson as a C program, `sockstep export --lang c FILE`, compiled once with cc.
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Explain
import Render
import Runner
import ScenarioFormat
import Sockets

// A copy of the benchmark started only to measure a program's peak memory (Spawn.swift).
PeakMemory.serveIfAsked()

// First, while the process has one thread: the private network `sockstep run` enters, so that the
// in-process figures include the capture as the command does (`--no-private-network` to leave it).
if !CommandLine.arguments.contains("--no-private-network") { PrivateNetwork.enter() }

struct Settings {
    var runs = 9
    var quick = false
    var python = "python3"
    var cc = "cc"
    var paths: [String] = []
    var sockstep: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return Path.join(Path.deletingLastComponent(exe), "sockstep")
    }()
}

var settings = Settings()
var argv = Array(CommandLine.arguments.dropFirst())
while !argv.isEmpty {
    let a = argv.removeFirst()
    switch a {
    case "--quick": settings.quick = true; settings.runs = 3
    case "--no-private-network": break
    case "--runs": settings.runs = max(1, Int(argv.isEmpty ? "" : argv.removeFirst()) ?? 9)
    case "--sockstep": settings.sockstep = argv.isEmpty ? settings.sockstep : argv.removeFirst()
    case "--python": settings.python = argv.isEmpty ? settings.python : argv.removeFirst()
    case "--cc": settings.cc = argv.isEmpty ? settings.cc : argv.removeFirst()
    case "--emit-python":
        // Prints the Python baseline of one lesson, to read or run by hand.
        let path = argv.isEmpty ? "" : argv.removeFirst()
        guard let data = FileManager.default.contents(atPath: path), let doc = DocumentParser.parse(data: data, path: path).document else {
            Console.write(2, "sockstep-bench: cannot read \(path)\n")
            exit(2)
        }
        print(PythonBaseline.program(for: doc), terminator: "")
        exit(0)
    case "-h", "--help":
        print("""
        USAGE: sockstep-bench [--quick] [--runs N] [--sockstep PATH] [--python PATH] [--cc PATH] [FILE|DIR ...]
               sockstep-bench --emit-python FILE

        Times parse and check, the run of every lesson (in the process and as a whole command),
        the whole course, start-up to the first step, and peak memory; next to the same lesson
        exported as a Python program and as a C program (compiled once with cc). Default: every .md file in lessons/. Medians of N runs (9; --quick 3).
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

func ms(_ seconds: Double) -> String { seconds.isNaN ? "-" : Format.fixed(seconds * 1000, seconds < 0.01 ? 2 : 1) }
func us(_ seconds: Double) -> String { seconds.isNaN ? "-" : Format.fixed(seconds * 1e6, 0) }
func ratio(_ a: Double, _ b: Double) -> String { a.isNaN || b.isNaN || b == 0 ? "-" : Format.fixed(a / b, 2) }
func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
    s.count >= n ? s : right ? s + String(repeating: " ", count: n - s.count) : String(repeating: " ", count: n - s.count) + s
}

func expand(_ paths: [String]) -> [String] {
    var out: [String] = []
    for p in paths {
        var isDir = false
        if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir {
            let items = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
            out += items.filter { $0.hasSuffix(".md") }.sorted().map { Path.join(p, $0) }
        } else {
            out.append(p)
        }
    }
    return out
}

/// One in-process run of a document as `sockstep run` does it: run, explain and render every step.
/// Returns (seconds, seconds spent in steps that deliberately wait for a timeout, verdicts).
func runInProcess(_ doc: Document, snapshots: Bool = true, render: Bool = true, capture: Bool = true) -> (Double, Double, [String]) {
    var options = RunOptions()
    options.snapshots = snapshots
    options.capture = capture
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

/// Milliseconds a run spent waiting with poll for something in flight (a delayed ACK), by its notes.
func inFlightWait(_ doc: Document) -> Double {
    let result = Runner.run(doc)
    var ms = 0
    for e in result.events where e.step.expectation != .timeout {
        for case .waitedInFlight(let n, _) in e.notes { ms += n }
    }
    return Double(ms) / 1000
}

/// Runs a Python program under the timer and returns (seconds in the script, waited seconds), or nil.
@MainActor func timedPython(_ script: String) -> (Double, Double, String)? {
    let timed = Spawn.run([settings.python, timerScript, script], keepOutput: true)
    let fields = timed.stdout.split(separator: "\n").last { $0.hasPrefix("BASELINE ") }?.split(separator: " ") ?? []
    guard fields.count == 4, let total = Double(fields[1]), let waited = Double(fields[2]), fields[3] == "0" else {
        let line = timed.stdout.split(separator: "\n").first { $0.contains("FAIL") || $0.contains("expected") }
        return (0, 0, String(line ?? "status \(timed.status)"))
    }
    return (total / 1e9, waited / 1e9, "")
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
    var pyBare = Double.nan       // the bare calls from Python (PythonBaseline: no checks, no output)
    var cCommand = Double.nan     // `sockstep export --lang c` compiled once with cc, run as a command
    var commandRSS = 0            // peak memory of `sockstep run --quiet FILE` (ru_maxrss, KiB, through PeakMemory)
    var inFlight = Double.nan     // of `run`: waits with poll for packets in flight (delayed ACKs)
    var baseline = ""             // "export" (sockstep export --lang python) or "generated" (PythonBaseline)
    var passed = true
    var stable = true
    var note = ""
}

// MARK: the lessons

let files = expand(settings.paths)
guard !files.isEmpty else {
    Console.write(2, "sockstep-bench: no lesson files in \(settings.paths.joined(separator: " "))\n")
    exit(2)
}
let haveBinary = FileManager.default.isExecutableFile(atPath: settings.sockstep)
// The interpreter itself, not a wrapper on PATH (a pyenv shim adds a quarter of a second per start).
let pythonCheck = Spawn.run([settings.python, "-c", "import sys; print(sys.executable)"], keepOutput: true)
let havePython = pythonCheck.status == 0
if havePython, let exe = pythonCheck.stdout.split(separator: "\n").first, FileManager.default.isExecutableFile(atPath: String(exe)) {
    settings.python = String(exe)
}
let baselineDir = Path.join(FileManager.default.temporaryDirectory.path, "sockstep-bench-\(getpid())")
try? FileManager.default.createDirectory(atPath: baselineDir, withIntermediateDirectories: true)
// The C compiler for the C export (`cc`), if there is one.
let haveCC = Spawn.run([settings.cc, "--version"]).status == 0

let runs = settings.runs
/// Runs a Python program in-process and prints `BASELINE <ns> <waited ns> <exit status>` at the end:
/// the program's own run time, without the interpreter's start-up and the modules it imports.
let timerScript = Path.join(baselineDir, "timer.py")
try? """
import errno, fcntl, os, runpy, select, shutil, signal, socket, struct, sys, tempfile, termios, time
path = sys.argv[1]
sys.argv = sys.argv[1:]
start = time.perf_counter_ns()
code = 0
try:
    result = runpy.run_path(path, run_name="__main__")
    waited = result.get("_waited", 0)
except SystemExit as e:
    code = e.code or 0
    waited = 0
elapsed = time.perf_counter_ns() - start
sys.stdout.flush()
print("BASELINE", elapsed, waited, code)

""".write(toFile: timerScript, atomically: true, encoding: .utf8)
print("sockstep-bench: \(files.count) file(s), median of \(runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(Format.fixed({ var l = [Double](repeating: 0, count: 3); getloadavg(&l, 3); return l[0] }(), 2))")
if !haveBinary { print("  (no sockstep binary at \(settings.sockstep): whole-command figures left out)") }
if !havePython { print("  (no \(settings.python): the Python baseline is left out)") }
if !haveCC { print("  (no \(settings.cc): the C export is left out)") }
print("")

var documents: [(String, Document)] = []
var figures: [LessonFigures] = []
/// The measuring intermediary's own peak (PeakMemory in Spawn.swift): no program it starts can show less.
var intermediaryKiB = 0
for path in files {
    var f = LessonFigures(name: Path.lastComponent(path))
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
        // Deliberate timeouts (settimeout expiring) are taken off, as from every other figure.
        var samples: [Double] = []
        for _ in 0..<runs {
            let o = Spawn.run([settings.sockstep, "run", "--quiet", path])
            samples.append(o.seconds - f.waits)
        }
        let memory = Spawn.run([settings.sockstep, "run", "--quiet", path], measuringMemory: true)
        f.commandRSS = memory.maxRSSKiB
        intermediaryKiB = max(intermediaryKiB, memory.floorKiB)
        f.command = median(samples)
    }
    if haveBinary, haveCC {
        // The C export, compiled once (not timed), then run as a command like `sockstep run`.
        let source = Path.join(baselineDir, f.name.replacingAll(".md", with: ".c"))
        let exe = String(source.dropLast(2))
        let exported = Spawn.run([settings.sockstep, "export", "--lang", "c", path], keepOutput: true)
        if exported.status == 0, !exported.stdout.isEmpty, (try? exported.stdout.write(toFile: source, atomically: true, encoding: .utf8)) != nil,
           Spawn.run([settings.cc, "-std=c11", "-O2", "-o", exe, source]).status == 0 {
            var samples: [Double] = []
            for _ in 0..<runs {
                let o = Spawn.run([exe])
                if o.status != 0 { f.note = "C export: exit status \(o.status)"; break }
                samples.append(o.seconds - f.waits)
            }
            f.cCommand = median(samples)
        } else {
            f.note = "C export did not compile"
        }
    }
    if havePython {
        // The baseline is `sockstep export --lang python FILE`: the same calls in the same order,
        // each outcome printed and checked. Where the export is not available, PythonBaseline.
        let script = Path.join(baselineDir, f.name.replacingAll(".md", with: ".py"))
        let exported = haveBinary ? Spawn.run([settings.sockstep, "export", "--lang", "python", path], keepOutput: true) : nil
        let program: String
        if let exported, exported.status == 0, !exported.stdout.isEmpty {
            program = exported.stdout
            f.baseline = "export"
        } else {
            program = PythonBaseline.program(for: doc)
            f.baseline = "generated"
        }
        try? program.write(toFile: script, atomically: true, encoding: .utf8)
        // The bare calls: the same calls from Python with nothing else (no checks, no output).
        let bareScript = script.replacingAll(".py", with: "-bare.py")
        try? PythonBaseline.program(for: doc).write(toFile: bareScript, atomically: true, encoding: .utf8)
        var inScript: [Double] = [], whole: [Double] = [], bare: [Double] = []
        for _ in 0..<runs {
            // In the script: timed by a wrapper around the program (interpreter start-up left out).
            guard let (total, reported, problem) = timedPython(script), problem.isEmpty else {
                f.note = "python baseline failed: \(timedPython(script)?.2 ?? "")"
                break
            }
            // The exported program does not say how long its timeouts waited: they are the same
            // settimeout values as sockstep's, so sockstep's measured waits are taken off.
            let waited = f.baseline == "export" ? f.waits : reported
            inScript.append(total - waited)
            let o = Spawn.run([settings.python, script])
            whole.append(o.seconds - waited)
            if let (b, w, p) = timedPython(bareScript), p.isEmpty { bare.append(b - w) }
        }
        f.pyRun = median(inScript)
        f.pyCommand = median(whole)
        f.pyBare = median(bare)
    }
    f.inFlight = inFlightWait(doc)
    figures.append(f)
}

// MARK: the table

let columns: [(String, Int)] = [("lesson", 34), ("steps", 5), ("parse+check", 11), ("run", 7), ("in-flight", 9), ("no view", 7),
                                 ("timeouts", 8), ("command", 7), ("py run", 7), ("py cmd", 7), ("run/py", 6), ("cmd/py", 6),
                                 ("C cmd", 6), ("cmd/C", 6),
                                 ("step µs", 7), ("bare µs", 7), ("x bare", 6)]
print("""
Per lesson, in ms. run: run + explain + render every step in the process, as `sockstep run` does
(in-flight: the part of it spent waiting for the kernel, e.g. a 40 ms delayed ACK; no view: the run
without the kernel's view and the explanations). timeouts: deliberate waits, left out of every figure.
command: `sockstep run --quiet FILE`. py run / py cmd: `sockstep export --lang python` run with
python3 (in the script / as a command). C cmd: `sockstep export --lang c` compiled once with cc -O2,
run as a command. step µs: run per step, in-flight waits left out; bare µs: the
same calls from Python with nothing else, per step; x bare: the ratio of the two.
""")
print(columns.map { pad($0.0, $0.1, right: $0.0 == "lesson") }.joined(separator: " "))
for f in figures {
    let perStep = f.steps > 0 ? (f.run - f.inFlight) / Double(f.steps) : .nan
    let bareStep = f.steps > 0 ? f.pyBare / Double(f.steps) : .nan
    let cells = [f.name, String(f.steps), ms(f.parse), ms(f.run), ms(f.inFlight), ms(f.bare), ms(f.waits), ms(f.command),
                 ms(f.pyRun), ms(f.pyCommand), ratio(f.run, f.pyRun), ratio(f.command, f.pyCommand),
                 ms(f.cCommand), ratio(f.command, f.cCommand),
                 us(perStep), us(bareStep), ratio(perStep, bareStep)]
    var line = zip(cells, columns).map { pad($0.0, $0.1.1, right: $0.1.0 == "lesson") }.joined(separator: " ")
    if !f.passed { line += "  FAILED STEPS" }
    if !f.stable { line += "  VERDICTS DIFFER BETWEEN RUNS" }
    if f.baseline == "generated" { line += "  (baseline: PythonBaseline, not the export)" }
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
        }
        let memory = Spawn.run([settings.sockstep, "run", "--quiet"] + documents.map(\.0), measuringMemory: true)
        courseRSS = memory.maxRSSKiB
        intermediaryKiB = max(intermediaryKiB, memory.floorKiB)
        courseCommand = median(cmd)
    }
    if havePython, measured.allSatisfy({ !$0.pyCommand.isNaN }) {
        coursePython = measured.map(\.pyCommand).reduce(0, +)
    }
}
var startup = Double.nan, startupNoNetwork = Double.nan, version = Double.nan, pythonStartup = Double.nan
// A few milliseconds each, and this machine's timings wander by a third from minute to minute:
// at least 21 samples, interleaved, even with --quick.
let startupRuns = max(runs, 21)
if haveBinary, let first = documents.first {
    var with: [Double] = [], without: [Double] = [], versions: [Double] = []
    for _ in 0..<startupRuns {
        with.append(Spawn.run([settings.sockstep, "run", "--json", first.0], marker: "\"type\":\"step\"").markerSeconds ?? .nan)
        without.append(Spawn.run([settings.sockstep, "run", "--json", first.0], marker: "\"type\":\"step\"",
                                 environment: [PrivateNetwork.environmentVariable: "off"]).markerSeconds ?? .nan)
        versions.append(Spawn.run([settings.sockstep, "--version"]).seconds)
    }
    startup = median(with)
    startupNoNetwork = median(without)
    version = median(versions)
}
if havePython {
    pythonStartup = median((0..<runs).map { _ in Spawn.run([settings.python, "-c", "import socket"]).seconds })
}

// Grading throughput: 50 copies of the echo server's reference solution, graded with --jobs 1 and 2.
var grading: [(jobs: Int, seconds: Double, status: Int32)] = []
let exercise = "scenarios/exercises/echo-server.md", reference = "scenarios/exercises/solutions/echo-server/reference.py"
let submissionCount = settings.quick ? 10 : 50
if haveBinary, havePython, FileManager.default.fileExists(atPath: exercise), FileManager.default.fileExists(atPath: reference) {
    let subs = Path.join(baselineDir, "submissions")
    for i in 1...submissionCount {
        let dir = Path.join(subs, "s" + Format.zeroPadded(i, 2))
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? FileManager.default.copyItem(atPath: reference, toPath: Path.join(dir, "server.py"))
    }
    for jobs in [1, 2] {
        let o = Spawn.run([settings.sockstep, "grade", exercise, "--submissions", subs, "--jobs", String(jobs),
                           "--output", Path.join(baselineDir, "gradebook-\(jobs)"), "--", settings.python, "{dir}/server.py"])
        grading.append((jobs, o.seconds, o.status))
    }
}

func mib(_ kib: Int) -> String { kib == 0 ? "-" : Format.fixed(Double(kib) / 1024, 1) }

// The private network and the capture: what they add to one run. In the process: the capture's
// six raw sockets (from the process's pool), a drain after every step, decoding. As a command: the
// namespace alone (a run that captures nothing: `unshare`, the uid/gid maps, lo up), and a run
// that captures, whose process also opens the six sockets and closes them at exit (which costs
// nothing measurable, where the packet socket used before waited for a kernel grace period).
var captureOff = Double.nan, captureOn = Double.nan, netnsOff = Double.nan, netnsOn = Double.nan
var captureCommandOff = Double.nan, captureCommandOn = Double.nan
let networkLesson = documents.first { $0.0.hasSuffix("02-first-tcp-conversation.md") } ?? documents.first
// The namespace alone: a lesson without `=>` expectations, run so that nothing asks for packets.
let plainLesson = documents.first { !$0.1.steps.contains { $0.packets != nil } }
if let (path, doc) = networkLesson {
    var off: [Double] = [], on: [Double] = []
    for _ in 0..<max(runs, 9) {
        let (a, aw, _) = runInProcess(doc, capture: false); off.append(a - aw)
        let (b, bw, _) = runInProcess(doc, capture: true); on.append(b - bw)
    }
    captureOff = median(off)
    captureOn = median(on)
    if haveBinary {
        var offCmd: [Double] = [], onCmd: [Double] = [], capOff: [Double] = [], capOn: [Double] = []
        for _ in 0..<max(runs, 9) {
            if let plain = plainLesson?.0 {
                offCmd.append(Spawn.run([settings.sockstep, "run", "--quiet", plain], environment: ["SOCKSTEP_NETNS": "off"]).seconds)
                onCmd.append(Spawn.run([settings.sockstep, "run", "--quiet", plain]).seconds)
            }
            capOff.append(Spawn.run([settings.sockstep, "run", "--quiet", "--json", path], environment: ["SOCKSTEP_NETNS": "off"]).seconds)
            capOn.append(Spawn.run([settings.sockstep, "run", "--quiet", "--json", path]).seconds)
        }
        netnsOff = median(offCmd)
        netnsOn = median(onCmd)
        captureCommandOff = median(capOff)
        captureCommandOn = median(capOn)
    }
}

let typical = median(measured.map(\.run))
let typicalCommand = median(measured.map(\.command))
let stepRatios = measured.compactMap { f -> Double? in f.pyBare.isNaN ? nil : (f.run - f.inFlight) / f.pyBare }
let worstStepRatio = stepRatios.max() ?? .nan
let typicalStepRatio = median(stepRatios)
let courseInFlight = measured.map(\.inFlight).reduce(0, +)

print("Whole course (\(documents.count) files, \(documents.map { $0.1.steps.count }.reduce(0, +)) steps)")
print("  in one process                 \(pad(ms(courseInProcess), 8)) ms   (left out: \(ms(courseWaits)) ms of deliberate timeouts; in it: \(ms(courseInFlight)) ms in-flight)")
print("  as one command                 \(pad(ms(courseCommand), 8)) ms   (sockstep run --quiet FILES, waits excluded)")
print("  Python baseline, one per file  \(pad(ms(coursePython), 8)) ms   (sum of whole commands, waits excluded)")
print("Start-up")
print("  binary to the first step       \(pad(ms(startup), 8)) ms   (sockstep run --json \(documents.first.map { Path.lastComponent($0.0) } ?? "-"), spawn to the first step's line; medians of \(startupRuns))")
print("  ... without the private network\(pad(ms(startupNoNetwork), 8)) ms   (SOCKSTEP_NETNS=off: no namespace to build, no capture to open)")
print("  sockstep --version             \(pad(ms(version), 8)) ms")
print("  python3 -c 'import socket'     \(pad(ms(pythonStartup), 8)) ms")
print("Grading (\(submissionCount) copies of the echo server's reference solution, `sockstep grade --submissions`)")
if grading.isEmpty { print("  not measured: needs the grade command, \(exercise) and \(reference)") }
for g in grading {
    print("  --jobs \(g.jobs)                        \(pad(Format.fixed(g.seconds, 2), 8)) s    \(Format.fixed(Double(submissionCount) / g.seconds, 1)) submissions per second\(g.status == 0 ? "" : "  (exit status \(g.status): not every submission passed)")")
}
print("Private network and capture (\(networkLesson.map { Path.lastComponent($0.0) } ?? "-"), per run; this process: \(PrivateNetwork.status.isEntered ? "in its private network" : "no private network: \(PrivateNetwork.status.reason ?? "not entered")"))")
print("  capture, in the process        \(pad(ms(captureOn - captureOff), 8)) ms   (off/on \(ms(captureOff)) / \(ms(captureOn)) ms: the six raw sockets from the pool, a drain per step, decoding)")
print("  namespace, as a command        \(pad(ms(netnsOn - netnsOff), 8)) ms   (\(plainLesson.map { Path.lastComponent($0.0) } ?? "no lesson without =>"), SOCKSTEP_NETNS=off/default \(ms(netnsOff)) / \(ms(netnsOn)) ms, nothing captured: unshare, uid/gid maps, lo up)")
print("  both, as a command (--json)    \(pad(ms(captureCommandOn - captureCommandOff), 8)) ms   (\(ms(captureCommandOff)) / \(ms(captureCommandOn)) ms: the namespace, and the capture opened, drained after each step and closed at exit)")
print("Peak memory")
print("  this process (VmHWM)           \(pad(String(Spawn.peakMemoryKiB() / 1024), 8)) MiB  (every lesson \(runs * 3 + 1) times in one process)")
let lessonRSS = measured.map(\.commandRSS).max() ?? 0
print("  sockstep run, one lesson       \(pad(mib(lessonRSS), 8)) MiB  (ru_maxrss, the largest lesson, started by a small intermediary whose own \(mib(intermediaryKiB)) MiB is the floor)")
print("  sockstep run, whole course     \(pad(mib(courseRSS), 8)) MiB  (ru_maxrss, the same way)")
// The same lesson three ways, as whole commands: the median over the lessons of each.
let pyTypicalCommand = median(measured.map(\.pyCommand).filter { !$0.isNaN })
let cTypicalCommand = median(measured.map(\.cCommand).filter { !$0.isNaN })
print("A typical lesson as a command (median over the lessons, deliberate timeouts left out)")
print("  sockstep run --quiet FILE      \(pad(ms(typicalCommand), 8)) ms")
print("  the Python export, python3     \(pad(ms(pyTypicalCommand), 8)) ms   sockstep/Python \(ratio(typicalCommand, pyTypicalCommand))x")
print("  the C export, cc -O2           \(pad(ms(cTypicalCommand), 8)) ms   sockstep/C \(ratio(typicalCommand, cTypicalCommand))x")
print("")

// MARK: targets

func verdict(_ ok: Bool?) -> String { ok == nil ? "n/a " : ok! ? "met " : "MISS" }
func under(_ x: Double, _ limit: Double) -> Bool? { x.isNaN ? nil : x < limit }
print("Targets (2-core machine)")
print("  \(verdict(under(typical, 0.002))) a typical lesson runs in under 2 ms in the process: median \(ms(typical)) ms")
print("  \(verdict(under(typicalCommand, 0.004_0001))) ... and in at most 4 ms as a whole command: median \(ms(typicalCommand)) ms")
print("  \(verdict(under(startup, 0.002_0001))) start-up to the first step in at most 2 ms: \(ms(startup)) ms")
print("  \(verdict(courseRSS == 0 ? nil : max(lessonRSS, courseRSS) <= 12 * 1024)) peak memory at most 12 MiB: \(mib(lessonRSS)) MiB for a lesson, \(mib(courseRSS)) MiB for the whole course")
print("  \(verdict(under(courseInProcess, 0.100))) the whole course under 100 ms in one process: \(ms(courseInProcess)) ms")
print("  \(verdict(under(typicalStepRatio, 10))) per step within 10x of the bare calls: median lesson \(ratio(typicalStepRatio, 1))x, worst \(ratio(worstStepRatio, 1))x")
let pyTypicalRun = median(measured.map(\.pyRun))
print("  \(verdict(under(typicalCommand / pyTypicalCommand, 1.0001))) not slower than the Python baseline as a command: \(ratio(typicalCommand, pyTypicalCommand))x (in the process: \(ratio(typical, pyTypicalRun))x)")
if let g = grading.last {
    let fifty = g.seconds * 50 / Double(submissionCount)
    print("  \(verdict(under(fifty, 5))) 50 Python reference submissions graded in under 5 s: \(Format.fixed(fifty, 2)) s with --jobs \(g.jobs)")
}
let allPassed = figures.allSatisfy { $0.passed && $0.stable && $0.note.isEmpty } && grading.allSatisfy { $0.status == 0 }
let addedInProcess = (netnsOn - netnsOff) + (captureOn - captureOff), addedToCommand = captureCommandOn - captureCommandOff
print("  \(verdict(under(max(addedInProcess, addedToCommand), 0.002))) the private network and the capture add under 2 ms per run: namespace +\(ms(netnsOn - netnsOff)) ms, capture +\(ms(captureOn - captureOff)) ms; both +\(ms(addedToCommand)) ms to a whole command (+\(ms(addedToCommand - (netnsOn - netnsOff))) ms for a process that captured, its exit included)")
print("  \(verdict(allPassed)) every step of every run as expected, the same verdicts every run")
try? FileManager.default.removeItem(atPath: baselineDir)
exit(allPassed ? 0 : 1)

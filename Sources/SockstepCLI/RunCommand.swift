import FoundationEssentials
import Render
import Runner
import ScenarioFormat

/// `sockstep run FILE...`: runs lessons and scenarios, explaining every step.
public enum RunCommand: Command {
    public static let name = "run"
    public static let summary = "Run lessons and scenarios on real loopback sockets, explaining every step."
    public static let help = """
    OVERVIEW: Run lessons and scenarios on real loopback sockets, explaining every step.

    Each step is a real socket call. After it, sockstep shows whether it did what the file expects,
    what the kernel did and why, the system call as strace prints it, the same call in C, and the
    socket's state.

    USAGE: sockstep run [--quiet] [--table] [--packets] [--diagram] [--json] [--ascii] [--html <page>] [--pcap <file>] <file>...

    ARGUMENTS:
      <file>          A lesson or scenario (.md), or a folder of them (run in name order).

    OPTIONS:
      -q, --quiet     Show only the steps that failed, and the summary.
      -t, --table     Show the whole socket table (like `ss`) after every step.
      -p, --packets   Show the packets each step caused, as captured on the run's own
                      loopback: `client → server  [SYN] seq=0 win=65495`.
      --pcap <file>   Also write every captured packet to a pcap file (tcpdump -r, Wireshark).
      --json          Print one JSON object per line: diagnostics, steps and a summary
                      (the fields are documented in README.md).
      -d, --diagram   After the steps, draw the run as a sequence diagram: one column per
                      actor, the calls, the packets between them, the TCP states.
      --html <page>   Also write the lesson, every step and the diagram as one
                      self-contained HTML page (one file only).
      --ascii         Use plain ASCII marks and lines instead of ✓, ✗ and box drawing.
      -h, --help      Show help information.

    EXIT STATUS: 0 every expectation held, 1 one failed, 2 a file could not be used.

    """

    public static func run(_ args: [String], _ io: IO) -> Int32 {
        let spec = ArgumentParser.Spec(flags: ["--quiet": "quiet", "-q": "quiet", "--table": "table", "-t": "table",
                                               "--json": "json", "--ascii": "ascii", "--diagram": "diagram", "-d": "diagram",
                                               "--packets": "packets", "-p": "packets"],
                                               options: ["--html": "html", "--pcap": "pcap"])
        let parsed: ArgumentParser
        switch ArgumentParser.parse(args, spec: spec) {
        case .success(let p): parsed = p
        case .failure(.message(let m)): return usageError(m, command: self, io: io)
        }
        let pcapPath = parsed.options["pcap"]
        if let p = pcapPath, p.hasSuffix(".md") {
            return usageError("--pcap takes the file to write (\(p) is a lesson): `sockstep run --pcap run.pcap \(p)`", command: self, io: io)
        }
        let files: [String]
        switch Loading.files(parsed.positional + parsed.rest, command: self, io: io) {
        case .success(let f): files = f
        case .failure(let e): return e.code
        }
        let json = parsed.flags.contains("json")
        let diagram = parsed.flags.contains("diagram")
        let htmlPath = parsed.options["html"]
        if htmlPath != nil && files.count != 1 {
            return usageError("--html writes one page: give one lesson file, not \(files.count)", command: self, io: io)
        }
        if let h = htmlPath, h.hasSuffix(".md") {
            return usageError("--html takes the page to write (\(h) is a lesson): `sockstep run --html page.html \(h)`", command: self, io: io)
        }
        if let p = pcapPath, let problem = CLI.pcapProblem(p) {
            io.err("Error: \(problem)\nhelp: \(CLI.captureUnavailableReason == nil ? "give a path in a folder you can write to, e.g. `--pcap run.pcap`" : "run without --pcap; the steps and their explanations work without the capture")\n")
            return ExitCode.unusable
        }
        let style = io.style(ascii: parsed.flags.contains("ascii"))
        let errStyle = io.style(forStdout: false, ascii: parsed.flags.contains("ascii"))
        var options = TerminalRenderer.Options()
        options.quiet = parsed.flags.contains("quiet")
        options.table = parsed.flags.contains("table")
        options.width = io.width
        options.packets = parsed.flags.contains("packets")
        let renderer = TerminalRenderer(style: style, options: options)

        var worst = ExitCode.ok
        var results: [RunResult] = []
        for path in files {
            let loaded = Loading.load(path)
            // After the first file is read: the private network is still being made until then.
            CLI.noteNetwork(io)
            if !loaded.diagnostics.isEmpty {
                if json {
                    for d in loaded.diagnostics { io.out(JSONLinesRenderer.diagnostic(d, path: path) + "\n") }
                } else {
                    io.err(DiagnosticRenderer.renderAll(loaded.diagnostics, path: path, lines: loaded.lines, style: errStyle) + "\n")
                }
            }
            guard loaded.usable, let doc = loaded.document else {
                if !json {
                    let n = loaded.diagnostics.filter { $0.severity == .error }.count
                    let missing = loaded.diagnostics.contains { $0.location.line == 0 }
                    io.err(missing ? "\n" : loaded.isExercise ? "\(path): not run: it is an exercise (see above).\n\n"
                           : "\(path): not run: \(n) error\(n == 1 ? "" : "s") (see above). `sockstep check \(path)` lists them again.\n\n")
                }
                worst = max(worst, ExitCode.unusable)
                continue
            }
            if !json && !options.quiet { io.out(renderer.header(doc) + "\n") }
            // The capture only where something shows or checks it: its six raw sockets cost little to
            // open and nothing at exit, but every packet is copied to them and read after each step.
            var runOptions = RunOptions()
            runOptions.capture = options.packets || diagram || json || htmlPath != nil || pcapPath != nil
                || doc.steps.contains { $0.packets != nil }
            let result = Runner.run(doc, options: runOptions) { event in
                if json { io.out(JSONLinesRenderer.step(event, path: path) + "\n") } else { io.out(renderer.render(event)) }
            }
            if diagram && !json {
                io.out(DiagramRenderer.render(result, style: style, width: io.terminalWidth) + "\n")
            }
            io.out(json ? JSONLinesRenderer.summary(result) + "\n" : renderer.summary(result) + (files.count > 1 && !options.quiet ? "\n" : ""))
            if let htmlPath {
                let page = HTMLRenderer.page(for: result)
                if FileManager.default.createFile(atPath: htmlPath, contents: Data(page.utf8)) {
                    io.err("wrote \(htmlPath)\n")
                } else {
                    io.err("Error: cannot write \(htmlPath): check that its folder exists and is writable\n")
                    worst = max(worst, ExitCode.unusable)
                }
            }
            if !result.passed { worst = max(worst, ExitCode.failed) }
            results.append(result)
        }
        if let pcapPath, !CLI.writePcap(results, to: pcapPath, io: io) { worst = max(worst, ExitCode.unusable) }
        if files.count > 1 && !json {
            let passed = results.filter(\.passed).count
            let unusable = files.count - results.count
            var line = "\(files.count) files: \(passed) passed"
            if results.count - passed > 0 { line += ", \(results.count - passed) failed" }
            if unusable > 0 { line += ", \(unusable) could not be used" }
            io.out(line + "\n")
        }
        return worst
    }
}

extension IO {
    /// Diagrams fit 80 columns, or the terminal's width when it is narrower (at least 40).
    var terminalWidth: Int { min(width, 80) }
}

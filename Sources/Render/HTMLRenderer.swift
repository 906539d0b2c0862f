import Explain
import Runner
import ScenarioFormat

/// One self-contained HTML page (no scripts, fonts or images from anywhere): works offline,
/// prints well and reads well with a screen reader. Lessons use `HTMLRenderer.page(for:)`; a grade
/// report builds its own page:
///
///     var page = HTMLPage(title: "Grade: echo server", subtitle: "8 of 10 points")
///     page.addNotice("2 checks failed", passed: false)
///     page.addTable(caption: "Checks", headers: ["check", "points"], rows: [["echoes", "5/5"]])
///     page.addEvents(title: "Check 1: echoes one line", events: events)
///     page.addDiagram(events: events, title: "Check 1 as a sequence diagram")
///     let html = page.render()
public struct HTMLPage: Sendable {
    public var title: String
    public var subtitle: String?
    var parts: [String] = []
    var diagrams = 0
    var eventSections = 0

    public init(title: String, subtitle: String? = nil) {
        self.title = title
        self.subtitle = subtitle
    }

    /// A heading; level 1 is the page's own title, so sections start at 2.
    public mutating func addHeading(_ text: String, level: Int = 2) {
        let l = min(6, max(2, level))
        parts.append("<h\(l)>\(HTMLRenderer.inline(text))</h\(l)>")
    }

    /// Markdown prose: headings, paragraphs, lists, inline code, code blocks, blockquotes, tables
    /// and links (shown as their text).
    public mutating func addProse(_ markdown: String) {
        parts.append(HTMLRenderer.markdown(markdown))
    }

    /// A banner that says, in words and not only colour, whether something passed.
    public mutating func addNotice(_ text: String, passed: Bool? = nil) {
        let cls = passed.map { $0 ? "notice pass" : "notice fail" } ?? "notice"
        let word = passed.map { $0 ? "<strong>Passed:</strong> " : "<strong>Failed:</strong> " } ?? ""
        parts.append("<p class=\"\(cls)\">\(word)\(HTMLRenderer.inline(text))</p>")
    }

    /// A plain table (a grade's checks and points, for instance). Cells are text.
    public mutating func addTable(caption: String?, headers: [String], rows: [[String]]) {
        var s = "<div class=\"scroll\"><table>"
        if let caption { s += "<caption>\(HTMLRenderer.escape(caption))</caption>" }
        s += "<thead><tr>" + headers.map { "<th scope=\"col\">\(HTMLRenderer.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for r in rows { s += "<tr>" + r.map { "<td>\(HTMLRenderer.escape($0))</td>" }.joined() + "</tr>" }
        parts.append(s + "</tbody></table></div>")
    }

    /// Each step with its verdict, explanation, system calls and socket table.
    public mutating func addEvents(title: String? = nil, events: [Event]) {
        eventSections += 1
        let prefix = "s\(eventSections)-"
        var s = "<section class=\"steps\">"
        if let title { s += "<h2>\(HTMLRenderer.escape(title))</h2>" }
        s += "<ol class=\"steps\">" + events.map { HTMLRenderer.event($0, idPrefix: prefix) }.joined(separator: "\n") + "</ol></section>"
        parts.append(s)
    }

    /// The sequence diagram of `events` as SVG, followed by the same exchange as a table.
    public mutating func addDiagram(events: [Event], title: String? = nil, actors: ActorAnnotation? = nil) {
        diagrams += 1
        let model = DiagramModel.build(events: events, actors: actors)
        let heading = title ?? "The run as a sequence diagram"
        parts.append(HTMLRenderer.diagram(model, title: heading, id: "sd\(diagrams)"))
    }

    public func render() -> String {
        var s = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="sockstep">
        <title>\(HTMLRenderer.escape(title))</title>
        <style>\(HTMLRenderer.css)</style>
        </head>
        <body>
        <main>
        <header><h1>\(HTMLRenderer.inline(title))</h1>
        """
        if let subtitle { s += "<p class=\"subtitle\">\(HTMLRenderer.inline(subtitle))</p>" }
        s += "</header>\n"
        s += parts.joined(separator: "\n")
        s += "\n</main>\n</body>\n</html>\n"
        return s
    }
}

public enum HTMLRenderer {
    /// A lesson's page: its prose, each step where the file has it, and the diagram of the run.
    public static func page(for result: RunResult) -> String {
        let doc = result.document
        let passed = result.events.filter { $0.verdict.isSuccess }.count
        var page = HTMLPage(title: doc.title, subtitle: doc.meta("summary"))
        page.addNotice("\(passed) of \(result.events.count) steps did what the lesson expects (\(doc.path)).",
                       passed: result.passed)
        var next = 0
        for block in doc.blocks {
            switch block {
            case .heading(let text, let level, _):
                if level == 1 && text == doc.title { continue }
                page.addHeading(text, level: level + 1)
            case .prose(let text, _):
                page.addProse(text)
            case .steps(let steps, _):
                let events = Array(result.events[min(next, result.events.count)..<min(next + steps.count, result.events.count)])
                next += steps.count
                page.parts.append("<ol class=\"steps\">" + events.map { event($0) }.joined(separator: "\n") + "</ol>")
            }
        }
        page.diagrams += 1
        let model = DiagramModel.build(result, actors: ActorAnnotation(document: doc))
        page.parts.append(diagram(model, title: "The run as a sequence diagram", id: "sd1"))
        return page.render()
    }

    static func verdictWord(_ v: Verdict) -> (cls: String, mark: String, word: String) {
        switch v {
        case .passed: return ("passed", "✓", "passed")
        case .expectedError: return ("passed", "✓", "failed as expected")
        case .failed: return ("failed", "✗", "expectation not met")
        case .unexpected: return ("failed", "✗", "unexpected error")
        case .skipped: return ("skipped", "·", "not run")
        }
    }

    /// One step: verdict, explanation, fix, system calls, the C equivalent and the socket table.
    /// `idPrefix` keeps the anchors of several lists of steps on one page apart (`#s2-step-3`).
    public static func event(_ e: Event, idPrefix: String = "") -> String {
        let v = verdictWord(e.verdict)
        var s = "<li class=\"step \(v.cls)\" id=\"\(idPrefix)step-\(e.index)\" value=\"\(e.index)\">"
        s += "<p class=\"head\"><span class=\"mark\" aria-hidden=\"true\">\(v.mark)</span><span class=\"n\">\(e.index).</span> <code class=\"source\">\(escape(e.step.source))</code>"
        if let c = e.step.comment { s += " <span class=\"comment\"># \(escape(c))</span>" }
        s += " <span class=\"verdict\">\(v.word)</span></p>"
        guard e.verdict != .skipped else { return s + "<p>Not run: an earlier step stopped the run.</p></li>" }
        let x = Explainer.explain(e)
        s += "<p>\(inline(x.summary))</p>"
        if let cause = x.cause { s += "<p class=\"cause\">\(inline(cause.text))</p>" }
        for d in x.details { s += "<p>\(inline(d))</p>" }
        for c in x.stateChanges { s += "<p class=\"state\">\(inline(c))</p>" }
        if case .failed(let m) = e.verdict {
            s += "<div class=\"mismatch\"><p>\(inline(m.message))</p><dl><dt>expected</dt><dd><code>\(escape(m.expected))</code></dd>"
            s += "<dt>actual</dt><dd><code>\(escape(m.actual))</code></dd></dl></div>"
        }
        if e.verdict == .unexpected { s += "<p class=\"stop\">This step failed unexpectedly, so the run stopped here.</p>" }
        if let fix = x.fix, e.verdict != .passed { s += "<p class=\"help\"><strong>Help:</strong> \(inline(fix))</p>" }
        if let py = x.pythonException, e.verdict != .passed {
            s += "<p class=\"python\">Python raises <code>\(escape(py))</code>"
            if !x.manPages.isEmpty { s += "; see " + x.manPages.map { "<code>man \(escape($0))</code>" }.joined(separator: ", ") }
            s += ".</p>"
        }
        if !e.syscalls.isEmpty {
            var code = e.syscalls.map { "strace  " + $0 }
            if let c = x.c { code.append("C       " + c) }
            s += "<pre class=\"syscalls\"><code>\(escape(code.joined(separator: "\n")))</code></pre>"
        }
        if !e.sockets.isEmpty { s += socketTable(e.sockets, caption: "Sockets after step \(e.index)") }
        return s + "</li>"
    }

    static func socketTable(_ rows: [SocketSnapshot], caption: String) -> String {
        var s = "<div class=\"scroll\"><table class=\"sockets\"><caption>\(escape(caption))</caption><thead><tr>"
        for h in ["name", "fd", "kind", "local", "peer", "state", "to read", "unacked"] { s += "<th scope=\"col\">\(h)</th>" }
        s += "</tr></thead><tbody>"
        for r in rows {
            var state = r.state ?? "-"
            if let p = r.pending, let b = r.backlog { state += " (\(p)/\(b) waiting)" }
            if r.closed { state += " (closed)" }
            let cells = [r.fd.map(String.init) ?? "-", SocketTableRenderer.kindLabel(r), r.local ?? "-", r.peer ?? "-", state,
                         r.readable.map(String.init) ?? "-", r.unacked.map(String.init) ?? "-"]
            s += "<tr><th scope=\"row\">\(escape(r.name))</th>" + cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }
        return s + "</tbody></table></div>"
    }

    /// The SVG and, for readers who cannot see it, the same exchange as a table.
    static func diagram(_ model: DiagramModel, title: String, id: String) -> String {
        var s = "<section class=\"diagram\" aria-labelledby=\"\(id)-h\"><h2 id=\"\(id)-h\">\(escape(title))</h2>"
        guard !model.actors.isEmpty else { return s + "<p>No socket was created, so there is nothing to draw.</p></section>" }
        s += "<figure><div class=\"scroll\">" + SVGDiagram.render(model: model, title: title, id: id) + "</div>"
        s += "<figcaption>Columns: " + model.actors.map { a in
            "<strong>\(escape(a.name))</strong>" + (a.outside ? " (outside this run: another program, or nothing, at that address)" : a.sockets.count > 1 ? " (sockets " + a.sockets.map { escape($0) }.joined(separator: ", ") + ")" : "")
        }.joined(separator: ", ") + ". Time goes down." + (model.packetSource == .captured ? " The packets are the ones captured on the run's own loopback." : model.notCapturedBecause.map { " The packets are inferred from the calls, not captured: " + escape($0) + "." } ?? "") + "</figcaption></figure>"
        s += "<div class=\"scroll\"><table class=\"sequence\"><caption>The same exchange, step by step</caption>"
        s += "<thead><tr><th scope=\"col\">step</th><th scope=\"col\">what happened</th></tr></thead><tbody>"
        for row in model.rows {
            for item in row.items {
                s += "<tr\(row.failed ? " class=\"failed\"" : "")><td>\(row.index)</td><td>\(escape(model.describe(item)))</td></tr>"
            }
        }
        if let first = model.notRun.first, let last = model.notRun.last {
            s += "<tr><td>\(first == last ? String(first) : "\(first)–\(last)")</td><td>not run: an earlier step stopped the run</td></tr>"
        }
        return s + "</tbody></table></div></section>"
    }

    // MARK: text

    /// Escapes text for HTML and XML alike (the grader's JUnit report uses it too): the markup
    /// characters become entities (the apostrophe too when `apostrophe`, for XML attributes), and
    /// control characters, which neither allows, become U+FFFD.
    public static func escape(_ s: String, apostrophe: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'" where apostrophe: out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || (0xFFFE...0xFFFF).contains(u.value) { out += "\u{FFFD}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    /// Inline Markdown: `code`, **bold**, *emphasis*, [links](url) as their text.
    static func inline(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let tick = rest.firstIndex(of: "`") {
            out += emphasis(String(rest[..<tick]))
            let after = rest[rest.index(after: tick)...]
            if let close = after.firstIndex(of: "`") {
                out += "<code>\(escape(String(after[..<close])))</code>"
                rest = after[after.index(after: close)...]
            } else {
                out += escape("`")
                rest = after
            }
        }
        return out + emphasis(String(rest))
    }

    static func emphasis(_ text: String) -> String {
        var s = escape(links(text))
        s = replacePairs(s, "**", "strong")
        s = replacePairs(s, "__", "strong")
        s = replacePairs(s, "*", "em")
        return s
    }

    /// `[text](url)` → `text`.
    static func links(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "[") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "]"), after[after.index(after: close)...].first == "(",
                  let paren = after[after.index(after: close)...].firstIndex(of: ")") else {
                out += rest[...open]
                rest = after
                continue
            }
            out += rest[..<open] + after[..<close]
            rest = after[after.index(after: paren)...]
        }
        return out + rest
    }

    static func replacePairs(_ s: String, _ marker: String, _ tag: String) -> String {
        let pieces = s.components(separatedBy: marker)
        guard pieces.count >= 3 else { return s }
        var out = pieces[0]
        var i = 1
        while i < pieces.count {
            if i + 1 < pieces.count, !pieces[i].isEmpty, pieces[i].first != " " {
                out += "<\(tag)>\(pieces[i])</\(tag)>" + pieces[i + 1]
                i += 2
            } else {
                out += marker + pieces[i]
                i += 1
            }
        }
        return out
    }

    /// The Markdown subset lessons use, block by block.
    static func markdown(_ text: String) -> String {
        let lines = text.components(separatedBy: "\n")
        var out: [String] = []
        var paragraph: [String] = []
        var i = 0
        func flush() {
            if !paragraph.isEmpty { out.append("<p>" + inline(paragraph.joined(separator: " ")) + "</p>") }
            paragraph = []
        }
        func listItem(_ line: String) -> (ordered: Bool, text: String)? {
            let t = line.drop { $0 == " " }
            if t.hasPrefix("- ") || t.hasPrefix("* ") || t.hasPrefix("+ ") { return (false, String(t.dropFirst(2))) }
            let digits = t.prefix { $0.isNumber }
            if !digits.isEmpty, t.dropFirst(digits.count).hasPrefix(". ") { return (true, String(t.dropFirst(digits.count + 2))) }
            return nil
        }
        while i < lines.count {
            let line = lines[i]
            let trimmed = line.trimmingWhitespace
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                flush()
                let fence = String(trimmed.prefix { $0 == "`" || $0 == "~" })
                var code: [String] = []
                i += 1
                while i < lines.count, !lines[i].trimmingWhitespace.hasPrefix(fence) { code.append(lines[i]); i += 1 }
                out.append("<pre><code>\(escape(code.joined(separator: "\n")))</code></pre>")
                i += 1
            } else if trimmed.isEmpty {
                flush()
                i += 1
            } else if trimmed.hasPrefix(">") {
                flush()
                var quoted: [String] = []
                while i < lines.count, lines[i].trimmingWhitespace.hasPrefix(">") {
                    var q = lines[i].trimmingWhitespace.dropFirst()
                    if q.first == " " { q = q.dropFirst() }
                    quoted.append(String(q))
                    i += 1
                }
                out.append("<blockquote>" + markdown(quoted.joined(separator: "\n")) + "</blockquote>")
            } else if let level = headingLevel(trimmed) {
                flush()
                let l = min(6, level + 1)
                out.append("<h\(l)>\(inline(String(trimmed.dropFirst(level + 1))))</h\(l)>")
                i += 1
            } else if trimmed.hasPrefix("|") {
                flush()
                var rows: [[String]] = []
                while i < lines.count, lines[i].trimmingWhitespace.hasPrefix("|") {
                    let cells = lines[i].trimmingWhitespace.split(separator: "|", omittingEmptySubsequences: false)
                        .dropFirst().map { $0.trimmingWhitespace }
                    let row = cells.last == "" ? Array(cells.dropLast()) : Array(cells)
                    if !row.allSatisfy({ $0.allSatisfy { "-: ".contains($0) } }) { rows.append(row) }
                    i += 1
                }
                guard let head = rows.first else { continue }
                var t = "<div class=\"scroll\"><table><thead><tr>" + head.map { "<th scope=\"col\">\(inline($0))</th>" }.joined() + "</tr></thead><tbody>"
                for r in rows.dropFirst() { t += "<tr>" + r.map { "<td>\(inline($0))</td>" }.joined() + "</tr>" }
                out.append(t + "</tbody></table></div>")
            } else if let first = listItem(line) {
                flush()
                var items: [String] = []
                while i < lines.count {
                    if let item = listItem(lines[i]), item.ordered == first.ordered {
                        items.append(item.text)
                    } else if !lines[i].trimmingWhitespace.isEmpty, lines[i].hasPrefix("  "), !items.isEmpty {
                        items[items.count - 1] += " " + lines[i].trimmingWhitespace
                    } else {
                        break
                    }
                    i += 1
                }
                let tag = first.ordered ? "ol" : "ul"
                out.append("<\(tag)>" + items.map { "<li>\(inline($0))</li>" }.joined() + "</\(tag)>")
            } else {
                paragraph.append(trimmed)
                i += 1
            }
        }
        flush()
        return out.joined(separator: "\n")
    }

    static func headingLevel(_ s: String) -> Int? {
        let n = s.prefix { $0 == "#" }.count
        return (1...6).contains(n) && s.dropFirst(n).first == " " ? n : nil
    }

    static let css = """
    :root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--code:#f6f8fa;--accent:#0969da}
    @media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--pass:#3fb950;--fail:#f85149;--warn:#d29922;--code:#151b23;--accent:#4493f8}}
    *{box-sizing:border-box}
    body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
    main{max-width:60rem;margin:0 auto;padding:1.5rem 1rem 4rem}
    h1{font-size:1.8rem;margin:.2em 0}h2{margin-top:2rem;border-bottom:1px solid var(--line);padding-bottom:.2em}
    .subtitle{color:var(--muted);margin-top:0}
    code,pre,.sequence-diagram text{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
    code{background:var(--code);padding:.1em .3em;border-radius:4px;font-size:.9em}
    pre{background:var(--code);padding:.7em 1em;border-radius:6px;overflow-x:auto;font-size:.85em;line-height:1.4}
    pre code{background:none;padding:0}
    blockquote{margin:1em 0;padding:.2em 1em;border-left:4px solid var(--accent);color:var(--muted)}
    .notice{padding:.6em 1em;border-radius:6px;border:1px solid var(--line)}
    .notice.pass{border-color:var(--pass)}.notice.fail{border-color:var(--fail)}
    ol.steps{list-style:none;padding:0;margin:1em 0}
    .step{border:1px solid var(--line);border-left:5px solid var(--pass);border-radius:6px;padding:.4em 1em;margin:.8em 0}
    .step.failed{border-left-color:var(--fail)}.step.skipped{border-left-color:var(--line);color:var(--muted)}
    .step .head{font-weight:600;margin:.3em 0}.step .n{color:var(--muted);margin-right:.4em}
    .step .source{font-size:1em}
    .mark{display:inline-block;width:1.2em}.passed .mark,.passed .verdict{color:var(--pass)}.failed .mark,.failed .verdict{color:var(--fail)}
    .verdict{font-weight:400;font-size:.85em;margin-left:.5em}.verdict::before{content:"— "}
    .comment{color:var(--muted);font-weight:400}
    .state{color:var(--accent)}.help{color:var(--warn)}.stop,.mismatch p{color:var(--fail)}
    dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em}dd{margin:0}
    .scroll{overflow-x:auto}
    table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
    caption{text-align:left;color:var(--muted);font-size:.95em;padding-bottom:.2em}
    th,td{border:1px solid var(--line);padding:.2em .6em;text-align:left;vertical-align:top}
    thead th{background:var(--code)}
    table.sockets td,table.sockets th{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}
    tr.failed td{color:var(--fail)}
    figure{margin:1em 0}figcaption{color:var(--muted);font-size:.9em}
    .sequence-diagram{max-width:none;height:auto}
    .sequence-diagram text{font-size:12px;fill:var(--fg);stroke:none}
    .sd-box{fill:var(--code);stroke:var(--fg)}.sd-actor{font-weight:700}
    .sd-lifeline{stroke:var(--muted);stroke-width:1}.sd-outside{stroke-dasharray:3 3;fill:var(--muted)}
    .sequence-diagram text.sd-outside{fill:var(--muted)}
    .sd-dot{fill:var(--fg)}.sequence-diagram .sd-error{fill:var(--fail)}
    .sequence-diagram .sd-step{fill:var(--muted);font-size:11px}.sequence-diagram .sd-state{fill:var(--accent);font-style:italic}
    .sd-failed{fill:var(--fail);fill-opacity:.08}
    .sd-arrow{stroke:var(--fg);stroke-width:1.4;fill:none}.sd-head{fill:var(--fg)}
    .sd-data,.sd-datagram{stroke:var(--pass)}.sequence-diagram text.sd-data,.sequence-diagram text.sd-datagram,path.sd-data,path.sd-datagram{fill:var(--pass)}
    .sd-fin{stroke:var(--warn)}.sequence-diagram text.sd-fin,path.sd-fin{fill:var(--warn)}
    .sd-rst{stroke:var(--fail)}.sequence-diagram text.sd-rst,path.sd-rst{fill:var(--fail)}
    line.sd-datagram,line.sd-connection,line.sd-eof{stroke-dasharray:6 4}
    path.sd-head{stroke:none}
    @media print{
    :root{--fg:#000;--bg:#fff;--muted:#444;--line:#999;--code:#f4f4f4}
    body{font-size:10.5pt}main{max-width:none;padding:0}
    .step,figure,table,pre{break-inside:avoid}h2,h3{break-after:avoid}
    .scroll{overflow:visible}.sequence-diagram{max-width:100%}
    }
    """
}

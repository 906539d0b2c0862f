import Foundation
import Testing
@testable import ScenarioFormat

/// NamedValues skips the rewrite of a step that names no known value: skipping must never change
/// a step the rewrite would have changed.
@Suite("named values: the skipped rewrite changes nothing")
struct NamedValuesShortcutTests {
    @Test("on every step of the course, with the named values of its file and a few more")
    func sound() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var checked = 0, skipped = 0
        for dir in ["lessons", "scenarios", "scenarios/exercises"] {
            let folder = root.appendingPathComponent(dir)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".md") {
                let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                guard let doc = DocumentParser.parse(text: text, path: name).document else { continue }
                // Every name a step assigns, bound to a value, so that every use of one is a mention.
                var known: [String: Node] = [:]
                for step in doc.steps { for t in step.targets { known[t] = Node(.int(7), at: step.location, length: 1) } }
                for map in [[:], known] {
                    for step in doc.steps {
                        var nodes = [step.call]
                        if case .value(let v)? = step.expectation { nodes.append(v) }
                        for n in nodes where !NamedValues.mayRewrite(n, map) {
                            skipped += 1
                            #expect(NamedValues.substitute(n, map, asValue: true) == n, "\(step.source)")
                            #expect(NamedValues.substitute(n, map, asValue: false) == n, "\(step.source)")
                            #expect(NamedValues.substitute(n, map, asValue: true, inPattern: true) == n, "\(step.source)")
                        }
                        checked += nodes.count
                    }
                }
            }
        }
        #expect(checked > 1000)
        #expect(skipped > 500)
    }

    @Test("a step that uses a named value or encodes a literal is still rewritten")
    func rewritten() throws {
        let r = DocumentParser.parse(text: "# T\n```steps\nPORT = 0\nM = \"hé\".encode()\ns = socket(AF_INET, SOCK_STREAM)\ns.bind((\"127.0.0.1\", PORT))\ns.send(M) -> 3\ns.send(\"x\".encode()) -> 1\n```\n", path: "t.md")
        let steps = try #require(r.document).steps
        #expect(steps[1].call.expr == .bytes(Array("hé".utf8)))
        guard case .call(_, let bindArgs) = steps[3].call.expr, case .tuple(let items) = bindArgs.first?.expr else { Issue.record("no bind tuple"); return }
        #expect(items.last?.expr == .int(0))
        guard case .call(_, let sendArgs) = steps[4].call.expr else { Issue.record("no send"); return }
        #expect(sendArgs.first?.expr == .bytes(Array("hé".utf8)))
        guard case .call(_, let send2) = steps[5].call.expr else { Issue.record("no send"); return }
        #expect(send2.first?.expr == .bytes([0x78]))
    }
}

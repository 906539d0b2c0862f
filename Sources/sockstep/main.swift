import Foundation
import ScenarioFormat
import Runner
let path = CommandLine.arguments[1]
let r = DocumentParser.parse(data: FileManager.default.contents(atPath: path)!, path: path)
for d in r.diagnostics + Checker.check(r.document!) { print("DIAG", d.location, d.message, d.help ?? "") }
let res = Runner.run(r.document!)
for e in res.events { print(e.index, e.step.source, "=>", e.outcome, e.verdict, e.notes); for s in e.syscalls { print("   ", s) }; for c in e.stateChanges { print("    state", c) } }
print(res.events.last!.sockets)

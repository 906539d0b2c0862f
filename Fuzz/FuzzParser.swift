// libFuzzer entry point for the parser and the checker (built by Fuzz/run.sh, not by SwiftPM).
// Every input must give a result and diagnostics, never a crash, a hang or a trap.
import Foundation
import ScenarioFormat

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    let result = DocumentParser.parse(data: data, path: "fuzz.md")
    if let document = result.document {
        _ = Checker.check(document)
        _ = Checker.check(document, predefined: ["program"])
    }
    return 0
}

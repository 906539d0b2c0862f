import ScenarioFormat

/// The Swift export: planned (one single-file program making the same calls), not written yet.
struct SwiftExporter {
    let document: Document
    init(_ document: Document) { self.document = document }
    func program() throws -> String {
        throw ExportError(message: "Swift export is not available yet", location: SourceLocation(line: 1, column: 1),
                          help: "use `--lang python` for now: it makes the same calls and checks the same expectations")
    }
}

import ScenarioFormat

/// The C export: planned (one single-file program making the same calls), not written yet.
struct CExporter {
    let document: Document
    init(_ document: Document) { self.document = document }
    func program() throws -> String {
        throw ExportError(message: "C export is not available yet", location: SourceLocation(line: 1, column: 1),
                          help: "use `--lang python` for now: it makes the same calls and checks the same expectations")
    }
}

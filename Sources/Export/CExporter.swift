import ScenarioFormat

struct CExporter {
    let document: Document
    init(_ document: Document) { self.document = document }
    func program() throws -> String {
        throw ExportError(message: "C export is not written yet", location: SourceLocation(line: 1, column: 1), help: nil)
    }
}

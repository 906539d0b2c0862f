import ScenarioFormat

struct SwiftExporter {
    let document: Document
    init(_ document: Document) { self.document = document }
    func program() throws -> String {
        throw ExportError(message: "Swift export is not written yet", location: SourceLocation(line: 1, column: 1), help: nil)
    }
}

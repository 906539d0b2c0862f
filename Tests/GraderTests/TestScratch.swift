import Foundation

/// One scratch folder for this test process, removed when the process exits: the tests' fixtures,
/// exported programs and reports go inside it, so a test run leaves nothing in the temporary folder.
enum TestScratch {
    static let root: URL = {
        let dir = URL(fileURLWithPath: TestScratch.path)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestScratch.path) }
        return dir
    }()
    static var path: String { NSTemporaryDirectory() + "sockstep-tests-\(getpid())" }
    static var rootPath: String { root.path + "/" }
}

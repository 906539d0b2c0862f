import FoundationEssentials
import Sockets

/// A file error as one plain phrase for messages like "cannot write FILE: …".
enum ErrorText {
    static func describe(_ error: any Error) -> String {
        if let e = error as? Errno { return e.message + " (\(e.name))" }
        if let c = error as? CocoaError {
            if let posix = c.underlying as? POSIXError {
                let e = Errno(rawValue: posix.code.rawValue)
                return e.message + " (\(e.name))"
            }
            switch c.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: return "No such file or directory"
            case .fileWriteNoPermission, .fileReadNoPermission: return "Permission denied"
            case .fileWriteOutOfSpace: return "No space left on device"
            case .fileWriteVolumeReadOnly: return "Read-only file system"
            case .fileWriteFileExists: return "File exists"
            default: return "the operation failed (error \(c.code.rawValue))"
            }
        }
        return "\(error)"
    }
}

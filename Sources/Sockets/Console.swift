#if canImport(Glibc)
import Glibc
#endif

/// The process's standard streams and a few file calls the command line needs, without Foundation.
public enum Console {
    /// True when `fd` (0, 1, 2) is a terminal.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// The process's environment, read from `environ` (FoundationEssentials' `ProcessInfo.environment`
    /// cost a tenth of `sockstep --version` under callgrind). The first of duplicate names wins, as
    /// with getenv.
    public static func environment() -> [String: String] {
        var out: [String: String] = [:]
        var i = 0
        while let entry = environ[i] {
            i += 1
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
            guard let eq = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<eq]), as: UTF8.self)
            if out[name] == nil {
                out[name] = String(decoding: UnsafeBufferPointer(rebasing: bytes[(eq + 1)...]), as: UTF8.self)
            }
        }
        return out
    }

    /// Ends the process with `status` (C's `exit`: stdio buffers are flushed).
    public static func exit(_ status: Int32) -> Never { Glibc.exit(status) }

    /// Writes all of `text` to `fd` (1 stdout, 2 stderr), going on after partial writes and EINTR;
    /// gives up quietly on any other error (a closed pipe: SIGPIPE is ignored, EPIPE ends the write).
    public static func write(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buf in
            var done = 0
            while done < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + done, buf.count - done)
                if n > 0 { done += n } else if n < 0, errno == EINTR { continue } else { return }
            }
        }
    }
}


#if canImport(Glibc)
import Glibc
#endif

/// The few terminal calls the command line needs: its width, raw mode for the shell's line
/// editor, and reading key bytes. Kept here because this is the only module that imports Glibc.
public enum Terminal {
    /// True when `fd` is a terminal.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// The terminal's width in columns (TIOCGWINSZ), nil when `fd` is not a terminal or the
    /// terminal does not say (a width of 0).
    public static func columns(_ fd: Int32) -> Int? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// The terminal settings saved by `enterRawMode`, to hand back to `restore`.
    public struct Saved: @unchecked Sendable {
        fileprivate var attributes: termios
        fileprivate let fd: Int32
    }

    /// Switches `fd` to raw input (no echo, no line buffering, no signals from Ctrl-C/Ctrl-Z, no
    /// CR→NL translation) and returns the settings to restore; nil when `fd` is not a terminal.
    /// Output processing stays on, so "\n" still starts a new line at the left.
    public static func enterRawMode(_ fd: Int32) -> Saved? {
        var old = termios()
        guard tcgetattr(fd, &old) == 0 else { return nil }
        var raw = old
        raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        raw.c_cflag |= tcflag_t(CS8)
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        // One byte at a time, waiting as long as it takes (VMIN 1, VTIME 0).
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        // TCSANOW: keys typed ahead (while the program started, or pasted) are kept, not flushed.
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return nil }
        return Saved(attributes: old, fd: fd)
    }

    /// Puts back the settings `enterRawMode` saved.
    public static func restore(_ saved: Saved) {
        var attributes = saved.attributes
        _ = tcsetattr(saved.fd, TCSADRAIN, &attributes)
    }

    /// Reads at most `max` bytes from `fd`, retrying EINTR; nil at the end of input or on error.
    public static func readBytes(_ fd: Int32, max: Int = 64) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max)
        switch syscall({ buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, max) } }) {
        case .success(let n) where n > 0: return Array(buffer[0..<n])
        default: return nil
        }
    }

    /// Writes every byte to `fd` (the editor redraws its line with this, unbuffered).
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let r = syscall({ bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } })
            guard case .success(let n) = r, n > 0 else { return }
            offset += n
        }
    }
}

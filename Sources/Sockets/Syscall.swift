#if canImport(Glibc)
import Glibc
#endif

/// The outcome of a call that may be asked not to wait: would-block is a value, not an error.
public enum IOResult<T: Sendable>: Sendable {
    case done(T)
    case wouldBlock
    case failed(Errno)
}

/// The one funnel every system call goes through: reads errno at once and retries EINTR.
@inline(__always)
func syscall<T: FixedWidthInteger>(_ body: () -> T) -> Result<T, Errno> {
    while true {
        let r = body()
        if r == -1 {
            let e = errno
            if e == EINTR { continue }
            return .failure(Errno(rawValue: e))
        }
        return .success(r)
    }
}

/// Like `syscall`, but EAGAIN/EWOULDBLOCK become `.wouldBlock`.
@inline(__always)
func ioSyscall<T: FixedWidthInteger>(_ body: () -> T) -> IOResult<T> {
    switch syscall(body) {
    case .success(let v): return .done(v)
    case .failure(let e) where e == .EAGAIN: return .wouldBlock
    case .failure(let e): return .failed(e)
    }
}

extension Result where Failure == Errno {
    /// Drops the value, keeping success or the errno.
    public var discarded: Result<Void, Errno> { map { _ in () } }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An errno value with a stable name ("ECONNREFUSED"), never a bare Int32.
public struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The symbolic name, as `strace` and `errno.h` spell it.
    public var name: String { Errno.names[rawValue] ?? "E\(rawValue)" }
    /// The C library's message ("Connection refused").
    public var message: String { String(cString: strerror(rawValue)) }
    public var description: String { "\(name) (\(message))" }

    /// Looks an errno up by its name; `EWOULDBLOCK` is an alias of `EAGAIN` here as on Linux.
    public init?(name: String) {
        if name == "EWOULDBLOCK" { self = .EAGAIN; return }
        guard let code = Errno.codes[name] else { return nil }
        self.rawValue = code
    }

    public static let EACCES = Errno(rawValue: Glibc.EACCES)
    public static let EADDRINUSE = Errno(rawValue: Glibc.EADDRINUSE)
    public static let EADDRNOTAVAIL = Errno(rawValue: Glibc.EADDRNOTAVAIL)
    public static let EAFNOSUPPORT = Errno(rawValue: Glibc.EAFNOSUPPORT)
    public static let EAGAIN = Errno(rawValue: Glibc.EAGAIN)
    public static let EALREADY = Errno(rawValue: Glibc.EALREADY)
    public static let EBADF = Errno(rawValue: Glibc.EBADF)
    public static let ECONNABORTED = Errno(rawValue: Glibc.ECONNABORTED)
    public static let ECONNREFUSED = Errno(rawValue: Glibc.ECONNREFUSED)
    public static let ECONNRESET = Errno(rawValue: Glibc.ECONNRESET)
    public static let EDESTADDRREQ = Errno(rawValue: Glibc.EDESTADDRREQ)
    public static let EHOSTUNREACH = Errno(rawValue: Glibc.EHOSTUNREACH)
    public static let EINPROGRESS = Errno(rawValue: Glibc.EINPROGRESS)
    public static let EINTR = Errno(rawValue: Glibc.EINTR)
    public static let EINVAL = Errno(rawValue: Glibc.EINVAL)
    public static let EISCONN = Errno(rawValue: Glibc.EISCONN)
    public static let EMSGSIZE = Errno(rawValue: Glibc.EMSGSIZE)
    public static let EISDIR = Errno(rawValue: Glibc.EISDIR)
    public static let ENOENT = Errno(rawValue: Glibc.ENOENT)
    public static let ENOTCONN = Errno(rawValue: Glibc.ENOTCONN)
    public static let ENOTSOCK = Errno(rawValue: Glibc.ENOTSOCK)
    public static let EOPNOTSUPP = Errno(rawValue: Glibc.EOPNOTSUPP)
    public static let EPIPE = Errno(rawValue: Glibc.EPIPE)
    public static let EPROTONOSUPPORT = Errno(rawValue: Glibc.EPROTONOSUPPORT)
    public static let EPROTOTYPE = Errno(rawValue: Glibc.EPROTOTYPE)
    public static let ETIMEDOUT = Errno(rawValue: Glibc.ETIMEDOUT)
    public static let ENOPROTOOPT = Errno(rawValue: Glibc.ENOPROTOOPT)
    public static let ENETUNREACH = Errno(rawValue: Glibc.ENETUNREACH)
    public static let EMFILE = Errno(rawValue: Glibc.EMFILE)
    public static let ENOBUFS = Errno(rawValue: Glibc.ENOBUFS)
    public static let EPERM = Errno(rawValue: Glibc.EPERM)
    public static let ENAMETOOLONG = Errno(rawValue: Glibc.ENAMETOOLONG)
    public static let ENOTDIR = Errno(rawValue: Glibc.ENOTDIR)
    public static let EFAULT = Errno(rawValue: Glibc.EFAULT)
    public static let ESOCKTNOSUPPORT = Errno(rawValue: Glibc.ESOCKTNOSUPPORT)
    public static let EROFS = Errno(rawValue: Glibc.EROFS)
    public static let EEXIST = Errno(rawValue: Glibc.EEXIST)
    public static let ENOTEMPTY = Errno(rawValue: Glibc.ENOTEMPTY)
    public static let ENXIO = Errno(rawValue: Glibc.ENXIO)
    public static let ENOMEM = Errno(rawValue: Glibc.ENOMEM)

    /// Every errno sockstep knows by name, in a stable order.
    public static let all: [Errno] = [
        .EACCES, .EADDRINUSE, .EADDRNOTAVAIL, .EAFNOSUPPORT, .EAGAIN, .EALREADY, .EBADF,
        .ECONNABORTED, .ECONNREFUSED, .ECONNRESET, .EDESTADDRREQ, .EHOSTUNREACH, .EINPROGRESS,
        .EINTR, .EINVAL, .EISCONN, .EMSGSIZE, .ENOENT, .ENOTCONN, .ENOTSOCK, .EOPNOTSUPP, .EPIPE,
        .EPROTONOSUPPORT, .EPROTOTYPE, .ETIMEDOUT, .ENOPROTOOPT, .ENETUNREACH, .EMFILE, .ENOBUFS,
        .EPERM, .ENAMETOOLONG, .ENOTDIR, .EFAULT, .ESOCKTNOSUPPORT, .EROFS, .EEXIST, .ENOTEMPTY,
        .ENXIO, .ENOMEM,
    ]

    private static let nameList: [(Int32, String)] = [
        (Glibc.EACCES, "EACCES"), (Glibc.EADDRINUSE, "EADDRINUSE"), (Glibc.EADDRNOTAVAIL, "EADDRNOTAVAIL"),
        (Glibc.EAFNOSUPPORT, "EAFNOSUPPORT"), (Glibc.EAGAIN, "EAGAIN"), (Glibc.EALREADY, "EALREADY"),
        (Glibc.EBADF, "EBADF"), (Glibc.ECONNABORTED, "ECONNABORTED"), (Glibc.ECONNREFUSED, "ECONNREFUSED"),
        (Glibc.ECONNRESET, "ECONNRESET"), (Glibc.EDESTADDRREQ, "EDESTADDRREQ"), (Glibc.EHOSTUNREACH, "EHOSTUNREACH"),
        (Glibc.EINPROGRESS, "EINPROGRESS"), (Glibc.EINTR, "EINTR"), (Glibc.EINVAL, "EINVAL"),
        (Glibc.EISCONN, "EISCONN"), (Glibc.EMSGSIZE, "EMSGSIZE"), (Glibc.ENOENT, "ENOENT"),
        (Glibc.ENOTCONN, "ENOTCONN"), (Glibc.ENOTSOCK, "ENOTSOCK"), (Glibc.EOPNOTSUPP, "EOPNOTSUPP"),
        (Glibc.EPIPE, "EPIPE"), (Glibc.EPROTONOSUPPORT, "EPROTONOSUPPORT"), (Glibc.EPROTOTYPE, "EPROTOTYPE"),
        (Glibc.ETIMEDOUT, "ETIMEDOUT"), (Glibc.ENOPROTOOPT, "ENOPROTOOPT"), (Glibc.ENETUNREACH, "ENETUNREACH"),
        (Glibc.EMFILE, "EMFILE"), (Glibc.ENOBUFS, "ENOBUFS"), (Glibc.EPERM, "EPERM"),
        (Glibc.ENAMETOOLONG, "ENAMETOOLONG"), (Glibc.ENOTDIR, "ENOTDIR"), (Glibc.EFAULT, "EFAULT"),
        (Glibc.ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"), (Glibc.EROFS, "EROFS"), (Glibc.EEXIST, "EEXIST"),
        (Glibc.ENOTEMPTY, "ENOTEMPTY"), (Glibc.ENXIO, "ENXIO"), (Glibc.ENOMEM, "ENOMEM"), (Glibc.EISDIR, "EISDIR"),
    ]
    private static let names: [Int32: String] = Dictionary(nameList.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
    private static let codes: [String: Int32] = Dictionary(nameList.map { ($0.1, $0.0) }, uniquingKeysWith: { a, _ in a })
}

import Sockets

/// The explanation of a socket error in grading feedback. One place, so that it can use the same
/// catalog as lessons (the Explain module) once that exists.
enum SocketErrorText {
    static func explain(_ e: Errno, call: String) -> String {
        switch e {
        case .ECONNREFUSED:
            return "\(e.name) (connection refused): nothing was listening on that port, so the kernel answered the connection request with a reset."
        case .ECONNRESET:
            return "\(e.name) (connection reset by peer): the other side aborted the connection, for example by closing it with unread data waiting or by crashing."
        case .EPIPE:
            return "\(e.name) (broken pipe): the other side had already closed the connection, so there was nobody to write to."
        case .ETIMEDOUT:
            return "\(e.name) (timed out): the other side never answered."
        default:
            return "\(e.name) (\(e.message)) from \(call)()."
        }
    }
}

/// `TimeoutError` (`socket.timeout` before Python 3.10): in Python it nearly always means a timeout
/// the program set with `settimeout` expired, not the kernel's ETIMEDOUT. `sockstep explain` shows
/// this first and the errno second.
public enum TimeoutEntry {
    /// The names that mean it: the exception, its old alias, and the expectation `-> timeout`.
    public static let names: Set<String> = ["TimeoutError", "socket.timeout", "timeout"]

    public static let title = "TimeoutError (socket.timeout): a timeout set with settimeout expired"

    public static let meaning = """
    In Python this nearly always comes from the program's own timeout. `s.settimeout(N)` makes every \
    later call on `s` (recv, accept, send, connect) wait at most N seconds; when nothing happens in \
    that time (no data arrived, no client connected, no room in the buffers, no answer to the \
    handshake), the call gives up after N seconds and raises TimeoutError with the message \
    "timed out". No error came from the other side: the time simply ran out. The socket stays usable, \
    and the call can be made again.
    """

    public static let fix = """
    If silence is possible (a slow or quiet peer), catch TimeoutError and retry, or give up cleanly. \
    If the call should not have waited, make the other side act first (send, connect or read) before \
    this call. To wait longer, give settimeout a larger value; settimeout(None) waits forever. In a \
    step: `s.settimeout(0.5)` then `s.recv(1024) -> timeout`.
    """

    public static let kernel = """
    Less often it is the kernel's own timeout, ETIMEDOUT ("[Errno 110] Connection timed out"), which \
    Python raises as TimeoutError too, with an errno: a TCP connect whose SYN was never answered, or \
    keepalive probes that went unanswered. Without settimeout, that is the only way to get it.
    """
}

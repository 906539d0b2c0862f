import ScenarioFormat

/// A lesson as one Swift script on Glibc's socket API (`swift lesson.swift`, or `swiftc` it): a
/// runtime at the top (values shaped like Python's, addresses, the kernel's view, printing
/// outcomes), then `lesson()` with one commented block per step making the real call. It prints the
/// same `step N: OUTCOME` lines as the Python and C exports.
extension SwiftDialect {
    static func commentBlock(_ lines: [String]) -> String {
        lines.map { $0.isEmpty ? "//" : "// " + $0 }.joined(separator: "\n") + "\n\n"
    }
    static func banner(_ text: String) -> String {
        let rule = "// " + String(repeating: "=", count: 86)
        return "\n\(rule)\n// \(text)\n\(rule)\n\n"
    }
    static let buildCommand = "swiftc -o lesson lesson.swift && ./lesson      (or: swift lesson.swift)"
    static let languageFlag = "swift"
    static func declareSocket(_ variable: String, _ name: String) -> String { "let \(variable) = Sock(\(swiftString(name)))\n" }
    static func declareValue(_ variable: String) -> String { "nonisolated(unsafe) var \(variable) = Value.none\n" }
    static let mainOpen = "\nfunc lesson() {\n"
    static let mainStart = ""
    static func mainClose(_ count: Int) -> String { "}\n\nstart()\nlesson()\nexit(finish(\(count)))\n" }
    static func withoutComments(_ body: String) -> String {
        body.split(separator: "\n").filter { !$0.drop(while: { $0 == " " }).hasPrefix("//") }.joined(separator: "\n")
    }
    static let scratch: [(String, String)] = [
        ("sa", "var sa = Address()                       // an address for bind, connect, accept..."),
        ("fd", "var fd: Int32 = -1                       // a new descriptor"),
        ("n", "var n = 0                                // bytes sent or received"),
        ("buf", "var buf: [UInt8] = []                    // where recv() puts the bytes"),
        ("payload", "var payload: [UInt8] = []                // bytes to send"),
        ("pair", "var pair: [Int32] = [-1, -1]             // socketpair()'s two descriptors"),
        ("opt", "var opt: Int32 = 0                       // an integer socket option"),
        ("optlen", "var optlen = socklen_t(0)"),
        ("lg", "var lg = linger()"),
        ("tv", "var tv = timeval()"),
        ("mreq", "var mreq = ip_mreq()"),
        ("iface", "var iface = in_addr()"),
        ("hostname", "var hostname = [CChar](repeating: 0, count: 256)"),
    ]

    static let runtime = #"""
import Glibc

// ======================================================================================
// The runtime: values shaped like Python's, addresses, the kernel's view, and the
// bookkeeping that prints each step's outcome. The lesson itself is `lesson()`, at the end.
// ======================================================================================

// Glibc imports these as enums or Int: the lesson's names as the Int32 the socket calls take.
let SOCK_STREAM = Int32(Glibc.SOCK_STREAM.rawValue), SOCK_DGRAM = Int32(Glibc.SOCK_DGRAM.rawValue)
let SOCK_SEQPACKET = Int32(Glibc.SOCK_SEQPACKET.rawValue), SOCK_RAW = Int32(Glibc.SOCK_RAW.rawValue)
let IPPROTO_IP = Int32(Glibc.IPPROTO_IP), IPPROTO_TCP = Int32(Glibc.IPPROTO_TCP), IPPROTO_UDP = Int32(Glibc.IPPROTO_UDP)
let IPPROTO_IPV6 = Int32(Glibc.IPPROTO_IPV6), IPPROTO_SCTP = Int32(Glibc.IPPROTO_SCTP)
let MSG_PEEK = Int32(Glibc.MSG_PEEK), MSG_OOB = Int32(Glibc.MSG_OOB), MSG_WAITALL = Int32(Glibc.MSG_WAITALL)
let MSG_DONTWAIT = Int32(Glibc.MSG_DONTWAIT)
let SHUT_RD = Int32(Glibc.SHUT_RD), SHUT_WR = Int32(Glibc.SHUT_WR), SHUT_RDWR = Int32(Glibc.SHUT_RDWR)

let HANG_SECONDS: UInt32 = 10  // the watchdog: a call that waits this long is reported as `blocks`

/// A value a step returned or an expectation names, shaped like Python's; `any` is `_`.
indirect enum Value {
    case none, any
    case bool(Bool), int(Int), float(Double), str(String), bytes([UInt8])
    case tuple([Value]), list([Value])
    case socket(Sock)
}

/// Any socket address (IPv4, IPv6, a Unix-domain path) with its length.
struct Address {
    var storage = sockaddr_storage()
    var len: socklen_t = 0
    var family: Int32 { Int32(storage.ss_family) }

    /// Calls `body` with the address as the `const struct sockaddr *` and length the C calls take.
    func with<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, len) } }
    }

    /// Calls `body` with room for an address the kernel fills in (accept, recvfrom, getsockname).
    mutating func receive<T>(_ body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> T) -> T {
        len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var l = len
        let r = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, &l) } }
        len = l
        return r
    }
}

/// One socket of the lesson, by the name the lesson gave it.
final class Sock {
    let name: String
    var fd: Int32 = -1        // -1 once closed: every call then fails with EBADF, as in Python
    var family: Int32 = 0, type: Int32 = 0
    var timeout: Double = -1  // Python's settimeout(): < 0 blocking, 0 non-blocking, > 0 seconds
    var backlog = 0           // as given to listen()
    var local = Address(), peer = Address()  // last known, for the kernel's view after close()
    init(_ name: String) { self.name = name }
}

nonisolated(unsafe) var runDirectory = ""                 // Unix-domain socket paths live here
nonisolated(unsafe) var stepNumber = 0                     // the step running now
nonisolated(unsafe) var outcome = "ok"                     // "ok", an errno name, "blocks", "timeout" or a Python exception
nonisolated(unsafe) var result = Value.none                // what the step returned
nonisolated(unsafe) var failures = 0                       // steps that did not do what the lesson expects
nonisolated(unsafe) var hung: sig_atomic_t = 0             // set by the watchdog
nonisolated(unsafe) var attempt: (socket: Sock, flags: Int32)?  // a non-blocking attempt (`-> blocks`)
nonisolated(unsafe) var sockets: [Sock] = []               // every socket made, closed at the end

func ip(_ host: String, _ port: Int) -> Value { .tuple([.str(host), .int(port)]) }

func item(_ v: Value, _ k: Int) -> Value {
    switch v {
    case .tuple(let items), .list(let items): return k < items.count ? items[k] : .none
    default: return .none
    }
}

// MARK: steps: outcomes, expectations, verdicts

var ok: Bool { outcome == "ok" }

/// The step fails with a Python exception that has no errno (OverflowError, TypeError...).
@discardableResult func fail(_ exception: String) -> Bool {
    if ok { outcome = exception }
    return false
}

func errnoName(_ e: Int32) -> String {
    let names: [Int32: String] = [
        EACCES: "EACCES", EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL", EAFNOSUPPORT: "EAFNOSUPPORT", EAGAIN: "EAGAIN",
        EALREADY: "EALREADY", EBADF: "EBADF", ECONNABORTED: "ECONNABORTED", ECONNREFUSED: "ECONNREFUSED", ECONNRESET: "ECONNRESET",
        EDESTADDRREQ: "EDESTADDRREQ", EHOSTUNREACH: "EHOSTUNREACH", EINPROGRESS: "EINPROGRESS", EINTR: "EINTR", EINVAL: "EINVAL",
        EISCONN: "EISCONN", EMSGSIZE: "EMSGSIZE", ENOENT: "ENOENT", ENOTCONN: "ENOTCONN", ENOTSOCK: "ENOTSOCK", EOPNOTSUPP: "EOPNOTSUPP",
        EPIPE: "EPIPE", EPROTONOSUPPORT: "EPROTONOSUPPORT", EPROTOTYPE: "EPROTOTYPE", ETIMEDOUT: "ETIMEDOUT", ENOPROTOOPT: "ENOPROTOOPT",
        ENETUNREACH: "ENETUNREACH", EMFILE: "EMFILE", ENOBUFS: "ENOBUFS", EPERM: "EPERM", ENAMETOOLONG: "ENAMETOOLONG", ENOTDIR: "ENOTDIR",
        EFAULT: "EFAULT", ESOCKTNOSUPPORT: "ESOCKTNOSUPPORT", EROFS: "EROFS", EEXIST: "EEXIST", ENOTEMPTY: "ENOTEMPTY", ENXIO: "ENXIO",
        ENOMEM: "ENOMEM", ENFILE: "ENFILE", ENOSPC: "ENOSPC",
    ]
    return names[e] ?? "E\(e)"
}

/// A system call's result: -1 sets the step's outcome from errno.
@discardableResult func check<T: BinaryInteger>(_ r: T) -> Bool {
    if !ok { return false }                   // the step already failed before this call
    if r >= 0 { return true }
    if errno == EINTR && hung != 0 { outcome = "blocks" }
    else if attempt != nil && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS) { outcome = "blocks" }
    else { outcome = errnoName(errno) }
    return false
}

func returned(_ v: Value) { if ok { result = v } }

func begin(_ n: Int) {
    stepNumber = n
    outcome = "ok"
    result = .none
    hung = 0
    alarm(HANG_SECONDS)
}

/// `-> blocks` is proven without waiting: the socket is made non-blocking for this one step, and
/// EAGAIN (or EINPROGRESS) means a blocking call would have waited. A socket the lesson made
/// non-blocking itself is left alone, so its EAGAIN stays an error, as in Python.
func trying(_ s: Sock) {
    if s.fd < 0 || s.timeout == 0 { return }
    let flags = fcntl(s.fd, F_GETFL)
    attempt = (s, flags)
    _ = fcntl(s.fd, F_SETFL, flags | O_NONBLOCK)
}

enum Expectation {
    case nothing, ok, eof, blocks, timeout
    case value(Value, String)
    case error(String, [String])  // the lesson's name, and the names that satisfy it ("*": any error)

    var text: String {
        switch self {
        case .nothing: return ""
        case .ok: return "ok"
        case .eof: return "eof"
        case .blocks: return "blocks"
        case .timeout: return "timeout"
        case .value(_, let t): return t
        case .error(let name, _): return name
        }
    }
}

/// Equality with `_` matching anything; an int equals an equal float or bool; tuples and lists alike.
func same(_ v: Value, _ p: Value) -> Bool {
    switch (v, p) {
    case (_, .any): return true
    case (.tuple(let a), .tuple(let b)), (.list(let a), .list(let b)), (.tuple(let a), .list(let b)), (.list(let a), .tuple(let b)):
        return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
    case (.int(let a), .int(let b)): return a == b
    case (.int(let a), .bool(let b)), (.bool(let b), .int(let a)): return a == (b ? 1 : 0)
    case (.bool(let a), .bool(let b)): return a == b
    case (.int(let a), .float(let b)), (.float(let b), .int(let a)): return Double(a) == b
    case (.float(let a), .float(let b)): return a == b
    case (.str(let a), .str(let b)): return a == b
    case (.str(let name), .int(let n)):
        // getaddrinfo's results name their family and type ("AF_INET"); a lesson may expect the constant.
        let constants: [String: Int32] = ["AF_INET": AF_INET, "AF_INET6": AF_INET6, "AF_UNIX": AF_UNIX,
                                          "SOCK_STREAM": SOCK_STREAM, "SOCK_DGRAM": SOCK_DGRAM,
                                          "SOCK_RAW": Int32(Glibc.SOCK_RAW.rawValue), "SOCK_SEQPACKET": Int32(Glibc.SOCK_SEQPACKET.rawValue)]
        return constants[name].map { Int($0) == n } ?? false
    case (.bytes(let a), .bytes(let b)): return a == b
    case (.socket(let a), .socket(let b)): return a === b
    case (.none, .none): return true
    default: return false
    }
}

func repr(_ v: Value) -> String {
    func quoted(_ b: [UInt8]) -> String {
        var s = "'"
        for c in b {
            switch c {
            case 92, 39: s += "\\" + String(UnicodeScalar(c))
            case 10: s += "\\n"
            case 13: s += "\\r"
            case 9: s += "\\t"
            case 32..<127: s += String(UnicodeScalar(c))
            default: s += "\\x" + (c < 16 ? "0" : "") + String(c, radix: 16)
            }
        }
        return s + "'"
    }
    switch v {
    case .none: return "None"
    case .any: return "_"
    case .bool(let b): return b ? "True" : "False"
    case .int(let i): return String(i)
    case .float(let f): return String(f)
    case .str(let s): return quoted(Array(s.utf8))
    case .bytes(let b): return "b" + quoted(b)
    case .socket(let s): return s.name
    case .tuple(let items): return "(" + items.map(repr).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
    case .list(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
    }
}

func holdsSocket(_ v: Value) -> Bool {
    if case .socket = v { return true }
    if case .tuple(let items) = v { return items.contains { if case .socket = $0 { return true }; return false } }
    return false
}

/// Did the step do what the lesson expects, and can a real program go on after it? (sockstep's rules)
func judge(_ want: Expectation) -> (passed: Bool, stops: Bool) {
    if ok {
        switch want {
        case .nothing, .ok: return (true, false)
        case .eof:
            if case .bytes(let b) = result { return (b.isEmpty, false) }
            if case .tuple(let items) = result, case .bytes(let b)? = items.first { return (b.isEmpty, false) }
            return (false, false)
        case .value(let v, _): return (same(result, v), false)
        default: return (false, false)
        }
    }
    var passed = false
    switch want {
    case .nothing: return (false, true)
    case .blocks: passed = outcome == "blocks"
    case .timeout: passed = outcome == "timeout"
    case .error(let name, let errnos):
        if outcome == "timeout" { passed = errnos.contains("ETIMEDOUT") || errnos.contains("*") }
        else if outcome != "blocks" {
            passed = errnos.contains(outcome) || errnos.contains("*") || outcome == name
                || (outcome == "EAGAIN" && errnos.contains("EWOULDBLOCK")) || (outcome == "socket.gaierror" && name.contains("gaierror"))
        }
    default: break
    }
    return (passed, !passed)
}

func remember(_ s: Sock) {
    guard s.fd >= 0 else { return }
    var a = Address()
    if a.receive({ getsockname(s.fd, $0, $1) }) == 0 { s.local = a }
    if a.receive({ getpeername(s.fd, $0, $1) }) == 0 { s.peer = a }
}

/// Ends a step: prints `step N: OUTCOME`, checks the expectation; false when the lesson cannot go on.
func end(_ want: Expectation) -> Bool {
    alarm(0)
    if let (s, flags) = attempt {
        if s.fd >= 0 { _ = fcntl(s.fd, F_SETFL, flags) }
        attempt = nil
    }
    sockets.forEach(remember)
    let (passed, stops) = judge(want)
    var line = "step \(stepNumber): \(outcome)"
    if ok, !holdsSocket(result) { if case .none = result {} else { line += " " + repr(result) } }
    if !passed {
        failures += 1
        if case .nothing = want { line += " -- unexpected" } else { line += " -- expected \(want.text)" }
    }
    print(line)
    fflush(stdout)
    return !stops
}

// MARK: sockets

/// `name = <a new socket>`: the lesson's name now stands for descriptor fd. As in Python, the
/// socket the name stood for before is closed.
func adopt(_ s: Sock, _ fd: Int32) {
    if s.fd >= 0 { close(s.fd) }
    if !sockets.contains(where: { $0 === s }) { sockets.append(s) }
    s.fd = fd
    var n = socklen_t(MemoryLayout<Int32>.size)
    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &s.family, &n)
    n = socklen_t(MemoryLayout<Int32>.size)
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &s.type, &n)
    s.timeout = -1
    s.backlog = 0
    s.local = Address()
    s.peer = Address()
}

/// Python's close(): the descriptor becomes -1, and a second close() does nothing.
func closeSocket(_ s: Sock) -> Int32 {
    if s.fd < 0 { return 0 }
    remember(s)
    let r = close(s.fd)
    s.fd = -1
    return r
}

/// Python's settimeout(): there is no such call. Python makes the socket non-blocking and waits
/// with poll() before each call; waitReady() below does the same.
func setTimeout(_ s: Sock, _ seconds: Double) -> Int32 {
    if s.fd < 0 { errno = EBADF; return -1 }
    let flags = fcntl(s.fd, F_GETFL)
    if fcntl(s.fd, F_SETFL, seconds < 0 ? flags & ~O_NONBLOCK : flags | O_NONBLOCK) < 0 { return -1 }
    s.timeout = seconds
    return 0
}

/// Python's setblocking(False) is fcntl(fd, F_SETFL, flags | O_NONBLOCK).
func setBlocking(_ s: Sock, _ on: Int32) -> Int32 { setTimeout(s, on != 0 ? -1 : 0) }

/// Before a call on a socket with a timeout: waits until it is ready, or sets `timeout`.
func waitReady(_ s: Sock, _ events: Int32) -> Bool {
    if !ok { return false }
    if s.fd < 0 || s.timeout <= 0 { return true }  // blocking or non-blocking: just call
    var p = pollfd(fd: s.fd, events: Int16(events), revents: 0)
    if poll(&p, 1, Int32(s.timeout * 1000 + 0.5)) == 0 { outcome = "timeout"; return false }
    return true
}

/// connect() on a socket with a timeout: EINPROGRESS, then wait for the handshake, then SO_ERROR.
func finishConnect(_ s: Sock, _ r: Int32) -> Int32 {
    if r == 0 || errno != EINPROGRESS || s.timeout <= 0 { return r }
    if !waitReady(s, Int32(POLLOUT)) { return -1 }
    var err: Int32 = 0
    var n = socklen_t(MemoryLayout<Int32>.size)
    getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &n)
    if err != 0 { errno = err; return -1 }
    return 0
}

/// There is no sendall(): send() may take only part of the bytes, so loop until all are in.
func sendAll(_ s: Sock, _ data: [UInt8], _ count: Int, _ flags: Int32) -> Int {
    var sent = 0
    while sent < count {
        if !waitReady(s, Int32(POLLOUT)) { return -1 }
        let n = data[sent..<count].withUnsafeBytes { send(s.fd, $0.baseAddress, $0.count, flags) }
        if n < 0 { return -1 }
        sent += n
    }
    return 0
}

/// The loop every tutorial writes: recv() until n bytes have arrived or the peer closed.
func recvAll(_ s: Sock, _ buf: UnsafeMutableRawPointer, _ n: Int, _ flags: Int32) -> Int {
    var got = 0
    while got < n {
        if !waitReady(s, Int32(POLLIN)) { return -1 }
        let k = recv(s.fd, buf + got, n - got, flags)
        if k < 0 { return -1 }
        if k == 0 { break }
        got += k
    }
    return got
}

/// Python's settimeout() value as a timeval, for SO_RCVTIMEO and SO_SNDTIMEO.
func timevalOf(_ seconds: Double) -> timeval {
    timeval(tv_sec: Int(seconds), tv_usec: Int(((seconds - Double(Int(seconds))) * 1e6).rounded()))
}

// MARK: addresses

/// A Python address value for a socket of family s.family: ("127.0.0.1", 8080) for IPv4 and
/// IPv6, a path (inside this run's own directory) for a Unix-domain socket. Python checks the
/// port's range itself (OverflowError); a UInt16 conversion would trap instead.
func toAddress(_ s: Sock, _ v: Value, _ a: inout Address) -> Bool {
    if !ok { return false }
    a = Address()
    if s.family == AF_UNIX {
        guard case .str(let name) = v else { return fail("TypeError") }
        let path = Array((runDirectory + "/" + name).utf8)
        var un = sockaddr_un()
        un.sun_family = sa_family_t(AF_UNIX)
        guard path.count < MemoryLayout.size(ofValue: un.sun_path) else { outcome = "ENAMETOOLONG"; return false }
        withUnsafeMutableBytes(of: &un.sun_path) { raw in for (i, c) in path.enumerated() { raw[i] = c } }
        store(un, &a)
        a.len = socklen_t(MemoryLayout<sa_family_t>.size + path.count + 1)
        return true
    }
    guard case .tuple(let items) = v, items.count >= 2, case .str(var host) = items[0] else { return fail("TypeError") }
    let port: Int
    switch items[1] {
    case .int(let p): port = p
    case .bool(let b): port = b ? 1 : 0
    default: return fail("TypeError")
    }
    guard (0...65535).contains(port) else { return fail("OverflowError") }
    if host == "localhost" { host = s.family == AF_INET6 ? "::1" : "127.0.0.1" }
    if s.family == AF_INET6 {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { host = "::ffff:" + host }  // IPv4 on an IPv6 socket
        var in6 = sockaddr_in6()
        in6.sin6_family = sa_family_t(AF_INET6)
        in6.sin6_port = UInt16(port).bigEndian
        guard inet_pton(AF_INET6, host, &in6.sin6_addr) == 1 else { return fail("socket.gaierror") }
        store(in6, &a)
        return true
    }
    var in4 = sockaddr_in()
    in4.sin_family = sa_family_t(AF_INET)
    in4.sin_port = UInt16(port).bigEndian
    guard inet_pton(AF_INET, host, &in4.sin_addr) == 1 else { return fail("socket.gaierror") }
    store(in4, &a)
    return true
}

/// Copies a sockaddr_in, sockaddr_in6 or sockaddr_un into an Address.
func store<T>(_ sa: T, _ a: inout Address) {
    withUnsafeBytes(of: sa) { src in withUnsafeMutableBytes(of: &a.storage) { $0.copyMemory(from: src) } }
    a.len = socklen_t(MemoryLayout<T>.size)
}

/// A kernel address as Python shows it: (host, port), (host, port, 0, 0) or a path.
func addressValue(_ a: Address) -> Value {
    if a.len == 0 { return .none }
    var host = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    var storage = a.storage
    switch a.family {
    case AF_INET:
        return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
            var addr = p.pointee.sin_addr
            inet_ntop(AF_INET, &addr, &host, socklen_t(host.count))
            return ip(String(cString: host), Int(UInt16(bigEndian: p.pointee.sin_port)))
        } }
    case AF_INET6:
        return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
            var addr = p.pointee.sin6_addr
            inet_ntop(AF_INET6, &addr, &host, socklen_t(host.count))
            return .tuple([.str(String(cString: host)), .int(Int(UInt16(bigEndian: p.pointee.sin6_port))), .int(0), .int(0)])
        } }
    case AF_UNIX:
        let offset = MemoryLayout<sa_family_t>.size
        if Int(a.len) <= offset { return .str("") }
        let path = withUnsafeBytes(of: storage) { raw in String(decoding: raw[offset..<Int(a.len)].prefix { $0 != 0 }, as: UTF8.self) }
        return .str(path.hasPrefix(runDirectory + "/") ? String(path.dropFirst(runDirectory.count + 1)) : path)
    default: return .none
    }
}

/// sockstep sends multicast by the loopback interface only (IP_MULTICAST_IF 127.0.0.1).
func multicastByLoopback(_ s: Sock, _ a: Address) {
    guard case .tuple(let items) = addressValue(a), case .str(let host)? = items.first,
          let first = Int(host.split(separator: ".").first ?? ""), (224...239).contains(first) else { return }
    var lo = in_addr()
    inet_pton(AF_INET, "127.0.0.1", &lo)
    setsockopt(s.fd, Int32(Glibc.IPPROTO_IP), IP_MULTICAST_IF, &lo, socklen_t(MemoryLayout<in_addr>.size))
}

/// `s.address` is getsockname(), `s.peer` is getpeername().
func addressOf(_ s: Sock) -> Value {
    var a = Address()
    if ok && check(a.receive { getsockname(s.fd, $0, $1) }) { return addressValue(a) }
    return .none
}

func peerOf(_ s: Sock) -> Value {
    var a = Address()
    if ok && check(a.receive { getpeername(s.fd, $0, $1) }) { return addressValue(a) }
    return .none
}

// MARK: the kernel's view: TCP_INFO for the state, ioctls for queued bytes

let tcpStateNames = ["CLOSED", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
                     "TIME_WAIT", "CLOSED", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"]

func isTCP(_ s: Sock) -> Bool { s.type == SOCK_STREAM && (s.family == AF_INET || s.family == AF_INET6) }

func tcpInfo(_ s: Sock) -> tcp_info? {
    guard isTCP(s), s.fd >= 0 else { return nil }
    var info = tcp_info()
    var n = socklen_t(MemoryLayout<tcp_info>.size)
    return getsockopt(s.fd, IPPROTO_TCP, TCP_INFO, &info, &n) == 0 ? info : nil
}

/// How /proc/net/tcp writes an address: the raw 32-bit words in hex, then the port.
func procHex(_ a: Address) -> String {
    func hex(_ v: UInt32, _ width: Int) -> String { let h = String(v, radix: 16, uppercase: true); return String(repeating: "0", count: max(0, width - h.count)) + h }
    return withUnsafeBytes(of: a.storage) { raw in
        let port = UInt16(raw[2]) << 8 | UInt16(raw[3])
        let words = a.family == AF_INET ? [raw.load(fromByteOffset: 4, as: UInt32.self)]
                                        : (0..<4).map { raw.load(fromByteOffset: 8 + 4 * $0, as: UInt32.self) }
        return words.map { hex($0, 8) }.joined() + ":" + hex(UInt32(port), 4)
    }
}

/// The state Linux still keeps for a closed connection (TIME_WAIT...), from /proc/net/tcp.
func closedState(_ s: Sock) -> String? {
    guard isTCP(s), s.local.len > 0, s.peer.len > 0 else { return nil }
    let local = procHex(s.local), peer = procHex(s.peer)
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let f = fopen(table, "r") else { continue }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), f) != nil {
            let cols = String(cString: line).split(separator: " ")
            if cols.count > 3, cols[1] == local, cols[2] == peer, let st = Int(cols[3], radix: 16), st < 12 { return tcpStateNames[st] }
        }
    }
    return nil
}

func currentState(_ s: Sock) -> String {
    if s.fd < 0 { return closedState(s) ?? "CLOSED" }
    if isTCP(s) {
        let st = tcpInfo(s).map { Int($0.tcpi_state) < 12 ? tcpStateNames[Int($0.tcpi_state)] : "CLOSED" } ?? "CLOSED"
        // The descriptor is done, but the connection may still wait in TIME_WAIT.
        if st == "CLOSED", closedState(s) == "TIME_WAIT" { return "TIME_WAIT" }
        return st
    }
    var on: Int32 = 0
    var n = socklen_t(MemoryLayout<Int32>.size)
    if s.type == SOCK_STREAM && getsockopt(s.fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &n) == 0 && on != 0 { return "LISTENING" }
    var a = Address()
    if a.receive({ getpeername(s.fd, $0, $1) }) == 0 { return "CONNECTED" }
    if s.type == SOCK_STREAM { return "UNCONNECTED" }
    // A datagram socket without a peer: bound to an address, or not yet.
    var b = Address()
    guard b.receive({ getsockname(s.fd, $0, $1) }) == 0 else { return "UNBOUND" }
    switch addressValue(b) {
    case .tuple(let t) where t.count >= 2: if case .int(let p) = t[1] { return p != 0 ? "BOUND" : "UNBOUND" }
    case .str(let path): return path.isEmpty ? "UNBOUND" : "BOUND"
    default: break
    }
    return "UNBOUND"
}

/// A state is reached through others when a packet (an ACK, a FIN) is still in flight.
let onTheWay: [String: Set<String>] = ["ESTABLISHED": ["SYN_SENT", "SYN_RECV"], "FIN_WAIT2": ["FIN_WAIT1"],
                                       "TIME_WAIT": ["FIN_WAIT1", "FIN_WAIT2", "CLOSING"], "CLOSED": ["LAST_ACK", "FIN_WAIT1", "CLOSING"],
                                       "CLOSE_WAIT": ["ESTABLISHED"]]

func nowSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// `s.state`: the TCP state; when a packet is still in flight towards `want`, waits for it (2 s at most).
func stateOf(_ s: Sock, _ want: String? = nil) -> Value {
    let deadline = nowSeconds() + 2
    var st = currentState(s)
    while let want, st != want, onTheWay[want]?.contains(st) == true, nowSeconds() < deadline {
        var p = pollfd(fd: s.fd, events: Int16(POLLIN) | 0x2000 /* POLLRDHUP */, revents: 0)
        poll(&p, s.fd >= 0 ? 1 : 0, 2)
        st = currentState(s)
    }
    return .str(st)
}

/// `s.readable` (FIONREAD) and `s.unacked` (SIOCOUTQ): bytes queued in the kernel.
func queued(_ s: Sock, _ request: Int) -> Value {
    if s.fd < 0 { errno = EBADF; check(-1); return .none }
    var n: Int32 = 0
    if ioctl(s.fd, UInt(request), &n) < 0 { n = 0 }
    return .int(Int(n))
}

func readableOf(_ s: Sock) -> Value { queued(s, Int(FIONREAD)) }
func unackedOf(_ s: Sock) -> Value { queued(s, Int(TIOCOUTQ)) }

/// `s.pending` and `s.backlog`: a listening TCP socket's accept queue, from TCP_INFO.
func pendingOf(_ s: Sock) -> Value {
    if s.fd < 0 { errno = EBADF; check(-1); return .none }
    guard let info = tcpInfo(s), info.tcpi_state == 10 else { return .int(0) }
    return .int(Int(info.tcpi_unacked))
}

func backlogOf(_ s: Sock) -> Value {
    if s.fd < 0 { errno = EBADF; check(-1); return .none }
    guard let info = tcpInfo(s), info.tcpi_state == 10 else { return .int(s.backlog) }
    return .int(Int(info.tcpi_sacked))
}

// MARK: what Swift spells differently from Python

/// A Python int argument that was not written as a number.
func asInt(_ v: Value) -> Int32 {
    switch v {
    case .int(let i): return Int32(truncatingIfNeeded: i)
    case .bool(let b): return b ? 1 : 0
    default: fail("TypeError"); return 0
    }
}

func asBytes(_ v: Value) -> [UInt8]? {
    if case .bytes(let b) = v { return b }
    fail("TypeError")
    return nil
}

func asSeconds(_ v: Value) -> Double {
    switch v {
    case .none: return -1
    case .int(let i): if i < 0 { fail("ValueError") }; return Double(i)
    case .float(let f): if f < 0 { fail("ValueError") }; return f
    default: fail("TypeError"); return -1
    }
}

/// b"x" * 3, b"a" + b"b", 2 ** 10, MSG_PEEK | MSG_DONTWAIT, -1 on values.
func + (a: Value, b: Value) -> Value {
    switch (a, b) {
    case (.int(let x), .int(let y)): return .int(x + y)
    case (.bytes(let x), .bytes(let y)): return .bytes(x + y)
    case (.str(let x), .str(let y)): return .str(x + y)
    default: fail("TypeError"); return .none
    }
}

func * (a: Value, b: Value) -> Value {
    switch (a, b) {
    case (.int(let x), .int(let y)): return .int(x * y)
    case (.bytes(let x), .int(let n)), (.int(let n), .bytes(let x)): return .bytes(Array([[UInt8]](repeating: x, count: max(0, n)).joined()))
    default: fail("TypeError"); return .none
    }
}

func power(_ a: Value, _ b: Value) -> Value {
    guard case .int(let x) = a, case .int(let y) = b else { fail("TypeError"); return .none }
    if y < 0 { return .float(1 / Double(x)) }
    var r = 1
    for _ in 0..<min(y, 64) { r = r &* x }
    return .int(r)
}

func | (a: Value, b: Value) -> Value {
    guard case .int(let x) = a, case .int(let y) = b else { fail("TypeError"); return .none }
    return .int(x | y)
}

prefix func - (a: Value) -> Value {
    switch a {
    case .int(let x): return .int(-x)
    case .float(let x): return .float(-x)
    default: fail("TypeError"); return .none
    }
}

func hostFamily(_ v: Value) -> Int32 {
    if case .tuple(let items) = v, case .str(let h)? = items.first, h.contains(":") { return AF_INET6 }
    return AF_INET
}

/// create_server((host, port)): socket(), SO_REUSEADDR, bind(), listen(), as Python does it.
func createServer(_ where_: Value) -> Int32 {
    let s = Sock("server")
    s.family = hostFamily(where_)
    var a = Address()
    guard toAddress(s, where_, &a) else { return -1 }
    let fd = socket(s.family, SOCK_STREAM, 0)
    if fd < 0 { return -1 }
    var on: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
    if a.with({ bind(fd, $0, $1) }) < 0 || listen(fd, 128) < 0 {
        let saved = errno
        close(fd)
        errno = saved
        return -1
    }
    return fd
}

/// create_connection((host, port), timeout): socket() and connect() (Python also tries each
/// address getaddrinfo() gives; here the host is always a number or localhost).
func createConnection(_ where_: Value, _ timeout: Double) -> Int32 {
    let s = Sock("client")
    s.family = hostFamily(where_)
    s.type = SOCK_STREAM
    var a = Address()
    guard toAddress(s, where_, &a) else { return -1 }
    s.fd = socket(s.family, SOCK_STREAM, 0)
    if s.fd < 0 { return -1 }
    if timeout >= 0 { _ = setTimeout(s, timeout) }
    if finishConnect(s, a.with { connect(s.fd, $0, $1) }) < 0 {
        let saved = errno
        close(s.fd)
        errno = saved
        return -1
    }
    if timeout >= 0 { _ = setTimeout(s, -1) }
    return s.fd
}

/// getaddrinfo(host, port, family, type): the list of (family, type, proto, canonname, address).
func lookup(_ host: Value, _ port: Value, _ family: Int32, _ type: Int32) -> Value {
    if !ok { return .none }
    guard case .str(let name) = host else { fail("TypeError"); return .none }
    var service = "0"
    if case .int(let p) = port { service = String(p) } else if case .str(let p) = port { service = p }
    var hints = addrinfo()
    hints.ai_family = family
    hints.ai_socktype = type
    var found: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(name, service, &hints, &found) == 0 else { fail("socket.gaierror"); return .none }
    defer { freeaddrinfo(found) }
    let familyNames = [AF_INET: "AF_INET", AF_INET6: "AF_INET6", AF_UNIX: "AF_UNIX"]
    let typeNames = [SOCK_STREAM: "SOCK_STREAM", SOCK_DGRAM: "SOCK_DGRAM", SOCK_SEQPACKET: "SOCK_SEQPACKET"]
    var out: [Value] = []
    var p = found
    while let info = p {
        var a = Address()
        a.len = info.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &a.storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(a.len))) }
        out.append(.tuple([.str(familyNames[info.pointee.ai_family] ?? "AF_UNSPEC"), .str(typeNames[info.pointee.ai_socktype] ?? "SOCK_RAW"),
                           .int(Int(info.pointee.ai_protocol)), .str(""), addressValue(a)]))
        p = info.pointee.ai_next
    }
    return .list(out)
}

/// select(rlist, wlist, xlist, timeout), here with poll(): the three lists of sockets that are ready.
func selectReady(_ lists: [Value], _ timeout: Double, proveBlocks: Bool = false) -> Value {
    if !ok { return .none }
    var fds: [pollfd] = []
    var socks: [[Sock]] = []
    let events = [Int16(POLLIN), Int16(POLLOUT), Int16(POLLPRI)]
    for (k, l) in lists.enumerated() {
        guard case .list(let items) = l else { fail("TypeError"); return .none }
        var these: [Sock] = []
        for i in items {
            guard case .socket(let s) = i else { fail("TypeError"); return .none }
            if s.fd < 0 { errno = EBADF; check(-1); return .none }
            these.append(s)
            fds.append(pollfd(fd: s.fd, events: events[k], revents: 0))
        }
        socks.append(these)
    }
    let r = poll(&fds, nfds_t(fds.count), timeout < 0 ? -1 : Int32(timeout * 1000))
    if !check(r) { return .none }
    if r == 0 && proveBlocks { outcome = "blocks"; return .none }  // nothing ready: it would wait
    var ready: [Value] = []
    var i = 0
    for (k, these) in socks.enumerated() {
        var l: [Value] = []
        for s in these {
            if fds[i].revents & (events[k] | Int16(POLLERR) | Int16(POLLHUP)) != 0 { l.append(.socket(s)) }
            i += 1
        }
        ready.append(.list(l))
    }
    return .tuple(ready)
}

/// Before the first step: the run's directory, the watchdog, and SIGPIPE ignored (a lesson wants
/// to see EPIPE as an error, as Python does, not die of the signal).
func start() {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in hung = 1 }
    action.sa_flags = 0                      // no SA_RESTART: a call the watchdog interrupts fails with EINTR
    sigaction(SIGALRM, &action, nil)
    signal(SIGPIPE, SIG_IGN)
    var template = Array("/tmp/sockstep-XXXXXX".utf8CString)
    guard mkdtemp(&template) != nil else { perror("mkdtemp"); exit(2) }
    runDirectory = String(cString: template)
}

/// After the last step (or the one that stopped the lesson): the steps not run, then cleanup.
func finish(_ total: Int) -> Int32 {
    if stepNumber < total { for n in stepNumber + 1...total { print("step \(n): not run") } }
    sockets.forEach { _ = closeSocket($0) }
    if let dir = opendir(runDirectory) {
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { unlink(runDirectory + "/" + name) }
        }
        closedir(dir)
    }
    rmdir(runDirectory)
    return failures > 0 ? 1 : 0
}
"""#
}

/// A Swift string literal.
func swiftString(_ s: String) -> String {
    var out = "\""
    for ch in s.unicodeScalars {
        switch ch {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if ch.value < 32 || ch.value == 127 { out += "\\u{\(String(ch.value, radix: 16))}" } else { out.unicodeScalars.append(ch) }
        }
    }
    return out + "\""
}

/// Bytes as a Swift `[UInt8]` expression: `Array("Hello".utf8)` for ASCII, else a list of numbers.
func swiftBytes(_ b: [UInt8]) -> String {
    if b.allSatisfy({ $0 < 128 }) { return "Array(\(swiftString(String(decoding: b, as: UTF8.self))).utf8)" }
    return "[" + b.map { "0x" + ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ", ") + "] as [UInt8]"
}

/// How Swift writes what `NativeWriter` writes for both languages.
enum SwiftDialect: Dialect {
    static let isC = false
    static let languageName = "Swift"
    static var reserved: Set<String> { swiftReservedNames }

    static func string(_ s: String) -> String { swiftString(s) }
    static func comment(_ text: String) -> String { "// " + text }
    static func stmt(_ e: String) -> String { e }
    static func discard(_ e: String) -> String { "_ = " + e }
    static func ifThen(_ condition: String, _ body: [String]) -> [String] {
        if body.count == 1, !body[0].contains("//"), condition.count + body[0].count < 72 { return ["if \(condition) { \(body[0]) }"] }
        return ["if \(condition) {"] + body.map { "    " + $0 } + ["}"]
    }
    /// The runtime's names in Swift's camel case: `to_address` is `toAddress`.
    static func helper(_ name: String) -> String {
        let parts = name.split(separator: "_")
        return parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }.joined()
    }
    static func cast(_ type: String, _ e: String) -> String { "\(type)(\(e))" }
    static func size(of variable: String, _ type: String) -> String { "socklen_t(MemoryLayout<\(type == "int" ? "Int32" : type)>.size)" }
    static func ref(_ variable: String) -> String { variable }
    static let okCondition = "ok"

    static func intValue(_ e: String) -> String { Int(e) != nil ? ".int(\(e))" : ".int(Int(\(e)))" }
    static func floatValue(_ e: String) -> String { ".float(\(e))" }
    static func boolValue(_ e: String) -> String { ".bool(\(e))" }
    static let noneValue = "Value.none"
    static let anyValue = ".any"
    static func textValue(_ s: String) -> String { ".str(\(swiftString(s)))" }
    static func bytesValue(_ b: [UInt8]) -> String { ".bytes(\(swiftBytes(b)))" }
    static func constantValue(_ name: String) -> String { ".int(Int(\(name)))" }
    static func socketValue(_ ref: String) -> String { ".socket(\(ref))" }
    static func tupleValue(_ items: [String]) -> String { ".tuple([\(items.joined(separator: ", "))])" }
    static func listValue(_ items: [String]) -> String { ".list([\(items.joined(separator: ", "))])" }
    static func ipValue(_ host: String, _ port: Int) -> String { "ip(\(swiftString(host)), \(port))" }
    static func binary(_ op: Expr.BinaryOp, _ a: String, _ b: String) -> String {
        op == .power ? "power(\(a), \(b))" : "(\(a) \(op.rawValue) \(b))"
    }
    static func negate(_ a: String) -> String { "-(\(a))" }

    static let addressValue = "addressValue(sa)"
    static let addressArg = "sa"
    static func withAddress(_ function: String, _ lead: String) -> String { "sa.with { \(function)(\(lead), $0, $1) }" }
    static func receivingAddress(_ function: String, _ lead: String) -> (before: [String], call: String) {
        ([], "sa.receive { \(function)(\(lead), $0, $1) }")
    }
    static func buffer(size: String, literal: Bool) -> (before: [String], pointer: String, length: String, guard: String?) {
        (["buf = [UInt8](repeating: 0, count: \(literal ? size : "Int(\(size))"))"], "&buf", "buf.count", literal ? nil : "ok")
    }
    static func received(_ n: String) -> String { ".bytes(Array(buf[..<\(n)]))" }
    static func payload(literal: [UInt8]?, value: String?) -> (before: [String], pointer: String, length: String, guard: String?) {
        if let b = literal { return (["payload = \(swiftBytes(b))"], "payload", "payload.count", nil) }
        return (["payload = asBytes(\(value ?? "Value.none")) ?? []"], "payload", "payload.count", "ok")
    }
    static func waiting(_ ref: String, _ events: String) -> String { "waitReady(\(ref), Int32(\(events)))" }
    static func unnamed(_ index: Int, _ what: String) -> (ref: String, make: [String]) {
        let local = index == 0 ? "spare" : "spare\(index + 1)"
        return (local, ["let \(local) = Sock(\"\(what)\")   // a socket the lesson did not name"])
    }
    static func stateOf(_ ref: String, want: String?) -> String { want.map { "stateOf(\(ref), \"\($0)\")" } ?? "stateOf(\(ref))" }

    static func heading(_ text: String) -> String { "\n    // ---- \(text)\n" }
    static func prose(_ lines: [String]) -> String { "\n" + lines.map { $0.isEmpty ? "    //" : "    // " + $0 }.joined(separator: "\n") + "\n" }
    static func stepHead(_ number: Int, line: Int, source: String, comment: String?) -> String {
        "\n    // step \(number) (line \(line)): \(source)\(comment.map { "   # " + $0 } ?? "")\n"
    }
    static func begin(_ number: Int) -> String { "begin(\(number))" }
    static func end(_ expectation: String) -> String { "if !end(\(expectation)) { return }" }

    static let expectNothing = ".nothing"
    static let expectOK = ".ok"
    static let expectEOF = ".eof"
    static let expectBlocks = ".blocks"
    static let expectTimeout = ".timeout"
    static func expectValue(_ v: String, _ text: String) -> String { ".value(\(v), \(text))" }
    static func expectError(_ name: String, _ errnos: [String]) -> String {
        ".error(\(swiftString(name)), [\(errnos.map(swiftString).joined(separator: ", "))])"
    }
}

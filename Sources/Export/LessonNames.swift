import ScenarioFormat

/// The names a lesson gives, sorted into sockets and values, as the C and Swift exports declare
/// them: a socket is a `sock` (its descriptor, family, type, timeout), anything else a `value`.
/// Python lets a name hold a socket at one step and a value at another; the exports then keep two
/// variables, the value one with a `_value` suffix.
struct LessonNames {
    /// Socket names, in the order the lesson first makes them.
    private(set) var sockets: [String] = []
    /// Value names, in the order the lesson first assigns them.
    private(set) var values: [String] = []
    /// For every step (by number), the socket names given a timeout by an earlier step: their calls
    /// wait with poll() first, as Python's do.
    private(set) var timedBefore: [Int: Set<String>] = [:]

    init(_ shapes: [StepShape]) {
        var timed: Set<String> = []
        for s in shapes {
            timedBefore[s.number] = timed
            switch s.kind {
            case .method(let r, "settimeout", _): timed.insert(r)
            case .function("create_connection", let args) where args.count > 1: s.step.targets.first.map { _ = timed.insert($0) }
            case .method(let r, "dup", _) where timed.contains(r): s.step.targets.first.map { _ = timed.insert($0) }
            default: break
            }
            let made = LessonNames.socketTargets(s)
            for (i, t) in s.step.targets.enumerated() {
                if made.contains(i) { if !sockets.contains(t) { sockets.append(t) } } else if !values.contains(t) { values.append(t) }
            }
        }
    }

    /// Which of a step's targets receive sockets (what the call's definition returns).
    static func socketTargets(_ s: StepShape) -> Set<Int> {
        guard let returns = s.definition?.returns else { return [] }
        return returns.socketTargets
    }

    func isSocket(_ name: String) -> Bool { sockets.contains(name) }
}

/// Identifiers an exported program cannot give to a lesson's names: the language's keywords, the
/// runtime's own names and the C library's functions. A lesson name that clashes gets a `_` suffix.
let cReservedNames: Set<String> = [
    // C keywords
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern", "float", "for",
    "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "main", "errno", "stdin", "stdout", "stderr",
    // the runtime
    "value", "address", "sock", "run_dir", "step_number", "outcome", "result", "failures", "hung", "attempt", "attempt_flags", "sockets",
    "socket_count", "grab", "none", "any", "boolean", "integer", "real", "socket_value", "bytes", "text", "items_of", "tuple", "list", "ip",
    "item", "ok", "fail", "errno_name", "check", "returned", "begin", "trying", "expectation", "expect_nothing", "expect_ok", "expect_eof",
    "expect_blocks", "expect_timeout", "expect_value", "expect_error", "listed", "same", "print_value", "holds_socket", "judge", "remember",
    "end", "adopt", "unnamed", "close_socket", "set_timeout", "set_blocking", "wait_ready", "finish_connect", "send_all", "room",
    "timeval_of", "to_address", "address_value", "multicast_by_loopback", "address_of", "peer_of", "tcp_state_names", "is_tcp", "tcp_info_of",
    "proc_hex", "closed_state", "current_state", "on_the_way", "now_seconds", "state_of", "queued", "readable_of", "unacked_of", "pending_of",
    "backlog_of", "as_int", "is_bytes", "as_seconds", "add", "multiply", "power", "bit_or", "negative", "create_server", "create_connection",
    "family_name", "type_name", "lookup", "select_ready", "on_alarm", "start", "finish", "stop",
    // scratch variables of main
    "sa", "fd", "n", "buf", "pair", "opt", "optlen", "lg", "tv", "mreq", "iface", "service", "hostname", "lists", "spare", "payload",
    // the C library's names a program may meet
    "socket", "socketpair", "bind", "listen", "connect", "accept", "accept4", "send", "sendto", "sendmsg", "recv", "recvfrom", "recvmsg",
    "shutdown", "close", "getsockname", "getpeername", "setsockopt", "getsockopt", "select", "poll", "ioctl", "fcntl", "read", "write",
    "open", "pipe", "dup", "dup2", "alarm", "signal", "sigaction", "kill", "pause", "sleep", "usleep", "time", "clock", "exit", "abort",
    "free", "malloc", "calloc", "realloc", "memcpy", "memset", "memmove", "memcmp", "strlen", "strcmp", "strcpy", "strstr", "strchr", "index",
    "printf", "puts", "putchar", "perror", "remove", "rename", "unlink", "rmdir", "link", "sync", "stat", "access", "htons", "ntohs", "htonl",
    "ntohl", "inet_pton", "inet_ntop", "gethostname", "getaddrinfo", "freeaddrinfo", "getservbyname", "mkdtemp", "fopen", "fclose", "fgets",
    "rand", "random", "abs", "labs", "div", "y0", "y1", "yn", "j0", "j1", "jn", "environ", "optarg", "optind", "timezone", "daylight",
    "opendir", "readdir", "closedir", "truncate", "nice", "brk", "sbrk", "wait", "fork", "exec", "system", "getpid", "optopt", "opterr",
    // GCC's built-in functions (a variable of the same name is an error)
    "log", "log2", "log10", "exp", "exp2", "pow", "sqrt", "cbrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
    "tanh", "floor", "ceil", "round", "trunc", "fabs", "fmod", "fmin", "fmax", "hypot", "ldexp", "frexp", "modf", "nan", "gamma", "lgamma",
    "tgamma", "erf", "erfc", "scalb", "significand", "drem", "isnan", "isinf", "signbit", "ffs", "bzero", "bcopy", "bcmp", "memchr", "strcat",
    "strncat", "strncmp", "strncpy", "strdup", "strndup", "strrchr", "strspn", "strcspn", "strpbrk", "sprintf", "snprintf", "vprintf",
    "fprintf", "fputs", "fputc", "fwrite", "putc", "scanf", "sscanf", "fscanf", "toupper", "tolower", "isalpha", "isdigit", "isspace",
    "isupper", "islower", "isalnum", "isprint", "ispunct", "isxdigit", "iscntrl", "isgraph", "isascii", "toascii", "atoi", "atol", "strtol",
    "strtoul", "strtod", "qsort", "bsearch", "getenv", "setenv", "raise", "setjmp", "longjmp", "alloca", "exit", "_exit", "expect",
]

/// Identifiers a Swift export cannot give to a lesson's names.
let swiftReservedNames: Set<String> = [
    "as", "associatedtype", "break", "case", "catch", "class", "continue", "default", "defer", "deinit", "do", "else", "enum", "extension",
    "fallthrough", "false", "fileprivate", "for", "func", "guard", "if", "import", "in", "init", "inout", "internal", "is", "let", "nil",
    "open", "operator", "private", "protocol", "public", "repeat", "rethrows", "return", "self", "Self", "static", "struct", "subscript",
    "super", "switch", "throw", "throws", "true", "try", "typealias", "var", "where", "while", "Any", "Type", "some", "any",
    // the runtime
    "Value", "Address", "Sock", "Expectation", "Step", "runDirectory", "outcome", "result", "failures", "hung", "attempt", "sockets",
    "begin", "end", "check", "fail", "ok", "returned", "trying", "adopt", "unnamed", "closeSocket", "setTimeout", "setBlocking", "waitReady",
    "finishConnect", "sendAll", "room", "toAddress", "addressValue", "addressOf", "peerOf", "stateOf", "readableOf", "unackedOf", "pendingOf",
    "backlogOf", "asInt", "isBytes", "asSeconds", "lookup", "selectReady", "createServer", "createConnection", "start", "finish", "ip", "item",
    "multicastByLoopback", "errnoName", "same", "judge", "remember", "stepNumber", "timevalOf", "expect", "main", "total",
    // scratch variables and the C library's functions the program calls
    "sa", "fd", "n", "buf", "pair", "opt", "optlen", "lg", "tv", "mreq", "iface", "service", "hostname", "spare", "r",
    "socket", "socketpair", "bind", "listen", "connect", "accept", "send", "sendto", "recv", "recvfrom", "shutdown", "close", "getsockname",
    "getpeername", "setsockopt", "getsockopt", "select", "poll", "ioctl", "fcntl", "read", "write", "alarm", "signal", "exit", "errno",
    "gethostname", "getaddrinfo", "getservbyname", "print", "min", "max", "abs", "stop", "htons", "ntohs", "inet_pton", "inet_ntop",
    "store", "repr", "same", "holdsSocket", "tcpInfo", "isTCP", "procHex", "closedState", "currentState", "onTheWay", "nowSeconds", "queued",
    "power", "hostFamily", "tcpStateNames", "HANG_SECONDS", "log", "exp", "sqrt", "pow", "floor", "ceil", "round",
]

/// A lesson's name as an identifier of the target language.
func identifier(_ name: String, reserved: Set<String>) -> String {
    var n = name
    while reserved.contains(n) { n += "_" }
    return n
}

/// Text safe inside a C or Swift block comment: no `*/`, no nested `/*`, no `??` trigraphs.
func commentSafe(_ s: String) -> String {
    s.replacingAll("*/", with: "* /").replacingAll("/*", with: "/ *").replacingAll("??", with: "? ?")
}

/// A step's expected value as the lesson wrote it, for the report line (`-- expected b'Hello'`).
func expectationText(_ e: Expectation, _ document: Document) -> String {
    PythonExporter(document).describe(e)
}

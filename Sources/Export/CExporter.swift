import ScenarioFormat

/// A lesson as one C11 program on the real socket API: a small runtime at the top (values shaped
/// like Python's, addresses, the kernel's view, printing outcomes), then `main` with one commented
/// block per step, making the real call (`connect(client.fd, &sa.sa, sa.len)`). It prints the same
/// `step N: OUTCOME` lines as the Python export and compiles with `cc -std=c11 -Wall -Wextra -Werror`.
extension CDialect {
    static func commentBlock(_ lines: [String]) -> String {
        "/*\n" + lines.map { $0.isEmpty ? " *" : " * " + commentSafe($0) }.joined(separator: "\n") + "\n */\n"
    }
    static func banner(_ text: String) -> String {
        let rule = String(repeating: "=", count: 86)
        return "\n/* \(rule)\n * \(text)\n * \(rule) */\n\n"
    }
    static let buildCommand = "cc -std=c11 -Wall -Wextra -o lesson lesson.c && ./lesson"
    static let languageFlag = "c"
    static func declareSocket(_ variable: String, _ name: String) -> String { "sock \(variable) = {.name = \(string(name)), .fd = -1};\n" }
    static func declareValue(_ variable: String) -> String { "value \(variable);\n" }
    static let mainOpen = "\nint main(void) {\n"
    static let mainStart = "\n    start();\n"
    static func mainClose(_ count: Int) -> String { "\n" + (count == 0 ? "" : "stop:\n") + "    return finish(\(count));\n}\n" }
    static func withoutComments(_ body: String) -> String { Export.withoutComments(body) }
    static let scratch: [(String, String)] = [
        ("sa", "address sa = {.len = 0};                 /* an address for bind, connect, accept... */"),
        ("fd", "int fd = -1;                             /* a new descriptor */"),
        ("n", "ssize_t n = 0;                           /* bytes sent or received */"),
        ("buf", "char *buf = NULL;                        /* where recv() puts the bytes */"),
        ("pair", "int pair[2] = {-1, -1};                  /* socketpair()'s two descriptors */"),
        ("opt", "int opt = 0;                             /* an integer socket option */"),
        ("optlen", "socklen_t optlen = 0;"),
        ("lg", "struct linger lg = {.l_onoff = 0};"),
        ("tv", "struct timeval tv = {.tv_sec = 0};"),
        ("mreq", "struct ip_mreq mreq = {.imr_multiaddr.s_addr = 0};"),
        ("iface", "struct in_addr iface = {.s_addr = 0};"),
        ("service", "struct servent *service = NULL;"),
        ("hostname", "char hostname[256] = \"\";"),
        ("lists", "value lists[3] = {{.kind = V_LIST}, {.kind = V_LIST}, {.kind = V_LIST}};"),
        ("payload", "value payload = {.kind = V_NONE};        /* bytes to send, made at run time */"),
        ("spare", "sock *spare = NULL;                      /* a socket the lesson did not name */"),
    ]

    static let runtime = #"""
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ======================================================================================
 * The runtime: values shaped like Python's, addresses, the kernel's view, and the
 * bookkeeping that prints each step's outcome. The lesson itself is `main`, at the end.
 * ====================================================================================== */

#define HANG_SECONDS 10  /* the watchdog: a call that waits this long is reported as `blocks` */

typedef struct sock sock;

/* A value a step returned or an expectation names: None, bool, int, float, str, bytes,
 * a tuple, a list, a socket, or `_` (matches anything). Values live until the program ends. */
typedef struct value {
    enum { V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_BYTES, V_TUPLE, V_LIST, V_SOCKET, V_ANY } kind;
    long long i;
    double f;
    size_t len;             /* bytes of a str or bytes value, items of a tuple or list */
    unsigned char *bytes;
    struct value *items;
    sock *socket;
} value;

/* Any socket address: IPv4, IPv6 or a Unix-domain path, with its length. */
typedef struct address {
    socklen_t len;
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
        struct sockaddr_un un;
        struct sockaddr_storage any;
    };
} address;

/* One socket of the lesson, by the name the lesson gave it. */
struct sock {
    const char *name;
    int fd;                 /* -1 once closed: every call then fails with EBADF, as in Python */
    int family, type;
    double timeout;         /* Python's settimeout(): < 0 blocking, 0 non-blocking, > 0 seconds */
    int backlog;            /* as given to listen() */
    address local, peer;    /* last known, for the kernel's view after close() */
};

char run_dir[] = "/tmp/sockstep-XXXXXX";   /* Unix-domain socket paths live here */
int step_number;                           /* the step running now */
const char *outcome;                       /* "ok", an errno name, "blocks", "timeout" or a Python exception */
value result;                              /* what the step returned */
int failures;                              /* steps that did not do what the lesson expects */
volatile sig_atomic_t hung;                /* set by the watchdog */
sock *attempt;                             /* the socket of a non-blocking attempt (`-> blocks`) */
int attempt_flags;                         /* its file status flags before the attempt */
sock *sockets[256];                        /* every socket made, closed at the end */
int socket_count;

void *grab(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) { perror("calloc"); exit(2); }
    return p;
}

/* ---- making values ---- */

value none(void) { value v = {.kind = V_NONE}; return v; }
value any(void) { value v = {.kind = V_ANY}; return v; }
value boolean(int b) { value v = {.kind = V_BOOL, .i = b != 0}; return v; }
value integer(long long i) { value v = {.kind = V_INT, .i = i}; return v; }
value real(double f) { value v = {.kind = V_FLOAT, .f = f}; return v; }
value socket_value(sock *s) { value v = {.kind = V_SOCKET, .socket = s}; return v; }

value bytes(const void *p, size_t n) {
    value v = {.kind = V_BYTES, .len = n, .bytes = grab(n + 1)};
    if (n && p) memcpy(v.bytes, p, n);
    return v;
}

value text(const char *s) {
    value v = bytes(s, strlen(s));
    v.kind = V_STR;
    return v;
}

value items_of(int kind, int n, va_list ap) {
    value v = {.kind = kind, .len = (size_t)n, .items = grab(sizeof(value) * (size_t)n)};
    for (int k = 0; k < n; k++) v.items[k] = va_arg(ap, value);
    return v;
}

value tuple(int n, ...) { va_list ap; va_start(ap, n); value v = items_of(V_TUPLE, n, ap); va_end(ap); return v; }
value list(int n, ...) { va_list ap; va_start(ap, n); value v = items_of(V_LIST, n, ap); va_end(ap); return v; }

/* An IPv4 or IPv6 address as the lesson writes it: ("127.0.0.1", 0). */
value ip(const char *host, long long port) { return tuple(2, text(host), integer(port)); }

value item(value v, size_t k) { return (v.kind == V_TUPLE || v.kind == V_LIST) && k < v.len ? v.items[k] : none(); }

/* ---- steps: outcomes, expectations, verdicts ---- */

int ok(void) { return strcmp(outcome, "ok") == 0; }

/* The step fails with a Python exception that has no errno (OverflowError, TypeError...). */
int fail(const char *exception) {
    if (ok()) outcome = exception;
    return 0;
}

const char *errno_name(int e) {
    static char other[16];
    switch (e) {
#define NAME(x) case x: return #x;
    NAME(EACCES) NAME(EADDRINUSE) NAME(EADDRNOTAVAIL) NAME(EAFNOSUPPORT) NAME(EAGAIN) NAME(EALREADY)
    NAME(EBADF) NAME(ECONNABORTED) NAME(ECONNREFUSED) NAME(ECONNRESET) NAME(EDESTADDRREQ) NAME(EHOSTUNREACH)
    NAME(EINPROGRESS) NAME(EINTR) NAME(EINVAL) NAME(EISCONN) NAME(EMSGSIZE) NAME(ENOENT) NAME(ENOTCONN)
    NAME(ENOTSOCK) NAME(EOPNOTSUPP) NAME(EPIPE) NAME(EPROTONOSUPPORT) NAME(EPROTOTYPE) NAME(ETIMEDOUT)
    NAME(ENOPROTOOPT) NAME(ENETUNREACH) NAME(EMFILE) NAME(ENOBUFS) NAME(EPERM) NAME(ENAMETOOLONG)
    NAME(ENOTDIR) NAME(EFAULT) NAME(ESOCKTNOSUPPORT) NAME(EROFS) NAME(EEXIST) NAME(ENOTEMPTY) NAME(ENXIO)
    NAME(ENOMEM) NAME(ENFILE) NAME(ENOSPC)
#undef NAME
    }
    snprintf(other, sizeof other, "E%d", e);
    return other;
}

/* A system call's result: -1 sets the step's outcome from errno. */
int check(long r) {
    if (!ok()) return 0;                      /* the step already failed before this call */
    if (r >= 0) return 1;
    if (errno == EINTR && hung) outcome = "blocks";
    else if (attempt && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS)) outcome = "blocks";
    else outcome = errno_name(errno);
    return 0;
}

void returned(value v) { if (ok()) result = v; }

void begin(int n) {
    step_number = n;
    outcome = "ok";
    result = none();
    hung = 0;
    alarm(HANG_SECONDS);
}

/* `-> blocks` is proven without waiting: the socket is made non-blocking for this one step, and
 * EAGAIN (or EINPROGRESS) means a blocking call would have waited. A socket the lesson made
 * non-blocking itself is left alone, so its EAGAIN stays an error, as in Python. */
void trying(sock *s) {
    if (s->fd < 0 || s->timeout == 0) return;
    attempt = s;
    attempt_flags = fcntl(s->fd, F_GETFL);
    fcntl(s->fd, F_SETFL, attempt_flags | O_NONBLOCK);
}

typedef struct expectation {
    enum { E_NOTHING, E_OK, E_VALUE, E_ERROR, E_BLOCKS, E_TIMEOUT, E_EOF } kind;
    value value;
    const char *errnos;     /* E_ERROR: the names that satisfy it, space-separated ("*": any error) */
    const char *text;       /* as the lesson wrote it */
} expectation;

expectation expect_nothing(void) { expectation e = {.kind = E_NOTHING, .text = ""}; return e; }
expectation expect_ok(void) { expectation e = {.kind = E_OK, .text = "ok"}; return e; }
expectation expect_eof(void) { expectation e = {.kind = E_EOF, .text = "eof"}; return e; }
expectation expect_blocks(void) { expectation e = {.kind = E_BLOCKS, .text = "blocks"}; return e; }
expectation expect_timeout(void) { expectation e = {.kind = E_TIMEOUT, .text = "timeout"}; return e; }
expectation expect_value(value v, const char *text) { expectation e = {.kind = E_VALUE, .value = v, .text = text}; return e; }
expectation expect_error(const char *name, const char *errnos) { expectation e = {.kind = E_ERROR, .errnos = errnos, .text = name}; return e; }

int listed(const char *word, const char *words) {
    size_t n = strlen(word);
    for (const char *p = words; (p = strstr(p, word)) != NULL; p += n)
        if ((p == words || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    return 0;
}

/* getaddrinfo's results name their family and type ("AF_INET"); a lesson may expect the constant. */
int names_constant(value v, value p) {
    static const struct { const char *name; long long value; } constants[] = {
        {"AF_INET", AF_INET}, {"AF_INET6", AF_INET6}, {"AF_UNIX", AF_UNIX},
        {"SOCK_STREAM", SOCK_STREAM}, {"SOCK_DGRAM", SOCK_DGRAM}, {"SOCK_RAW", SOCK_RAW}, {"SOCK_SEQPACKET", SOCK_SEQPACKET}};
    if (v.kind != V_STR || p.kind != V_INT) return 0;
    for (size_t k = 0; k < sizeof constants / sizeof constants[0]; k++)
        if (strlen(constants[k].name) == v.len && memcmp(constants[k].name, v.bytes, v.len) == 0) return constants[k].value == p.i;
    return 0;
}

/* Equality with `_` matching anything; an int equals an equal float or bool; tuples and lists alike. */
int same(value v, value p) {
    if (p.kind == V_ANY) return 1;
    if (names_constant(v, p)) return 1;
    if ((v.kind == V_TUPLE || v.kind == V_LIST) && (p.kind == V_TUPLE || p.kind == V_LIST)) {
        if (v.len != p.len) return 0;
        for (size_t k = 0; k < v.len; k++) if (!same(v.items[k], p.items[k])) return 0;
        return 1;
    }
    if ((v.kind == V_INT || v.kind == V_BOOL) && (p.kind == V_INT || p.kind == V_BOOL)) return v.i == p.i;
    if (v.kind == V_INT && p.kind == V_FLOAT) return (double)v.i == p.f;
    if (v.kind == V_FLOAT && p.kind == V_INT) return v.f == (double)p.i;
    if (v.kind != p.kind) return 0;
    switch (v.kind) {
    case V_FLOAT: return v.f == p.f;
    case V_STR: case V_BYTES: return v.len == p.len && memcmp(v.bytes, p.bytes, v.len) == 0;
    case V_SOCKET: return v.socket == p.socket;
    default: return 1;
    }
}

void print_value(value v) {
    switch (v.kind) {
    case V_NONE: printf("None"); break;
    case V_ANY: printf("_"); break;
    case V_BOOL: printf(v.i ? "True" : "False"); break;
    case V_INT: printf("%lld", v.i); break;
    case V_FLOAT: printf("%g", v.f); break;
    case V_SOCKET: printf("%s", v.socket->name); break;
    case V_STR: case V_BYTES:
        printf(v.kind == V_BYTES ? "b'" : "'");
        for (size_t k = 0; k < v.len; k++) {
            unsigned char c = v.bytes[k];
            if (c == '\\' || c == '\'') printf("\\%c", c);
            else if (c == '\n') printf("\\n");
            else if (c == '\r') printf("\\r");
            else if (c == '\t') printf("\\t");
            else if (c < 32 || c >= 127) printf("\\x%02x", c);
            else putchar(c);
        }
        putchar('\'');
        break;
    case V_TUPLE: case V_LIST:
        putchar(v.kind == V_TUPLE ? '(' : '[');
        for (size_t k = 0; k < v.len; k++) { if (k) printf(", "); print_value(v.items[k]); }
        if (v.kind == V_TUPLE && v.len == 1) putchar(',');
        putchar(v.kind == V_TUPLE ? ')' : ']');
        break;
    }
}

int holds_socket(value v) {
    if (v.kind == V_SOCKET) return 1;
    if (v.kind == V_TUPLE) for (size_t k = 0; k < v.len; k++) if (v.items[k].kind == V_SOCKET) return 1;
    return 0;
}

/* Did the step do what the lesson expects, and can a real program go on after it? (sockstep's rules) */
void judge(expectation want, int *passed, int *stops) {
    *passed = 0;
    *stops = 0;
    if (ok()) {
        if (want.kind == E_NOTHING || want.kind == E_OK) *passed = 1;
        else if (want.kind == E_EOF) *passed = (result.kind == V_BYTES && result.len == 0)
                                               || (result.kind == V_TUPLE && result.len && result.items[0].kind == V_BYTES && result.items[0].len == 0);
        else if (want.kind == E_VALUE) *passed = same(result, want.value);
        return;
    }
    if (want.kind == E_NOTHING) { *stops = 1; return; }
    if (strcmp(outcome, "blocks") == 0) *passed = want.kind == E_BLOCKS;
    else if (strcmp(outcome, "timeout") == 0)
        *passed = want.kind == E_TIMEOUT || (want.kind == E_ERROR && (listed("ETIMEDOUT", want.errnos) || listed("*", want.errnos)));
    else if (want.kind == E_ERROR)
        *passed = listed(outcome, want.errnos) || listed("*", want.errnos) || strcmp(outcome, want.text) == 0
                  || (strcmp(outcome, "EAGAIN") == 0 && listed("EWOULDBLOCK", want.errnos))
                  || (strcmp(outcome, "socket.gaierror") == 0 && strstr(want.text, "gaierror") != NULL);
    *stops = !*passed;
}

void remember(sock *s) {
    address a = {.len = sizeof a.any};
    if (s->fd < 0) return;
    if (getsockname(s->fd, &a.sa, &a.len) == 0) s->local = a;
    a.len = sizeof a.any;
    if (getpeername(s->fd, &a.sa, &a.len) == 0) s->peer = a;
}

/* Ends a step: prints `step N: OUTCOME`, checks the expectation; 0 when the lesson cannot go on. */
int end(expectation want) {
    int passed, stops;
    alarm(0);
    if (attempt) {
        if (attempt->fd >= 0) fcntl(attempt->fd, F_SETFL, attempt_flags);
        attempt = NULL;
    }
    for (int k = 0; k < socket_count; k++) remember(sockets[k]);
    judge(want, &passed, &stops);
    printf("step %d: %s", step_number, outcome);
    if (ok() && result.kind != V_NONE && !holds_socket(result)) { putchar(' '); print_value(result); }
    if (!passed) {
        failures++;
        if (want.kind == E_NOTHING) printf(" -- unexpected");
        else printf(" -- expected %s", want.text);
    }
    printf("\n");
    fflush(stdout);
    return !stops;
}

/* ---- sockets ---- */

/* `name = <a new socket>`: the lesson's name now stands for descriptor fd. As in Python, the
 * socket the name stood for before is closed. */
void adopt(sock *s, int fd) {
    int k;
    socklen_t n = sizeof s->family;
    if (s->fd >= 0) close(s->fd);
    for (k = 0; k < socket_count && sockets[k] != s; k++) {}
    if (k == socket_count && socket_count < 256) sockets[socket_count++] = s;
    s->fd = fd;
    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &s->family, &n);
    n = sizeof s->type;
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &s->type, &n);
    s->timeout = -1;
    s->backlog = 0;
    memset(&s->local, 0, sizeof s->local);
    memset(&s->peer, 0, sizeof s->peer);
}

/* A socket the lesson did not name (a call whose result it did not keep). */
sock *unnamed(const char *what) {
    sock *s = grab(sizeof *s);
    s->name = what;
    s->fd = -1;
    return s;
}

/* Python's close(): the descriptor becomes -1, and a second close() does nothing. */
int close_socket(sock *s) {
    int r;
    if (s->fd < 0) return 0;
    remember(s);
    r = close(s->fd);
    s->fd = -1;
    return r;
}

/* Python's settimeout(): C has no such call. Python makes the socket non-blocking and waits
 * with poll() before each call; wait_ready() below does the same. */
int set_timeout(sock *s, double seconds) {
    int flags;
    if (s->fd < 0) { errno = EBADF; return -1; }
    flags = fcntl(s->fd, F_GETFL);
    if (fcntl(s->fd, F_SETFL, seconds < 0 ? flags & ~O_NONBLOCK : flags | O_NONBLOCK) < 0) return -1;
    s->timeout = seconds;
    return 0;
}

/* Python's setblocking(False) is fcntl(fd, F_SETFL, flags | O_NONBLOCK). */
int set_blocking(sock *s, int on) { return set_timeout(s, on ? -1 : 0); }

/* Before a call on a socket with a timeout: waits until it is ready, or sets `timeout`. */
int wait_ready(sock *s, short events) {
    struct pollfd p = {.fd = s->fd, .events = events};
    int r;
    if (!ok()) return 0;
    if (s->fd < 0 || s->timeout <= 0) return 1;      /* blocking or non-blocking: just call */
    r = poll(&p, 1, (int)(s->timeout * 1000 + 0.5));
    if (r == 0) { outcome = "timeout"; return 0; }
    return 1;
}

/* connect() on a socket with a timeout: EINPROGRESS, then wait for the handshake, then SO_ERROR. */
int finish_connect(sock *s, int r) {
    int err = 0;
    socklen_t n = sizeof err;
    if (r == 0 || errno != EINPROGRESS || s->timeout <= 0) return r;
    if (!wait_ready(s, POLLOUT)) return -1;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &n);
    if (err) { errno = err; return -1; }
    return 0;
}

/* C has no sendall(): send() may take only part of the bytes, so loop until all are in. */
int send_all(sock *s, const void *data, size_t len, int flags) {
    size_t sent = 0;
    while (sent < len) {
        ssize_t n;
        if (!wait_ready(s, POLLOUT)) return -1;
        n = send(s->fd, (const char *)data + sent, len - sent, flags);
        if (n < 0) return -1;
        sent += (size_t)n;
    }
    return 0;
}

/* The loop every tutorial writes: recv() until n bytes have arrived or the peer closed. */
ssize_t recv_all(sock *s, char *buf, size_t n, int flags) {
    size_t got = 0;
    while (got < n) {
        ssize_t k;
        if (!wait_ready(s, POLLIN)) return -1;
        k = recv(s->fd, buf + got, n - got, flags);
        if (k < 0) return -1;
        if (k == 0) break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* A buffer for recv(), at least n bytes. */
char *room(long long n) {
    static char *buf;
    static size_t size;
    if ((size_t)n + 1 > size) { free(buf); size = (size_t)n + 1; buf = grab(size); }
    return buf;
}

/* Python's settimeout() value as a struct timeval, for SO_RCVTIMEO and SO_SNDTIMEO. */
struct timeval timeval_of(double seconds) {
    struct timeval tv = {.tv_sec = (time_t)seconds, .tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6 + 0.5)};
    return tv;
}

/* ---- addresses ---- */

/* A Python address value for a socket of family s->family: ("127.0.0.1", 8080) for IPv4 and
 * IPv6, a path (inside this run's own directory) for a Unix-domain socket. Python checks the
 * port's range itself (OverflowError); C's htons() would silently cut it to 16 bits. */
int to_address(sock *s, value v, address *a) {
    char host[INET6_ADDRSTRLEN + 8];
    if (!ok()) return 0;
    memset(a, 0, sizeof *a);
    if (s->family == AF_UNIX) {
        if (v.kind != V_STR) return fail("TypeError");
        a->un.sun_family = AF_UNIX;
        if (snprintf(a->un.sun_path, sizeof a->un.sun_path, "%s/%s", run_dir, (char *)v.bytes) >= (int)sizeof a->un.sun_path) {
            outcome = "ENAMETOOLONG";
            return 0;
        }
        a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->un.sun_path) + 1);
        return 1;
    }
    if (v.kind != V_TUPLE || v.len < 2 || v.items[0].kind != V_STR) return fail("TypeError");
    if (v.items[1].kind != V_INT && v.items[1].kind != V_BOOL) return fail("TypeError");
    if (v.items[1].i < 0 || v.items[1].i > 65535) return fail("OverflowError");
    snprintf(host, sizeof host, "%s", (char *)v.items[0].bytes);
    if (strcmp(host, "localhost") == 0) strcpy(host, s->family == AF_INET6 ? "::1" : "127.0.0.1");
    if (s->family == AF_INET6) {
        struct in_addr v4;
        if (inet_pton(AF_INET, host, &v4) == 1) {                 /* IPv4 on an IPv6 socket: ::ffff:a.b.c.d */
            memmove(host + 7, host, strlen(host) + 1);
            memcpy(host, "::ffff:", 7);
        }
        a->in6.sin6_family = AF_INET6;
        a->in6.sin6_port = htons((unsigned short)v.items[1].i);
        if (inet_pton(AF_INET6, host, &a->in6.sin6_addr) != 1) return fail("socket.gaierror");
        a->len = sizeof a->in6;
        return 1;
    }
    a->in.sin_family = AF_INET;
    a->in.sin_port = htons((unsigned short)v.items[1].i);
    if (inet_pton(AF_INET, host, &a->in.sin_addr) != 1) return fail("socket.gaierror");
    a->len = sizeof a->in;
    return 1;
}

/* A kernel address as Python shows it: (host, port), (host, port, 0, 0) or a path. */
value address_value(const address *a) {
    char host[INET6_ADDRSTRLEN];
    size_t dir = strlen(run_dir);
    if (a->len == 0) return none();
    switch (a->sa.sa_family) {
    case AF_INET:
        inet_ntop(AF_INET, &a->in.sin_addr, host, sizeof host);
        return ip(host, ntohs(a->in.sin_port));
    case AF_INET6:
        inet_ntop(AF_INET6, &a->in6.sin6_addr, host, sizeof host);
        return tuple(4, text(host), integer(ntohs(a->in6.sin6_port)), integer(0), integer(0));
    case AF_UNIX:
        if (a->len <= offsetof(struct sockaddr_un, sun_path)) return text("");
        if (strncmp(a->un.sun_path, run_dir, dir) == 0 && a->un.sun_path[dir] == '/') return text(a->un.sun_path + dir + 1);
        return text(a->un.sun_path);
    }
    return none();
}

/* sockstep sends multicast by the loopback interface only (IP_MULTICAST_IF 127.0.0.1). */
void multicast_by_loopback(sock *s, const address *a) {
    struct in_addr lo;
    if (a->sa.sa_family != AF_INET || !IN_MULTICAST(ntohl(a->in.sin_addr.s_addr))) return;
    inet_pton(AF_INET, "127.0.0.1", &lo);
    setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof lo);
}

/* `s.address` is getsockname(), `s.peer` is getpeername(). */
value address_of(sock *s) {
    address a = {.len = sizeof a.any};
    if (ok() && check(getsockname(s->fd, &a.sa, &a.len))) return address_value(&a);
    return none();
}

value peer_of(sock *s) {
    address a = {.len = sizeof a.any};
    if (ok() && check(getpeername(s->fd, &a.sa, &a.len))) return address_value(&a);
    return none();
}

/* ---- the kernel's view: TCP_INFO for the state, ioctls for queued bytes ---- */

const char *tcp_state_names[] = {"CLOSED", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
                                 "TIME_WAIT", "CLOSED", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};

int is_tcp(const sock *s) { return s->type == SOCK_STREAM && (s->family == AF_INET || s->family == AF_INET6); }

int tcp_info_of(const sock *s, struct tcp_info *info) {
    socklen_t n = sizeof *info;
    memset(info, 0, sizeof *info);
    return is_tcp(s) && s->fd >= 0 && getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, info, &n) == 0;
}

/* How /proc/net/tcp writes an address: the raw 32-bit words in hex, then the port. */
void proc_hex(const address *a, char *out, size_t size) {
    unsigned int w[4];
    if (a->sa.sa_family == AF_INET) {
        memcpy(w, &a->in.sin_addr, 4);
        snprintf(out, size, "%08X:%04X", w[0], ntohs(a->in.sin_port));
    } else {
        memcpy(w, &a->in6.sin6_addr, 16);
        snprintf(out, size, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3], ntohs(a->in6.sin6_port));
    }
}

/* The state Linux still keeps for a closed connection (TIME_WAIT...), from /proc/net/tcp. */
const char *closed_state(const sock *s) {
    char local[64], peer[64], line[512], l[64], p[64];
    unsigned int st;
    const char *tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    if (!is_tcp(s) || !s->local.len || !s->peer.len) return NULL;
    proc_hex(&s->local, local, sizeof local);
    proc_hex(&s->peer, peer, sizeof peer);
    for (int t = 0; t < 2; t++) {
        FILE *f = fopen(tables[t], "r");
        if (!f) continue;
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, " %*s %63s %63s %x", l, p, &st) == 3 && strcmp(l, local) == 0 && strcmp(p, peer) == 0 && st < 12) {
                fclose(f);
                return tcp_state_names[st];
            }
        }
        fclose(f);
    }
    return NULL;
}

const char *current_state(const sock *s) {
    struct tcp_info info;
    address a = {.len = sizeof a.any};
    int on = 0;
    socklen_t n = sizeof on;
    if (s->fd < 0) { const char *st = closed_state(s); return st ? st : "CLOSED"; }
    if (is_tcp(s)) {
        const char *st = tcp_info_of(s, &info) && info.tcpi_state < 12 ? tcp_state_names[info.tcpi_state] : "CLOSED";
        /* The descriptor is done, but the connection may still wait in TIME_WAIT. */
        const char *kept = strcmp(st, "CLOSED") == 0 ? closed_state(s) : NULL;
        return kept && strcmp(kept, "TIME_WAIT") == 0 ? kept : st;
    }
    if (s->type == SOCK_STREAM && getsockopt(s->fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &n) == 0 && on) return "LISTENING";
    if (getpeername(s->fd, &a.sa, &a.len) == 0) return "CONNECTED";
    if (s->type == SOCK_STREAM) return "UNCONNECTED";
    /* A datagram socket without a peer: bound to an address, or not yet. */
    a.len = sizeof a.any;
    if (getsockname(s->fd, &a.sa, &a.len) != 0) return "UNBOUND";
    if (a.sa.sa_family == AF_INET) return a.in.sin_port ? "BOUND" : "UNBOUND";
    if (a.sa.sa_family == AF_INET6) return a.in6.sin6_port ? "BOUND" : "UNBOUND";
    return a.len > sizeof(sa_family_t) ? "BOUND" : "UNBOUND";
}

/* A state is reached through others when a packet (an ACK, a FIN) is still in flight. */
int on_the_way(const char *want, const char *now) {
    const char *ways[][4] = {{"ESTABLISHED", "SYN_SENT", "SYN_RECV", NULL}, {"FIN_WAIT2", "FIN_WAIT1", NULL, NULL},
                             {"TIME_WAIT", "FIN_WAIT1", "FIN_WAIT2", "CLOSING"}, {"CLOSED", "LAST_ACK", "FIN_WAIT1", "CLOSING"},
                             {"CLOSE_WAIT", "ESTABLISHED", NULL, NULL}};
    for (size_t k = 0; k < sizeof ways / sizeof ways[0]; k++)
        if (strcmp(ways[k][0], want) == 0)
            for (int j = 1; j < 4 && ways[k][j]; j++) if (strcmp(ways[k][j], now) == 0) return 1;
    return 0;
}

double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* `s.state`: the TCP state; when a packet is still in flight towards `want`, waits for it (2 s at most). */
value state_of(sock *s, const char *want) {
    double deadline = now_seconds() + 2;
    const char *st = current_state(s);
    while (want && strcmp(st, want) != 0 && on_the_way(want, st) && now_seconds() < deadline) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN | POLLRDHUP};
        poll(&p, s->fd >= 0 ? 1 : 0, 2);
        st = current_state(s);
    }
    return text(st);
}

/* `s.readable` (FIONREAD) and `s.unacked` (SIOCOUTQ): bytes queued in the kernel. */
value queued(sock *s, unsigned long request) {
    int n = 0;
    if (s->fd < 0) { errno = EBADF; check(-1); return none(); }
    if (ioctl(s->fd, request, &n) < 0) n = 0;
    return integer(n);
}

value readable_of(sock *s) { return queued(s, FIONREAD); }
value unacked_of(sock *s) { return queued(s, TIOCOUTQ); }

/* `s.pending` and `s.backlog`: a listening TCP socket's accept queue, from TCP_INFO. */
value pending_of(sock *s) {
    struct tcp_info info;
    if (s->fd < 0) { errno = EBADF; check(-1); return none(); }
    return integer(tcp_info_of(s, &info) && info.tcpi_state == 10 ? info.tcpi_unacked : 0);
}

value backlog_of(sock *s) {
    struct tcp_info info;
    if (s->fd < 0) { errno = EBADF; check(-1); return none(); }
    return integer(tcp_info_of(s, &info) && info.tcpi_state == 10 ? (long long)info.tcpi_sacked : s->backlog);
}

/* ---- what C spells differently from Python ---- */

/* A Python int argument that was not written as a number. */
long long as_int(value v) {
    if (v.kind == V_INT || v.kind == V_BOOL) return v.i;
    fail("TypeError");
    return 0;
}

int is_bytes(value v) { return v.kind == V_BYTES ? 1 : fail("TypeError"); }

double as_seconds(value v) {
    if (v.kind == V_NONE) return -1;
    if (v.kind == V_INT || v.kind == V_FLOAT) {
        double t = v.kind == V_INT ? (double)v.i : v.f;
        if (t < 0) fail("ValueError");
        return t;
    }
    fail("TypeError");
    return -1;
}

/* b"x" * 3, b"a" + b"b", 2 ** 10, MSG_PEEK | MSG_DONTWAIT, -1 on values. */
value add(value a, value b) {
    if (a.kind == V_INT && b.kind == V_INT) return integer(a.i + b.i);
    if ((a.kind == V_BYTES || a.kind == V_STR) && a.kind == b.kind) {
        value v = bytes(NULL, a.len + b.len);
        memcpy(v.bytes, a.bytes, a.len);
        memcpy(v.bytes + a.len, b.bytes, b.len);
        v.kind = a.kind;
        return v;
    }
    fail("TypeError");
    return none();
}

value multiply(value a, value b) {
    if (a.kind == V_INT && b.kind == V_INT) return integer(a.i * b.i);
    if (a.kind == V_INT) { value t = a; a = b; b = t; }
    if (a.kind == V_BYTES && b.kind == V_INT) {
        size_t times = b.i > 0 ? (size_t)b.i : 0;
        value v = bytes(NULL, a.len * times);
        for (size_t k = 0; k < times; k++) memcpy(v.bytes + k * a.len, a.bytes, a.len);
        return v;
    }
    fail("TypeError");
    return none();
}

value power(value a, value b) {
    long long r = 1;
    if (a.kind != V_INT || b.kind != V_INT) { fail("TypeError"); return none(); }
    if (b.i < 0) return real(1.0 / (double)a.i);
    for (long long k = 0; k < b.i && k < 64; k++) r *= a.i;
    return integer(r);
}

value bit_or(value a, value b) {
    if (a.kind == V_INT && b.kind == V_INT) return integer(a.i | b.i);
    fail("TypeError");
    return none();
}

value negative(value a) {
    if (a.kind == V_INT) return integer(-a.i);
    if (a.kind == V_FLOAT) return real(-a.f);
    fail("TypeError");
    return none();
}

/* create_server((host, port)): socket(), SO_REUSEADDR, bind(), listen(), as Python does it. */
int create_server(value where) {
    sock s = {.name = "server", .fd = -1, .type = SOCK_STREAM, .timeout = -1};
    address a;
    int on = 1, fd;
    s.family = where.kind == V_TUPLE && where.len && where.items[0].kind == V_STR && strchr((char *)where.items[0].bytes, ':') ? AF_INET6 : AF_INET;
    if (!to_address(&s, where, &a)) return -1;
    fd = socket(s.family, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, &a.sa, a.len) < 0 || listen(fd, 128) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* create_connection((host, port), timeout): socket() and connect() (Python also tries each
 * address getaddrinfo() gives; here the host is always a number or localhost). */
int create_connection(value where, double timeout) {
    sock s = {.name = "client", .fd = -1, .type = SOCK_STREAM, .timeout = -1};
    address a;
    s.family = where.kind == V_TUPLE && where.len && where.items[0].kind == V_STR && strchr((char *)where.items[0].bytes, ':') ? AF_INET6 : AF_INET;
    if (!to_address(&s, where, &a)) return -1;
    s.fd = socket(s.family, SOCK_STREAM, 0);
    if (s.fd < 0) return -1;
    if (timeout >= 0) set_timeout(&s, timeout);
    if (finish_connect(&s, connect(s.fd, &a.sa, a.len)) < 0) {
        int saved = errno;
        close(s.fd);
        errno = saved;
        return -1;
    }
    if (timeout >= 0) set_timeout(&s, -1);
    return s.fd;
}

const char *family_name(int f) { return f == AF_INET ? "AF_INET" : f == AF_INET6 ? "AF_INET6" : f == AF_UNIX ? "AF_UNIX" : "AF_UNSPEC"; }
const char *type_name(int t) { return t == SOCK_STREAM ? "SOCK_STREAM" : t == SOCK_DGRAM ? "SOCK_DGRAM" : t == SOCK_SEQPACKET ? "SOCK_SEQPACKET" : "SOCK_RAW"; }

/* getaddrinfo(host, port, family, type): the list of (family, type, proto, canonname, address). */
value lookup(value host, value port, int family, int type) {
    struct addrinfo hints = {.ai_family = family, .ai_socktype = type}, *found, *p;
    char service[32] = "0";
    value out = list(0);
    size_t n = 0;
    if (!ok()) return none();
    if (host.kind != V_STR) { fail("TypeError"); return none(); }
    if (port.kind == V_INT) snprintf(service, sizeof service, "%lld", port.i);
    else if (port.kind == V_STR) snprintf(service, sizeof service, "%s", (char *)port.bytes);
    if (getaddrinfo((char *)host.bytes, service, &hints, &found) != 0) { fail("socket.gaierror"); return none(); }
    for (p = found; p; p = p->ai_next) n++;
    out.items = grab(sizeof(value) * n);
    for (p = found; p; p = p->ai_next) {
        address a = {.len = p->ai_addrlen};
        memcpy(&a.any, p->ai_addr, p->ai_addrlen);
        out.items[out.len++] = tuple(5, text(family_name(p->ai_family)), text(type_name(p->ai_socktype)),
                                     integer(p->ai_protocol), text(""), address_value(&a));
    }
    freeaddrinfo(found);
    return out;
}

/* select(rlist, wlist, xlist, timeout) with fd_sets: the three lists of sockets that are ready. */
value select_ready(value lists[3], double timeout, int prove_blocks) {
    fd_set sets[3];
    int top = -1, r;
    struct timeval tv = {.tv_sec = (time_t)timeout, .tv_usec = (suseconds_t)((timeout - (double)(time_t)timeout) * 1e6)};
    value ready[3];
    if (!ok()) return none();
    for (int k = 0; k < 3; k++) {
        FD_ZERO(&sets[k]);
        if (lists[k].kind != V_LIST) { fail("TypeError"); return none(); }
        for (size_t j = 0; j < lists[k].len; j++) {
            sock *s = lists[k].items[j].kind == V_SOCKET ? lists[k].items[j].socket : NULL;
            if (!s) { fail("TypeError"); return none(); }
            if (s->fd < 0) { errno = EBADF; check(-1); return none(); }
            FD_SET(s->fd, &sets[k]);
            if (s->fd > top) top = s->fd;
        }
    }
    r = select(top + 1, &sets[0], &sets[1], &sets[2], timeout < 0 ? NULL : &tv);
    if (!check(r)) return none();
    if (r == 0 && prove_blocks) { outcome = "blocks"; return none(); }   /* nothing ready: it would wait */
    for (int k = 0; k < 3; k++) {
        ready[k] = list(0);
        ready[k].items = grab(sizeof(value) * (lists[k].len + 1));
        for (size_t j = 0; j < lists[k].len; j++)
            if (FD_ISSET(lists[k].items[j].socket->fd, &sets[k])) ready[k].items[ready[k].len++] = lists[k].items[j];
    }
    return tuple(3, ready[0], ready[1], ready[2]);
}

void on_alarm(int signum) {
    (void)signum;
    hung = 1;
}

/* Before the first step: the run's directory, the watchdog, and SIGPIPE ignored (a lesson wants
 * to see EPIPE as an error, as Python does, not die of the signal). */
void start(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;              /* no SA_RESTART: a call the watchdog interrupts fails with EINTR */
    sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(run_dir)) { perror("mkdtemp"); exit(2); }
}

/* After the last step (or the one that stopped the lesson): the steps not run, then cleanup. */
int finish(int total) {
    char path[sizeof run_dir + 256];
    DIR *dir;
    struct dirent *entry;
    for (int n = step_number + 1; n <= total; n++) printf("step %d: not run\n", n);
    for (int k = 0; k < socket_count; k++) close_socket(sockets[k]);
    if ((dir = opendir(run_dir)) != NULL) {
        while ((entry = readdir(dir)) != NULL) {
            if (entry->d_name[0] == '.') continue;
            snprintf(path, sizeof path, "%s/%s", run_dir, entry->d_name);
            unlink(path);
        }
        closedir(dir);
    }
    rmdir(run_dir);
    return failures ? 1 : 0;
}
"""#
}

/// True when `word` occurs in `text` as a whole identifier.
func containsWord(_ text: String, _ word: String) -> Bool {
    var search = text[...]
    while let r = search.firstRange(ofText: word) {
        let before = r.lowerBound == text.startIndex ? nil : text[text.index(before: r.lowerBound)]
        let after = r.upperBound == text.endIndex ? nil : text[r.upperBound]
        func isIdent(_ c: Character?) -> Bool { c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
        if !isIdent(before) && !isIdent(after) { return true }
        search = text[r.upperBound...]
    }
    return false
}

/// C code without its `/* */` comments (string literals in exported code never contain `/*`).
func withoutComments(_ text: String) -> String {
    var out = ""
    var rest = text[...]
    while let open = rest.firstRange(ofText: "/*") {
        out += rest[..<open.lowerBound]
        guard let close = rest[open.upperBound...].firstRange(ofText: "*/") else { return out }
        rest = rest[close.upperBound...]
    }
    return out + rest
}

/// A C string literal: printable ASCII kept, the rest escaped, and no `??` trigraphs.
func cString(_ b: [UInt8]) -> String {
    cBytes(b).replacingAll("??", with: "?\\?")
}

/// How C writes what `NativeWriter` writes for both languages.
enum CDialect: Dialect {
    static let isC = true
    static let languageName = "C"
    static var reserved: Set<String> { cReservedNames }

    static func string(_ s: String) -> String { cString(Array(s.utf8)) }
    static func comment(_ text: String) -> String { "/* \(commentSafe(text)) */" }
    static func stmt(_ e: String) -> String { e + ";" }
    static func discard(_ e: String) -> String { e + ";" }
    static func ifThen(_ condition: String, _ body: [String]) -> [String] {
        if body.count == 1 { return condition.count + body[0].count > 72 ? ["if (\(condition))", "    " + body[0]] : ["if (\(condition)) " + body[0]] }
        return ["if (\(condition)) {"] + body.map { "    " + $0 } + ["}"]
    }
    static func helper(_ name: String) -> String { name }
    static func cast(_ type: String, _ e: String) -> String { e }
    static func size(of variable: String, _ type: String) -> String { "sizeof \(variable)" }
    static func ref(_ variable: String) -> String { "&" + variable }
    static let okCondition = "ok()"

    static func intValue(_ e: String) -> String { "integer(\(e))" }
    static func floatValue(_ e: String) -> String { "real(\(e))" }
    static func boolValue(_ e: String) -> String { "boolean(\(e))" }
    static let noneValue = "none()"
    static let anyValue = "any()"
    static func textValue(_ s: String) -> String { "text(\(string(s)))" }
    static func bytesValue(_ b: [UInt8]) -> String { "bytes(\(cString(b)), \(b.count))" }
    static func constantValue(_ name: String) -> String { "integer(\(name))" }
    static func socketValue(_ ref: String) -> String { "socket_value(\(ref))" }
    static func tupleValue(_ items: [String]) -> String { "tuple(\(items.count)\(items.map { ", " + $0 }.joined()))" }
    static func listValue(_ items: [String]) -> String { "list(\(items.count)\(items.map { ", " + $0 }.joined()))" }
    static func ipValue(_ host: String, _ port: Int) -> String { "ip(\(string(host)), \(port))" }
    static func binary(_ op: Expr.BinaryOp, _ a: String, _ b: String) -> String {
        let f: String
        switch op {
        case .add: f = "add"
        case .multiply: f = "multiply"
        case .power: f = "power"
        case .bitOr: f = "bit_or"
        }
        return "\(f)(\(a), \(b))"
    }
    static func negate(_ a: String) -> String { "negative(\(a))" }

    static let addressValue = "address_value(&sa)"
    static let addressArg = "&sa"
    static func withAddress(_ function: String, _ lead: String) -> String { "\(function)(\(lead), &sa.sa, sa.len)" }
    static func receivingAddress(_ function: String, _ lead: String) -> (before: [String], call: String) {
        (["sa.len = sizeof sa.any;"], "\(function)(\(lead), &sa.sa, &sa.len)")
    }
    static func buffer(size: String, literal: Bool) -> (before: [String], pointer: String, length: String, guard: String?) {
        (["buf = room(\(size));"], "buf", size, nil)
    }
    static func received(_ n: String) -> String { "bytes(buf, (size_t)\(n))" }
    static func payload(literal: [UInt8]?, value: String?) -> (before: [String], pointer: String, length: String, guard: String?) {
        if let b = literal { return ([], cString(b), String(b.count), nil) }
        return (["payload = \(value ?? "none()");"], "payload.bytes", "payload.len", "is_bytes(payload)")
    }
    static func waiting(_ ref: String, _ events: String) -> String { "wait_ready(\(ref), \(events))" }
    static func unnamed(_ index: Int, _ what: String) -> (ref: String, make: [String]) { ("spare", ["spare = unnamed(\"\(what)\");"]) }
    static func stateOf(_ ref: String, want: String?) -> String { "state_of(\(ref), \(want.map { "\"\($0)\"" } ?? "NULL"))" }

    static func heading(_ text: String) -> String { "\n    /* ---- \(commentSafe(text)) ---- */\n" }
    static func prose(_ lines: [String]) -> String {
        "\n    /*\n" + lines.map { $0.isEmpty ? "     *" : "     * " + commentSafe($0) }.joined(separator: "\n") + "\n     */\n"
    }
    static func stepHead(_ number: Int, line: Int, source: String, comment: String?) -> String {
        "\n    /* step \(number) (line \(line)): \(commentSafe(source))\(comment.map { "   # " + commentSafe($0) } ?? "") */\n"
    }
    static func begin(_ number: Int) -> String { "begin(\(number));" }
    static func end(_ expectation: String) -> String { "if (!end(\(expectation))) goto stop;" }

    static let expectNothing = "expect_nothing()"
    static let expectOK = "expect_ok()"
    static let expectEOF = "expect_eof()"
    static let expectBlocks = "expect_blocks()"
    static let expectTimeout = "expect_timeout()"
    static func expectValue(_ v: String, _ text: String) -> String { "expect_value(\(v), \(text))" }
    static func expectError(_ name: String, _ errnos: [String]) -> String {
        "expect_error(\(string(name)), \(string(errnos.joined(separator: " "))))"
    }
}

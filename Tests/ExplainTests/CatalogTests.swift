import Testing
@testable import Explain
import Runner
import ScenarioFormat
import Sockets

@Suite("The explanation catalog")
struct CatalogTests {
    /// The errnos issue 3 names: every one needs an entry.
    static let required = ["EACCES", "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT", "EAGAIN", "EALREADY", "EBADF",
                           "ECONNABORTED", "ECONNREFUSED", "ECONNRESET", "EDESTADDRREQ", "EHOSTUNREACH", "EINPROGRESS",
                           "EINTR", "EINVAL", "EISCONN", "EMSGSIZE", "ENOENT", "ENOTCONN", "ENOTSOCK", "EOPNOTSUPP", "EPIPE",
                           "EPROTONOSUPPORT", "EPROTOTYPE", "ETIMEDOUT"]

    @Test("every errno has a complete entry that matches the C library", arguments: required)
    func errnoEntry(_ name: String) throws {
        let e = try #require(ErrnoCatalog.entry(name))
        let errno = try #require(Errno(name: name))
        #expect(e.title == errno.message, "the title is strerror's text")
        #expect(!e.meaning.isEmpty && !e.cause.isEmpty && !e.fix.isEmpty && !e.manPages.isEmpty)
        #expect(e.python.hasSuffix("Error"))
    }

    @Test("every call in the vocabulary has a catalog entry", arguments: Vocabulary.calls.map(\.name))
    func callEntry(_ name: String) {
        #expect(CallCatalog.entry(name) != nil)
    }

    @Test("every TCP state has an entry", arguments: TCPState.allCases.map(\.name))
    func stateEntry(_ name: String) {
        #expect(StateCatalog.entry(name) != nil)
    }

    @Test("an event is explained in words, with Python and C equivalents")
    func explainsAnEvent() throws {
        let doc = try #require(DocumentParser.parse(text: "# T\n```steps\nc = socket(AF_INET, SOCK_STREAM)\nc.connect((\"127.0.0.1\", 1)) -> ECONNREFUSED\n```\n", path: "t.md").document)
        let r = Runner.run(doc)
        let x = Explainer.explain(r.events[1])
        #expect(x.summary.hasPrefix("Connection refused (ECONNREFUSED)"))
        // The run knows that nothing of it is at 127.0.0.1:1, but not why: the general causes follow.
        #expect(x.cause?.text.contains("127.0.0.1:1") == true)
        #expect(x.details.first?.contains("no server runs there") == true)
        #expect(x.pythonException == "ConnectionRefusedError")
        #expect(x.python == "c.connect(('127.0.0.1', 1))")
        #expect(x.c == "connect(c, (struct sockaddr *)&addr, sizeof addr);")
        let made = Explainer.explain(r.events[0])
        #expect(made.c == "int c = socket(AF_INET, SOCK_STREAM, 0);")
        #expect(made.python == "c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)")
    }

    @Test("a connect's help points to the server's real port, never to port 0; bind's to port 0")
    func connectHelp() throws {
        let doc = try #require(DocumentParser.parse(text: """
        # T
        ```steps
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(("127.0.0.1", 0)) -> ECONNREFUSED
        c.connect(("127.0.0.1", 70000)) -> OverflowError
        c.bind(("127.0.0.1", 70000)) -> OverflowError
        ```
        """, path: "t.md").document)
        let r = Runner.run(doc)
        #expect(r.passed, "\(r.failures.map(\.outcome))")
        let zero = Explainer.explain(r.events[1])
        #expect(zero.fix == "Connect to the port the server really got: `c.connect(server.address)` (or `server.getsockname()`).")
        #expect(zero.details.contains { $0.contains("Port 0 is nobody's port") })
        let range = Explainer.explain(r.events[2])
        #expect(range.fix == "Use the port the server really got: `c.connect(server.address)` (or `server.getsockname()`).")
        #expect(Explainer.explain(r.events[3]).fix?.hasPrefix("Bind to port 0") == true)
    }

    @Test("ECONNABORTED on connect names both ways an attempt ends without the kernel's wait: non-blocking, and settimeout")
    func abortedCause() throws {
        let cause = try #require(ErrnoCatalog.entry("ECONNABORTED")?.byCall["connect"])
        #expect(cause.contains("settimeout") && cause.contains("non-blocking"))
        #expect(ErrnoCatalog.entry("ECONNABORTED")?.manPages.contains("connect(2)") == true)
    }

    @Test("server.address is printed as getsockname() in Python")
    func pythonPrinter() throws {
        let doc = try #require(DocumentParser.parse(text: "# T\n```steps\nc.connect(server.address)\n```\n", path: "t.md").document)
        #expect(Explainer.python(doc.steps[0]) == "c.connect(server.getsockname())")
    }
}

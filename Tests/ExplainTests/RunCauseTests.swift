import Explain
import Runner
import ScenarioFormat
import Testing

/// Each explanation names this run's cause: a small steps document runs on real loopback sockets,
/// and the explanation of its last step must name the step (and line) that caused it.
@Suite("Explanations name the cause from the run's own history")
struct RunCauseTests {
    /// Runs the steps (the first one on line 3) and explains the step at `index` (default: the last).
    func explain(_ steps: [String], _ index: Int? = nil) throws -> (Explanation, Event) {
        let text = "# T\n```steps\n" + steps.joined(separator: "\n") + "\n```\n"
        let doc = try #require(DocumentParser.parse(text: text, path: "t.md").document)
        let r = Runner.run(doc)
        for e in r.events { #expect(e.verdict.isSuccess, "step \(e.index) `\(e.step.source)`: \(e.outcome)") }
        let e = r.events[(index ?? r.events.count) - 1]
        return (Explainer.explain(e), e)
    }

    /// Expects the cause to name `code` at `line`.
    func expectCause(_ x: Explanation, _ code: String, line: Int, _ words: String...) {
        let text = x.cause?.text ?? "(no cause)"
        #expect(text.contains("`\(code)` at line \(line)"), "cause: \(text)")
        #expect(x.cause?.line == line, "cause: \(text)")
        for w in words { #expect(text.contains(w), "cause: \(text)") }
    }

    static let connected = [
        "server = socket(AF_INET, SOCK_STREAM)",   // 3
        "server.bind((\"127.0.0.1\", 0))",         // 4
        "server.listen(5)",                        // 5
        "client = socket(AF_INET, SOCK_STREAM)",   // 6
        "client.connect(server.address)",          // 7
        "conn, addr = server.accept()",            // 8
    ]

    @Test("EPIPE after this side's shutdown(SHUT_WR) names the shutdown, without the general causes")
    func epipeAfterShutdown() throws {
        let (x, _) = try explain(Self.connected + ["client.shutdown(SHUT_WR)", "client.send(b\"more\") -> EPIPE"])
        expectCause(x, "client.shutdown(SHUT_WR)", line: 9, "because", "ended sending")
        #expect(!x.details.joined().contains("The peer has closed the connection"), "\(x.details)")
    }

    @Test("EPIPE after the peer closed names the peer's close")
    func epipeAfterPeerClose() throws {
        let (x, _) = try explain(Self.connected + ["conn.close()", "client.send(b\"a\")", "client.send(b\"b\") -> EPIPE"])
        expectCause(x, "conn.close()", line: 9, "closed the other end, `conn`")
    }

    @Test("ECONNRESET: the peer closed with unread data, or with SO_LINGER 0")
    func connectionReset() throws {
        let (unread, _) = try explain(Self.connected + ["client.sendall(b\"data\")", "conn.close()", "client.recv(10) -> ECONNRESET"])
        expectCause(unread, "conn.close()", line: 10, "4 unread bytes", "reset")
        let (linger, _) = try explain(Self.connected + ["conn.setsockopt(SOL_SOCKET, SO_LINGER, (1, 0))", "conn.close()", "client.recv(10) -> ECONNRESET"])
        expectCause(linger, "conn.close()", line: 10, "SO_LINGER to 0", "at line 9")
    }

    @Test("ECONNREFUSED: the run's listener was closed, a socket is bound but not listening, or nothing is there")
    func refused() throws {
        let (closed, _) = try explain([
            "server = socket(AF_INET, SOCK_STREAM)", "server.bind((\"127.0.0.1\", 0))", "server.listen(5)",
            "where = server.getsockname()", "server.close()",
            "c = socket(AF_INET, SOCK_STREAM)", "c.connect(where) -> ECONNREFUSED",
        ])
        expectCause(closed, "server.close()", line: 7, "No socket of this run listens on 127.0.0.1:", "`server.listen(5)` at line 5")
        #expect(!closed.details.joined().contains("Either no server runs there"))
        let (bound, _) = try explain([
            "quiet = socket(AF_INET, SOCK_STREAM)", "quiet.bind((\"127.0.0.1\", 0))",
            "c = socket(AF_INET, SOCK_STREAM)", "c.connect(quiet.address) -> ECONNREFUSED",
        ])
        expectCause(bound, "quiet.bind((\"127.0.0.1\", 0))", line: 4, "never called listen")
        // Nothing of the run was ever there: the fact, then the general causes.
        let (nothing, _) = try explain(["c = socket(AF_INET, SOCK_STREAM)", "c.connect((\"127.0.0.1\", 1)) -> ECONNREFUSED"])
        #expect(nothing.cause?.line == nil)
        #expect(nothing.cause?.text.contains("No socket of this run is bound to 127.0.0.1:1") == true)
        #expect(nothing.details.first?.contains("Either no server runs there") == true)
    }

    @Test("ECONNREFUSED on UDP names the send whose datagram bounced and the closed receiver")
    func udpRefused() throws {
        let (x, _) = try explain([
            "gone = socket(AF_INET, SOCK_DGRAM)", "gone.bind((\"127.0.0.1\", 0))", "where = gone.getsockname()", "gone.close()",
            "probe = socket(AF_INET, SOCK_DGRAM)", "probe.connect(where)", "probe.send(b\"hello?\")",
            "probe.recv(100) -> ECONNREFUSED",
        ])
        expectCause(x, "probe.send(b\"hello?\")", line: 9, "`gone` was closed by `gone.close()` at line 6")
    }

    @Test("EADDRINUSE: an open socket of the run holds the port, or a closed connection is in TIME_WAIT")
    func addressInUse() throws {
        let (open, _) = try explain([
            "server = socket(AF_INET, SOCK_STREAM)", "server.bind((\"127.0.0.1\", 0))",
            "other = socket(AF_INET, SOCK_STREAM)", "other.bind(server.address) -> EADDRINUSE",
        ])
        expectCause(open, "server.bind((\"127.0.0.1\", 0))", line: 4, "`server` holds 127.0.0.1:", "still open")
        #expect(!open.details.joined().contains("maybe an earlier run"))
        let (timeWait, _) = try explain(Self.connected + [
            "where = server.getsockname()", "conn.close()", "client.recv(10) -> b\"\"", "client.close()", "server.close()",
            "again = socket(AF_INET, SOCK_STREAM)", "again.bind(where) -> EADDRINUSE",
        ])
        expectCause(timeWait, "conn.close()", line: 10, "TIME_WAIT", "`conn`")
    }

    @Test("EADDRINUSE on a Unix path names the bind that left the file")
    func unixAddressInUse() throws {
        let (x, _) = try explain([
            "a = socket(AF_UNIX, SOCK_STREAM)", "a.bind(\"here.sock\")", "a.close()",
            "b = socket(AF_UNIX, SOCK_STREAM)", "b.bind(\"here.sock\") -> EADDRINUSE",
        ])
        expectCause(x, "a.close()", line: 5, "`a.bind(\"here.sock\")` at line 4", "stays on disk")
    }

    @Test("EBADF names the close() of the name")
    func badDescriptor() throws {
        let (x, _) = try explain(Self.connected + ["client.close()", "client.send(b\"late\") -> EBADF"])
        expectCause(x, "client.close()", line: 9, "closed `client`")
        #expect(x.details.contains { $0.contains("-1") })
    }

    @Test("ENOTCONN: never connected, or a listening socket")
    func notConnected() throws {
        let (never, _) = try explain(["c = socket(AF_INET, SOCK_STREAM)", "c.getpeername() -> ENOTCONN"])
        expectCause(never, "c = socket(AF_INET, SOCK_STREAM)", line: 3, "never connected")
        let (listening, _) = try explain(Self.connected + ["server.recv(10) -> ENOTCONN"])
        expectCause(listening, "server.listen(5)", line: 5, "listens", "accept")
        let (failed, _) = try explain(["c = socket(AF_INET, SOCK_STREAM)", "c.connect((\"127.0.0.1\", 1)) -> ECONNREFUSED", "c.getpeername() -> ENOTCONN"])
        expectCause(failed, "c.connect((\"127.0.0.1\", 1))", line: 4, "ECONNREFUSED")
    }

    @Test("EPIPE on a TCP socket that never connected says so")
    func epipeNeverConnected() throws {
        let (x, _) = try explain(["c = socket(AF_INET, SOCK_STREAM)", "c.send(b\"x\") -> EPIPE"])
        expectCause(x, "c = socket(AF_INET, SOCK_STREAM)", line: 3, "never connected")
    }

    @Test("ENOTCONN after both sides ended the connection names the peer's close and this side's shutdown")
    func connectionOver() throws {
        let (x, _) = try explain(Self.connected + ["conn.close()", "client.recv(10) -> b\"\"", "client.shutdown(SHUT_WR)", "client.shutdown(SHUT_RD) -> ENOTCONN"])
        expectCause(x, "conn.close()", line: 9, "connection is over", "`client.shutdown(SHUT_WR)` at line 11")
    }

    @Test("a timeout names the settimeout that set it; connect_ex's error number is explained like the errno")
    func timeoutAndConnectEx() throws {
        let (t, _) = try explain(Self.connected + ["client.settimeout(0.01)", "client.recv(10) -> timeout"])
        expectCause(t, "client.settimeout(0.01)", line: 9, "0.01 s")
        let (ex, _) = try explain(Self.connected + ["client.connect_ex(server.address) -> 106"])
        expectCause(ex, "client.connect(server.address)", line: 7, "It failed because", "already connected")
    }

    @Test("EISCONN names the connect that already succeeded")
    func alreadyConnected() throws {
        let (x, _) = try explain(Self.connected + ["client.connect(server.address) -> EISCONN"])
        expectCause(x, "client.connect(server.address)", line: 7, "already connected")
    }

    @Test("EINVAL: bind twice, accept before listen, listen on a connected socket")
    func invalid() throws {
        let (twice, _) = try explain(["s = socket(AF_INET, SOCK_STREAM)", "s.bind((\"127.0.0.1\", 0))", "s.bind((\"127.0.0.1\", 0)) -> EINVAL"])
        expectCause(twice, "s.bind((\"127.0.0.1\", 0))", line: 4, "bound only once")
        let (accept, _) = try explain(["s = socket(AF_INET, SOCK_STREAM)", "s.bind((\"127.0.0.1\", 0))", "s.accept() -> EINVAL"])
        expectCause(accept, "s = socket(AF_INET, SOCK_STREAM)", line: 3, "never called listen")
        let (connectThenBind, _) = try explain(Self.connected + ["client.bind((\"127.0.0.1\", 0)) -> EINVAL"])
        expectCause(connectThenBind, "client.connect(server.address)", line: 7, "already got an address")
    }

    @Test("blocks: the peer has sent nothing, everything was read, no client has connected")
    func blocks() throws {
        let (nothing, _) = try explain(Self.connected + ["client.recv(10) -> blocks"])
        expectCause(nothing, "conn, addr = server.accept()", line: 8, "`conn`", "has sent nothing")
        let (allRead, _) = try explain(Self.connected + ["client.sendall(b\"hi\")", "conn.recv(10) -> b\"hi\"", "conn.recv(10) -> blocks"])
        expectCause(allRead, "conn.recv(10)", line: 10, "`client.sendall(b\"hi\")` at line 9", "already read everything")
        let (accept, _) = try explain(Self.connected + ["server.accept() -> blocks"])
        expectCause(accept, "conn, addr = server.accept()", line: 8, "took the last waiting connection")
        let (nonBlocking, _) = try explain(Self.connected + ["conn.setblocking(False)", "conn.recv(10) -> EAGAIN"])
        expectCause(nonBlocking, "client.connect(server.address)", line: 7, "`client`", "has sent nothing")
    }

    @Test("b'' names the close or shutdown of the other end")
    func endOfStream() throws {
        let (closed, _) = try explain(Self.connected + ["client.close()", "conn.recv(10) -> b\"\""])
        expectCause(closed, "client.close()", line: 9, "The stream ended because", "`client`")
        let (shut, _) = try explain(Self.connected + ["client.shutdown(SHUT_WR)", "conn.recv(10) -> b\"\""])
        expectCause(shut, "client.shutdown(SHUT_WR)", line: 9, "ended sending")
        let (pair, _) = try explain(["a, b = socketpair()", "a.close()", "b.recv(10) -> b\"\""])
        expectCause(pair, "a.close()", line: 4, "`a`")
        let (unix, _) = try explain([
            "server = socket(AF_UNIX, SOCK_STREAM)", "server.bind(\"s.sock\")", "server.listen(5)",
            "client = socket(AF_UNIX, SOCK_STREAM)", "client.connect(\"s.sock\")", "conn, addr = server.accept()",
            "conn.close()", "client.recv(10) -> b\"\"",
        ])
        expectCause(unix, "conn.close()", line: 9, "`conn`")
    }

    @Test("TIME_WAIT names the close that sent the first FIN, in the state change and when read")
    func timeWait() throws {
        let steps = Self.connected + ["client.close()", "conn.recv(10) -> b\"\"", "conn.close()", "client.state -> TIME_WAIT"]
        let (read, _) = try explain(steps)
        expectCause(read, "client.close()", line: 9, "closed first")
        let (change, event) = try explain(steps, 9)
        #expect(event.stateChanges.contains { $0.to == "TIME_WAIT" && $0.cause?.line == 9 })
        #expect(change.stateChanges.contains { $0.contains("TIME_WAIT") && $0.contains("`client.close()` at line 9") }, "\(change.stateChanges)")
    }

    @Test("a step without a cause in the run keeps its plain explanation")
    func noCause() throws {
        let (x, e) = try explain(Self.connected + ["client.sendall(b\"hi\")"])
        #expect(e.cause == nil)
        #expect(x.cause == nil)
    }
}

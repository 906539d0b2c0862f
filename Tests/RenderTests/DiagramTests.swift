import Foundation
import Render
import Runner
import ScenarioFormat
import Testing

@Suite("Sequence diagrams")
struct DiagramTests {
    static func run(_ text: String) throws -> RunResult {
        let parsed = DocumentParser.parse(text: text, path: "test.md")
        return Runner.run(try #require(parsed.document))
    }

    static let conversation = """
    ```steps
    server = socket(AF_INET, SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    client = socket(AF_INET, SOCK_STREAM)
    client.connect(server.address)
    conn, addr = server.accept()
    client.sendall(b"Hello, server!")
    conn.recv(1024)
    client.close()
    ```
    """

    @Test("the actor annotation reads ACTOR=SOCKET,SOCKET entries separated by semicolons")
    func annotation() {
        let a = ActorAnnotation.parse("server=server,conn; client = client other ;bare")
        #expect(a.entries == [.init(actor: "server", sockets: ["server", "conn"]), .init(actor: "client", sockets: ["client", "other"]),
                              .init(actor: "bare", sockets: ["bare"])])
        #expect(a.problems.isEmpty)
        let bad = ActorAnnotation.parse("=x; 9lives=a; ok=b")
        #expect(bad.entries == [.init(actor: "ok", sockets: ["b"])])
        #expect(bad.problems.count == 2)
    }

    @Test("a listener and the connections it accepted share a column; the handshake, data and FIN are drawn")
    func columnsAndArrows() throws {
        let result = try Self.run(Self.conversation)
        let model = DiagramModel.build(events: result.events)
        #expect(model.actors.map(\.name) == ["server", "client"])
        #expect(model.actors[0].sockets == ["server", "conn"])
        let arrows = model.rows.flatMap(\.items).compactMap { item -> String? in
            if case .arrow(let f, let t, let label, _, _) = item { return "\(f)>\(t) \(label)" }
            return nil
        }
        #expect(arrows == ["1>0 SYN", "0>1 SYN-ACK", "1>0 ACK", "1>0 b'Hello, server!'", "1>0 FIN"])
        let states = model.rows.flatMap(\.items).compactMap { item -> String? in
            if case .state(_, let s, let st) = item { return "\(s) \(st)" }
            return nil
        }
        #expect(states.contains("server LISTEN"))
        #expect(states.contains("client ESTABLISHED"))
        #expect(states.contains("conn CLOSE_WAIT"))
    }

    @Test("closing one of two descriptors of a socket (dup) sends nothing; the last close sends the FIN")
    func dupClose() throws {
        let result = try Self.run("""
        ```steps
        server = socket(AF_INET, SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        client = socket(AF_INET, SOCK_STREAM)
        client.connect(server.address)
        conn, addr = server.accept()
        copy = client.dup()
        client.close()
        conn.recv(1024) -> blocks
        copy.close()
        conn.recv(1024) -> eof
        ```
        """)
        #expect(result.passed)
        let model = DiagramModel.build(events: result.events)
        let fins = model.rows.flatMap { row in row.items.compactMap { item -> Int? in
            if case .arrow(_, _, "FIN", _, _) = item { return row.index }
            return nil
        } }
        #expect(fins == [10])
    }

    @Test("the annotation decides the columns and their order")
    func annotatedColumns() throws {
        let result = try Self.run(Self.conversation)
        let model = DiagramModel.build(events: result.events, actors: .parse("laptop=client; web=server,conn"))
        #expect(model.actors.map(\.name) == ["laptop", "web"])
        let text = DiagramRenderer.render(model: model, style: Style(color: false, unicode: true))
        #expect(text.contains("laptop"))
        #expect(text.contains("conn.recv(1024)"))
    }

    @Test("a refused connection goes to a dotted column for the address, and the error is marked")
    func refused() throws {
        let result = try Self.run("""
        ```steps
        s = socket(AF_INET, SOCK_STREAM)
        s.connect(("127.0.0.1", 1))  -> ECONNREFUSED
        ```
        """)
        let text = DiagramRenderer.render(events: result.events, style: Style(color: false, unicode: true))
        #expect(text.contains("127.0.0.1:1"))
        #expect(text.contains("✗ ECONNREFUSED"))
        #expect(text.contains("SYN"))
        #expect(text.contains("RST"))
        #expect(text.contains("┊"))
    }

    @Test("ports are normalised in first-seen order", arguments: [true, false])
    func ports(_ normalize: Bool) throws {
        let result = try Self.run(Self.conversation)
        let text = DiagramRenderer.render(events: result.events, style: Style(color: false, unicode: false), width: 80,
                                          options: .init(normalizePorts: normalize))
        #expect(text.contains("127.0.0.1:P1") == normalize)
    }

    @Test("every width from 40 to 120 keeps every line inside it", arguments: [40, 60, 80, 120])
    func widths(_ width: Int) throws {
        let result = try Self.run(Self.conversation)
        for unicode in [true, false] {
            let text = DiagramRenderer.render(events: result.events, style: Style(color: false, unicode: unicode), width: width)
            for line in text.split(separator: "\n") { #expect(line.count <= width, "\(line)") }
        }
    }

    @Test("colour only when the style allows it")
    func colour() throws {
        let result = try Self.run(Self.conversation)
        #expect(!DiagramRenderer.render(events: result.events, style: Style(color: false, unicode: true)).contains("\u{1B}["))
        #expect(DiagramRenderer.render(events: result.events, style: Style(color: true, unicode: true)).contains("\u{1B}["))
    }

    @Test("learn mode can draw the steps run so far, and nothing at all")
    func partial() throws {
        let result = try Self.run(Self.conversation)
        let first = DiagramRenderer.render(events: Array(result.events.prefix(1)), style: .plain)
        #expect(first.contains("server"))
        #expect(!first.contains("client"))
        #expect(DiagramRenderer.render(events: [], style: .plain).contains("nothing to draw"))
    }
}

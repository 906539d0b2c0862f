import Foundation
import Testing

/// The built binary explains lesson 9's EPIPE with the step of this run that caused it.
@Suite("explanations name this run's cause, end to end")
struct RunCauseEndToEndTests {
    @Test("lesson 9: client.send -> EPIPE is explained by client.shutdown(SHUT_WR) at line 34, in text and JSON")
    func lesson9BrokenPipe() throws {
        let r = try Binary.run(["run", "lessons/09-closing-well.md"], cwd: packageRoot)
        #expect(r.status == 0, "\(r.stderr)")
        // The step and its explanation, with the wrapping undone.
        let start = try #require(r.stdout.range(of: "client.send(b\"one more thing\") -> EPIPE"))
        let block = String(r.stdout[start.lowerBound...]).components(separatedBy: "\n\n").first ?? ""
        let flat = block.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(flat.contains("It failed because `client.shutdown(SHUT_WR)` at line 34 ended sending on `client`"), "\(block)")
        // The run knows the cause, so the general list ("the peer has closed ..., or this side ...") is left out.
        #expect(!flat.contains("or this side called shutdown(SHUT_WR)"), "\(block)")

        let json = try Binary.run(["run", "--json", "lessons/09-closing-well.md"], cwd: packageRoot)
        let line = try #require(json.stdout.split(separator: "\n").first { $0.contains("one more thing") && $0.contains("\"type\":\"step\"") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let explanation = try #require(object["explanation"] as? [String: Any])
        let cause = try #require(explanation["cause"] as? [String: Any])
        #expect(cause["line"] as? Int == 34)
        #expect(cause["index"] as? Int == 7)
        #expect(cause["step"] as? String == "client.shutdown(SHUT_WR)")
        #expect((cause["text"] as? String)?.contains("`client.shutdown(SHUT_WR)` at line 34") == true)
        // A step whose outcome has no cause in the run has `cause: null`.
        let first = try #require(json.stdout.split(separator: "\n").first { $0.contains("\"type\":\"step\"") })
        let firstObject = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect((firstObject["explanation"] as? [String: Any])?["cause"] is NSNull)
    }
}

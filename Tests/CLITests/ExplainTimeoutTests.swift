import Foundation
import Testing

/// `sockstep explain TimeoutError`: in Python nearly always an expired settimeout, the kernel's ETIMEDOUT second.
@Suite("explain TimeoutError")
struct ExplainTimeoutTests {
    @Test("TimeoutError, socket.timeout and timeout explain settimeout first, then ETIMEDOUT", arguments: ["TimeoutError", "socket.timeout", "timeout"])
    func settimeoutFirst(_ name: String) throws {
        let r = try Binary.run(["explain", name], environment: ["NO_COLOR": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("TimeoutError (socket.timeout): a timeout set with settimeout expired"), "\(r.stdout)")
        let settimeout = try #require(r.stdout.range(of: "settimeout(N)"))
        #expect(r.stdout.contains("gives up after N seconds"))
        #expect(r.stdout.contains("settimeout(None) waits forever"))
        let kernel = try #require(r.stdout.range(of: "ETIMEDOUT"))
        #expect(settimeout.lowerBound < kernel.lowerBound, "settimeout must come before the kernel's ETIMEDOUT")
        #expect(r.stdout.contains("SYN was never answered"))
    }

    @Test("ETIMEDOUT itself is still the kernel's errno")
    func errnoStillThere() throws {
        let r = try Binary.run(["explain", "ETIMEDOUT"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("ETIMEDOUT — Connection timed out"), "\(r.stdout)")
    }
}

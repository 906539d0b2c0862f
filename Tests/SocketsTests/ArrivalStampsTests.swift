import Testing
@testable import Sockets

@Suite("Arrival stamps: the capture orders packets by when they crossed")
struct ArrivalStampsTests {
    @Test("the wait probes until a probe says packets are stamped on arrival")
    func waitsUntilStamped() {
        var answers: [Bool?] = [false, false, true, false]
        var asked = 0
        let stamped = ArrivalStamps.wait(patience: 60_000_000_000) {
            asked += 1
            return answers.removeFirst()
        }
        #expect(stamped)
        #expect(asked == 3, "no probe after the one that said yes")
    }

    @Test("a probe that cannot be made (no socket on 127.0.0.1) ends the wait at once, unconfirmed")
    func cannotProbe() {
        var answers: [Bool?] = [false, nil, true]
        var asked = 0
        let stamped = ArrivalStamps.wait(patience: 60_000_000_000) {
            asked += 1
            return answers.removeFirst()
        }
        #expect(!stamped)
        #expect(asked == 2)
    }

    @Test("stamps still taken as packets are read end the wait after its patience, unconfirmed")
    func patienceRunsOut() {
        var asked = 0
        // 100 ms: long enough that a preempted test thread still probes twice.
        let stamped = ArrivalStamps.wait(patience: 100_000_000) {
            asked += 1
            return false
        }
        #expect(!stamped)
        #expect(asked > 1, "it probed again while its patience lasted")
    }

    @Test("no patience (after a wait gave up): one probe, and its answer")
    func oneProbe() {
        var asked = 0
        #expect(!ArrivalStamps.wait(patience: 0) { asked += 1; return false })
        #expect(asked == 1)
        #expect(ArrivalStamps.wait(patience: 0) { true })
    }

    @Test("on this machine the kernel stamps arrivals once asked: the wait confirms it, and the next returns at once")
    func confirmedHere() {
        #expect(ArrivalStamps.awaitArrivalStamps())
        #expect(ArrivalStamps.areConfirmed)
        #expect(ArrivalStamps.awaitArrivalStamps())
    }
}

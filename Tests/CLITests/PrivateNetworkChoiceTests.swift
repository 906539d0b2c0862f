import Testing
@testable import SockstepCLI
import Sockets

@Suite("which command lines begin the private network before main")
struct PrivateNetworkChoiceTests {
    @Test("the commands that run steps do; the others, their help and no command do not")
    func commands() {
        let sockstep = "/usr/local/bin/sockstep"
        for command in ["run", "learn", "shell", "grade", "verify"] {
            #expect(CLI.wantsPrivateNetwork(program: sockstep, [command, "lesson.md"]), "\(command)")
            #expect(!CLI.wantsPrivateNetwork(program: sockstep, [command, "--help"]), "\(command) --help")
            #expect(!CLI.wantsPrivateNetwork(program: sockstep, [command, "-h"]), "\(command) -h")
        }
        for command in ["check", "explain", "export", "lessons", "gradescope", "classroom", "--version", "lesson.md"] {
            #expect(!CLI.wantsPrivateNetwork(program: sockstep, [command, "lesson.md"]), "\(command)")
        }
        #expect(!CLI.wantsPrivateNetwork(program: sockstep, []))
        #expect(CLI.wantsPrivateNetwork(program: "sockstep", ["run", "a.md", "b.md"]), "whatever the binary's path")
    }

    @Test("the test runner links the sockstep module (its constructor runs here too) and never enters it")
    func testRunner() {
        #expect(!CLI.wantsPrivateNetwork(program: "/work/.build/debug/sockstep-packageTests.xctest", ["run"]))
        #expect(!CLI.wantsPrivateNetwork(program: "sockstep-packageTests.xctest", ["learn", "x.md"]))
        // This process is that runner: the constructor ran, and left the machine's network alone.
        #expect(PrivateNetwork.status == .notTried)
    }
}

import Foundation
import SockstepCLI

CLI.enterPrivateNetwork(Array(CommandLine.arguments.dropFirst()))   // first: while the process has one thread
exit(CLI.main(Array(CommandLine.arguments.dropFirst())))

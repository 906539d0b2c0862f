import Foundation
import SockstepCLI

exit(CLI.main(Array(CommandLine.arguments.dropFirst())))

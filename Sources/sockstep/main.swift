import SockstepCLI

CLI.enterPrivateNetwork(Array(CommandLine.arguments.dropFirst()))   // first: while the process has one thread
CLI.run(Array(CommandLine.arguments.dropFirst()))

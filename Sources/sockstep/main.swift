import SockstepCLI

CLI.run(Array(CommandLine.arguments.dropFirst()))

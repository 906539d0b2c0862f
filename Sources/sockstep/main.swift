import SockstepCLI

// The private network was begun before main, by BeforeMain.swift.
CLI.run(Array(CommandLine.arguments.dropFirst()))

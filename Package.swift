// swift-tools-version: 6.0
// sockstep: a teaching playground for socket programming on real loopback sockets.
// No package dependencies: the toolchain's FoundationEssentials, Glibc and test libraries only (the
// product never imports Foundation: it starts in milliseconds; tests may).
import PackageDescription

// Release builds call each concrete generic type's metadata accessor directly instead of
// demangling its name at run time (the default, smaller code): a run does 14% fewer instructions,
// most of them at start-up, where each first use of a type like [String: Int] was decoded.
let releaseCodegen: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors", "-Xfrontend", "-function-sections"], .when(configuration: .release)),
]

let package = Package(
    name: "sockstep",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sockstep", targets: ["sockstep"]),
        .executable(name: "sockstep-bench", targets: ["sockstep-bench"]),
    ],
    targets: [
        // The only module that imports Glibc: typed syscalls, errno names, addresses, kernel views.
        // Extern: `@_extern(c)` declares the glibc functions its module map hides (GlibcExtras.swift).
        .target(name: "Sockets", swiftSettings: [.enableExperimentalFeature("Extern")] + releaseCodegen),
        // Markdown lessons, scenarios and exercises: parse to a Document, check for diagnostics.
        .target(name: "ScenarioFormat", dependencies: ["Sockets"], swiftSettings: releaseCodegen),
        // Runs a Document's steps on real loopback sockets and records an Event per step.
        .target(name: "Runner", dependencies: ["ScenarioFormat", "Sockets"], swiftSettings: releaseCodegen),
        // Pure: events in, plain-language explanations out (the errno, call and state catalog).
        .target(name: "Explain", dependencies: ["Runner", "ScenarioFormat", "Sockets"], swiftSettings: releaseCodegen),
        // Never touches sockets: terminal text, JSON lines, diagnostics, sequence diagrams, HTML and SVG.
        .target(name: "Render", dependencies: ["Explain", "Runner", "ScenarioFormat", "Sockets"], swiftSettings: releaseCodegen),
        // Writes a lesson as a Python, C or Swift program making the same calls (never calls Glibc itself).
        // Sockets is named although Export reaches it through Runner: Export uses its `joined`, and
        // a change there must rebuild Export (a transitive module alone did not, and the link failed).
        .target(name: "Export", dependencies: ["ScenarioFormat", "Runner", "Sockets"], swiftSettings: releaseCodegen),
        // Runs exercises' checks against students' programs and writes the reports.
        .target(name: "Grader", dependencies: ["Explain", "Render", "Runner", "ScenarioFormat", "Sockets"], swiftSettings: releaseCodegen),
        // Ships an exercise to where classes are: a Gradescope autograder zip, a GitHub Classroom workflow.
        // MemberImportVisibility: only what its files import is visible, so no Foundation API slips in.
        .target(name: "Ship", dependencies: ["Grader", "Render"], swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")] + releaseCodegen),
        // The hand-written command line, one file per subcommand.
        .target(name: "SockstepCLI", dependencies: ["Render", "Explain", "Runner", "ScenarioFormat", "Sockets", "Export", "Grader", "Ship"], swiftSettings: releaseCodegen),
        // A release build is one static executable: no dynamic loader, nothing to relocate at each
        // start (a third of a command's time when libstdc++ and libc were loaded), and no library
        // to find on Gradescope or a student's machine. Debug builds (`swift run`, tests) stay dynamic.
        .executableTarget(name: "sockstep", dependencies: ["SockstepCLI"], exclude: ["startup-order.txt"], swiftSettings: releaseCodegen,
                          linkerSettings: [.unsafeFlags(["-static-executable", "-Xlinker", "--section-ordering-file=\(Context.packageDirectory)/Sources/sockstep/startup-order.txt"], .when(platforms: [.linux], configuration: .release))]),
        // `swift run -c release sockstep-bench`: the figures in README.md's performance section.
        .executableTarget(name: "sockstep-bench", dependencies: ["Render", "Explain", "Runner", "ScenarioFormat", "Sockets"], swiftSettings: releaseCodegen),

        .testTarget(name: "SocketsTests", dependencies: ["Sockets"]),
        .testTarget(name: "ScenarioFormatTests", dependencies: ["ScenarioFormat"]),
        .testTarget(name: "RunnerTests", dependencies: ["Runner", "ScenarioFormat", "Sockets"]),
        .testTarget(name: "ExplainTests", dependencies: ["Explain", "Runner", "ScenarioFormat", "Sockets"]),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Explain", "Runner", "ScenarioFormat", "Sockets"],
                    exclude: ["Fixtures", "Golden"]),
        .testTarget(name: "CLITests", dependencies: ["SockstepCLI", "sockstep"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Runner", "ScenarioFormat", "Sockets"]),
        .testTarget(name: "GraderTests", dependencies: ["Grader", "SockstepCLI", "Runner", "ScenarioFormat", "Sockets"]),
        .testTarget(name: "ShipTests", dependencies: ["Ship", "Grader", "SockstepCLI", "sockstep"]),
    ],
    swiftLanguageModes: [.v6]
)

import Foundation
import Testing
@testable import Ship

/// Every bad input of `sockstep gradescope` and `sockstep classroom`, from the built binary:
/// the message, the hint and the exit code (2: something could not be used, 64: the command line).
@Suite struct ShipBadInputTests {
    static let echo = Fixtures.exercises + "/echo-server.md"

    struct Case: Sendable, CustomStringConvertible {
        var args: [String]
        var status: Int32
        var stderr: [String]
        var description: String { args.joined(separator: " ") }
    }

    static let usage = "Usage: sockstep gradescope <exercise> --command <command> [--output <file>] [--binary <path>]"

    static let cases: [Case] = [
        Case(args: ["gradescop", "x.md"], status: 64, stderr: ["Error: unknown command 'gradescop'. Did you mean 'gradescope'?"]),
        Case(args: ["clasroom"], status: 64, stderr: ["Error: unknown command 'clasroom'. Did you mean 'classroom'?"]),
        Case(args: ["gradescope"], status: 64, stderr: ["Error: no exercise given, like `sockstep gradescope scenarios/exercises/echo-server.md --command 'python3 server.py'`", usage, "See 'sockstep gradescope --help'."]),
        Case(args: ["gradescope", echo], status: 64, stderr: ["Error: no --command: say how a student's program starts, like --command 'python3 server.py'", usage]),
        Case(args: ["gradescope", echo, "--command"], status: 64, stderr: ["Error: missing value for '--command'"]),
        Case(args: ["gradescope", echo, "--command", ""], status: 64, stderr: ["Error: --command ``: the command is empty; write it as a shell would read it, like --command 'python3 server.py'"]),
        Case(args: ["gradescope", echo, "--command", "python3 'server.py"], status: 64, stderr: ["Error: --command `python3 'server.py`: the command has a ' that is never closed; write it as a shell would read it, like --command 'python3 server.py'"]),
        Case(args: ["gradescope", echo, "-c", "python3 server.py", "--outptu", "a.zip"], status: 64, stderr: ["Error: unknown option '--outptu'. Did you mean '--output'?"]),
        Case(args: ["gradescope", echo, "--", "python3", "server.py"], status: 64, stderr: ["Error: the program's command goes in --command, as one argument: --command 'python3 server.py'"]),
        Case(args: ["gradescope", echo, Fixtures.exercises + "/greeting-server.md", "-c", "x"], status: 64, stderr: ["Error: unexpected argument '\(Fixtures.exercises)/greeting-server.md'; give one exercise, and the program's command with --command 'python3 server.py'"]),
        Case(args: ["gradescope", echo, "-c", "x", "--force"], status: 64, stderr: ["Error: unknown option '--force' (a zip is always written anew)"]),
        Case(args: ["classroom", echo], status: 64, stderr: ["Error: no --command: say how a student's program starts, like --command 'python3 server.py'", "Usage: sockstep classroom <exercise> --command <command> [--output <dir>] [--binary <path>] [--force]"]),
        Case(args: ["gradescope", Fixtures.exercises + "/echo-servr.md", "-c", "x"], status: 2, stderr: [
            "\(Fixtures.exercises)/echo-servr.md:1:1: error: there is no exercise file at `\(Fixtures.exercises)/echo-servr.md`",
            "  = help: did you mean `\(Fixtures.exercises)/echo-server.md`?",
            "Error: the exercise \(Fixtures.exercises)/echo-servr.md cannot be used until these problems are fixed."]),
        Case(args: ["classroom", Fixtures.root + "/lessons/02-first-tcp-conversation.md", "-c", "x"], status: 2, stderr: [
            "\(Fixtures.root)/lessons/02-first-tcp-conversation.md:1:1: error: this exercise does not say what the student's program is",
            "  = help: add `program: server` (the program listens; the checks connect to it) or `program: client` to the front matter"]),
        Case(args: ["gradescope", echo, "-c", "x", "--binary", echo], status: 2, stderr: [
            "error: \(echo) is not a Linux program (a 64-bit ELF file)",
            " = help: give the sockstep to ship with --binary, best a release build with the Swift runtime inside: swift build -c release --static-swift-stdlib, then --binary .build/release/sockstep"]),
        Case(args: ["gradescope", echo, "-c", "x", "--binary", "/nonexistent/sockstep"], status: 2, stderr: ["error: there is no sockstep program at /nonexistent/sockstep"]),
        Case(args: ["gradescope", echo, "-c", "x", "--binary", Fixtures.sockstep, "-o", "/nonexistent/dir/autograder.zip"], status: 2, stderr: [
            "Error: the autograder cannot be written to /nonexistent/dir/autograder.zip: the folder /nonexistent/dir does not exist", "Write it somewhere else: --output path/to/autograder.zip"]),
        Case(args: ["gradescope", echo, "-c", "x", "--binary", Fixtures.sockstep, "-o", Fixtures.exercises], status: 2, stderr: [
            "Error: the autograder cannot be written to \(Fixtures.exercises): it is a folder", "Give the zip's file name: --output \(Fixtures.exercises)/autograder.zip"]),
        Case(args: ["gradescope", echo, "-c", "x", "--binary", Fixtures.sockstep, "-o", echo + "/autograder.zip"], status: 2, stderr: [
            "Error: the autograder cannot be written to \(echo)/autograder.zip: \(echo) is not a folder"]),
        Case(args: ["classroom", echo, "-c", "x", "--binary", Fixtures.sockstep, "-o", "/nonexistent/template"], status: 2, stderr: [
            "Error: '/nonexistent/template' is not a folder", "Give the template repository's folder: --output path/to/template (create it first)."]),
    ]

    @Test(arguments: cases)
    func badInput(_ c: Case) throws {
        let r = try Fixtures.sockstep(c.args, cwd: try TestScratch.folder("bad-input"))
        #expect(r.status == c.status, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for expected in c.stderr { #expect(lines.contains(expected), "missing: \(expected)\nstderr:\n\(r.stderr)") }
        #expect(r.stdout.isEmpty)
    }

    @Test(arguments: ["gradescope", "classroom"])
    func help(_ command: String) throws {
        for args in [[command, "--help"], ["help", command], [command, Self.echo, "-h"]] {
            let r = try Fixtures.sockstep(args)
            #expect(r.status == 0)
            #expect(r.stdout.hasPrefix("OVERVIEW: Write a "))
            for part in ["\nUSAGE: sockstep \(command) <exercise> --command <command>", "\nOPTIONS:\n", "--binary <path>", "\nEXIT STATUS: 0", "\nEXAMPLES:\n"] {
                #expect(r.stdout.contains(part), "\(part)")
            }
        }
        let all = try Fixtures.sockstep(["--help"])
        #expect(all.stdout.contains("  \(command)  "))
    }

    /// A write that fails only when it is tried (/proc takes no new files, even from root).
    @Test func aWriteThatFailsSaysWhy() throws {
        let r = try Fixtures.sockstep(["gradescope", Self.echo, "-c", "python3 server.py", "--binary", Fixtures.sockstep, "-o", "/proc/autograder.zip"])
        #expect(r.status == 2)
        if getuid() == 0 {
            // root may write to /proc as far as access(2) knows: the write itself fails.
            #expect(r.stderr.contains("Error: the autograder could not be written to /proc/autograder.zip: "), "\(r.stderr)")
            #expect(r.stderr.contains("Check that the folder exists and is writable."))
        } else {
            #expect(r.stderr.contains("Error: the autograder cannot be written to /proc/autograder.zip: the folder /proc is not writable"), "\(r.stderr)")
        }
    }

    @Test func classroomKeepsAWorkflowItDidNotWrite() throws {
        let dir = try TestScratch.folder("template")
        try FileManager.default.createDirectory(atPath: dir + "/.github/workflows", withIntermediateDirectories: true)
        let theirs = "name: GitHub Classroom Workflow\non: [push]\n"
        try theirs.write(toFile: dir + "/" + ClassroomWorkflow.workflowPath, atomically: true, encoding: .utf8)
        // An exercise with half a point, which Classroom cannot count.
        let exercise = dir + "/half.md"
        try String(contentsOfFile: Self.echo, encoding: .utf8).replacingOccurrences(of: "(1 point, hidden)", with: "(0.5 points, hidden)").write(toFile: exercise, atomically: true, encoding: .utf8)
        // Any program that needs only libc will do as the binary here: this test is about the workflow file.
        let small = URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().path
        let args = ["classroom", exercise, "-c", "python3 server.py", "--binary", small, "-o", dir]
        let r = try Fixtures.sockstep(args)
        #expect(r.status == 2)
        #expect(r.stderr == "Error: \(dir)/.github/workflows/classroom.yml exists and sockstep did not write it (GitHub Classroom's own tests?)\nMove it away, or replace it with --force.\n")
        #expect(try String(contentsOfFile: dir + "/" + ClassroomWorkflow.workflowPath, encoding: .utf8) == theirs)
        #expect(!FileManager.default.fileExists(atPath: dir + "/.github/classroom"))

        let forced = try Fixtures.sockstep(args + ["--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("warning: check 5 is worth 0.5 points, but GitHub Classroom counts whole points only: it counts 0\n = help: give every check whole points for GitHub Classroom\n"))
        let yaml = try String(contentsOfFile: dir + "/" + ClassroomWorkflow.workflowPath, encoding: .utf8)
        #expect(yaml.hasPrefix(ClassroomWorkflow.marker))
        #expect(yaml.contains("max-score: 0\n"))
        // Its own workflow it replaces without --force.
        let again = try Fixtures.sockstep(args)
        #expect(again.status == 0, "\(again.stderr)")
    }
}

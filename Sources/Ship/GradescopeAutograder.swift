import Grader
import Render

/// The autograder a teacher uploads to Gradescope (a zip with `setup.sh` and `run_autograder` at its
/// root, as https://gradescope-autograders.readthedocs.io/en/latest/specs/ describes): Gradescope
/// unpacks it into /autograder/source, runs `setup.sh` once to build its image, then, for every
/// submission in a fresh container, `run_autograder`, which must leave /autograder/results/results.json.
///
/// `run_autograder` calls `sockstep grade --format gradescope`, so points, hidden checks
/// (`after_due_date`) and the feedback are the grader's own report; the script only adds what
/// happens around it, and writes a readable results.json itself when grading cannot happen at all
/// (an empty submission, a missing file, a sockstep that cannot run).
public enum GradescopeAutograder {
    /// Names the zip's own files take, so the exercise file gets another name if it has one of them.
    static let reserved: Set<String> = ["setup.sh", "run_autograder", "README.md", "sockstep", "lib"]

    public static func exerciseFileName(_ name: String) -> String {
        reserved.contains(name) ? "exercise.md" : name
    }

    /// Every file of the zip, in the order they are written.
    public static func files(_ s: Shipment) -> [ShippedFile] {
        let exerciseFile = exerciseFileName(s.exerciseName)
        return [
            ShippedFile("setup.sh", setupScript(s), mode: 0o755),
            ShippedFile("run_autograder", runScript(s, exerciseFile: exerciseFile), mode: 0o755),
            ShippedFile("README.md", readme(s, exerciseFile: exerciseFile)),
            ShippedFile(exerciseFile, bytes: s.exerciseBytes, mode: 0o644),
        ] + s.binaryFiles(in: "")
    }

    public static func zip(_ s: Shipment, modified: Double) throws -> [UInt8] {
        var archive = ZipArchive(modified: modified)
        for f in files(s) { try archive.add(f.path, f.bytes, mode: f.mode) }
        return try archive.bytes()
    }

    /// Ubuntu packages for the usual ways to start a program (the base image has none of them for sure).
    static func packages(for command: ProgramCommand) -> [String] {
        let program = command.usesShell ? "" : (command.words.first.map { String($0.split(separator: "/").last ?? "") } ?? "")
        switch program {
        case "python3", "python": return ["python3"]
        case "node", "nodejs": return ["nodejs"]
        case "java": return ["default-jre-headless"]
        case "ruby": return ["ruby"]
        case "perl": return ["perl"]
        case "php": return ["php-cli"]
        case "go": return ["golang-go"]
        case "dotnet": return ["dotnet-sdk-8.0"]
        default: return []
        }
    }

    static func setupScript(_ s: Shipment) -> String {
        let packages = packages(for: s.command)
        let install = packages.isEmpty
            ? "# The command (\(Shipment.comment(s.command.line))) needs nothing from apt that sockstep knows of;\n# add what it needs here, like: apt-get install -y --no-install-recommends python3\n"
            : "apt-get update\nDEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \(packages.joined(separator: " "))\n"
        return """
        #!/usr/bin/env bash
        # setup.sh, written by sockstep \(s.version) (`sockstep gradescope`) for "\(Shipment.comment(s.exercise.title))".
        # Gradescope runs it once, as root, when it builds the autograder's image: everything the
        # grading needs is installed here, so that each submission is graded in seconds.
        set -euo pipefail
        cd "$(dirname "$0")"

        # What the students' programs run with: \(Shipment.comment(s.command.line))
        \(install)
        # sockstep itself is in this folder (\(s.binary.isSelfContained ? "a release build with the Swift runtime inside: it needs \(s.binary.needs)" : "with the Swift libraries it needs, in lib/")).
        chmod +x sockstep run_autograder
        if [ -d lib ]; then export LD_LIBRARY_PATH="$PWD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
        # Fails the image build at once, with the reason, if sockstep cannot run on this image.
        ./sockstep --version

        """
    }

    /// The results.json written without sockstep: score 0, the reason at the top, every check 0 of its points.
    static func notGradedTests(_ s: Shipment) -> String {
        let tests = s.exercise.checks.map { c in
            "    {\"number\": \(JSON.quote(String(c.number))), \"name\": \(JSON.quote(c.name)), \"score\": 0, \"max_score\": \(JSON.double(c.points).text), "
                + "\"status\": \"failed\", \"output\": \"Not graded: see the message at the top.\", \"output_format\": \"text\", \"visibility\": \(JSON.quote(c.hidden ? "after_due_date" : "visible"))}"
        }
        return tests.joined(separator: ",\n")
    }

    static func runScript(_ s: Shipment, exerciseFile: String) -> String {
        let command = s.command.words.map(ProgramCommand.shellQuoted).joined(separator: " ")
        let files = s.command.namedFiles.map(ProgramCommand.shellQuoted).joined(separator: " ")
        let commandText = s.command.line.split(whereSeparator: \.isNewline).joined(separator: " ")
        let teacher = "This is not a problem with your program: please tell your teacher."
        return """
        #!/usr/bin/env bash
        # run_autograder, written by sockstep \(s.version) (`sockstep gradescope`) for "\(Shipment.comment(s.exercise.title))".
        # Gradescope runs it for every submission, in a fresh container: it grades the program in
        # $ROOT/submission with `sockstep grade --format gradescope` and leaves $ROOT/results/results.json.
        # Whatever goes wrong (an empty submission, a missing file, a sockstep that cannot run), it
        # writes a results.json that tells the student what happened, and exits 0.
        #
        # AUTOGRADER_ROOT is the folder laid out like Gradescope's /autograder (the default), so the
        # autograder can be tried anywhere:
        #   mkdir -p /tmp/ag/submission && unzip autograder.zip -d /tmp/ag/source && cp \(s.example) /tmp/ag/submission/
        #   AUTOGRADER_ROOT=/tmp/ag bash /tmp/ag/source/run_autograder && cat /tmp/ag/results/results.json
        set -u

        ROOT="${AUTOGRADER_ROOT:-/autograder}"
        SOURCE="$ROOT/source"
        SUBMISSION="$ROOT/submission"
        RESULTS="$ROOT/results"
        RESULT="$RESULTS/results.json"
        SOCKSTEP="$SOURCE/sockstep"
        EXERCISE="$SOURCE/\(exerciseFile)"
        # How a student's program starts, in the folder of their submission: \(Shipment.comment(s.command.line))
        COMMAND=(\(command))
        # The files that command needs: a submission without them is not graded.
        NEEDED=(\(files))
        if [ -d "$SOURCE/lib" ]; then export LD_LIBRARY_PATH="$SOURCE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
        export NO_COLOR=1

        # A text as a JSON string (quotes, backslashes, tabs and line breaks escaped; other control
        # characters dropped).
        json_string() {
          printf '%s' "$1" | tr -d '\\000-\\010\\013\\014\\016-\\037' \\
            | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g' -e 's/\\t/\\\\t/g' -e 's/\\r/\\\\r/g' \\
            | awk 'BEGIN { printf "\\"" } NR > 1 { printf "\\\\n" } { printf "%s", $0 } END { printf "\\"" }'
        }

        # Writes a results.json without sockstep: score 0, the reason for the student, each check at 0.
        not_graded() {
          mkdir -p "$RESULTS" 2>/dev/null
          {
            printf '{\\n  "score": 0,\\n  "output": %s,\\n' "$(json_string "$1")"
            cat <<'SOCKSTEP_TESTS'
          "output_format": "text",
          "visibility": "visible",
          "stdout_visibility": "hidden",
          "tests": [
        \(notGradedTests(s))
          ]
        }
        SOCKSTEP_TESTS
          } > "$RESULT"
          echo "run_autograder: not graded: $1"
          trap - EXIT
          exit 0
        }

        # However this script ends, a result is left behind.
        on_exit() {
          status=$?
          if [ ! -s "$RESULT" ]; then
            not_graded "The autograder stopped (status $status) before it could grade your submission. \(teacher)"
          fi
        }
        trap on_exit EXIT
        trap 'exit 143' TERM INT

        mkdir -p "$RESULTS" || exit 0
        rm -f "$RESULT"

        # The autograder's own files.
        [ -f "$EXERCISE" ] || not_graded "The autograder is incomplete: its exercise file (\(exerciseFile)) is missing. \(teacher)"
        [ -f "$SOCKSTEP" ] || not_graded "The autograder is incomplete: the sockstep program is missing from it. \(teacher)"
        [ -x "$SOCKSTEP" ] || chmod +x "$SOCKSTEP" 2>/dev/null
        if ! VERSION=$("$SOCKSTEP" --version 2>&1); then
          not_graded "The autograder's sockstep program cannot run on this machine: $VERSION. \(teacher)"
        fi

        # The submission: a program, maybe inside one folder of the upload.
        if [ ! -d "$SUBMISSION" ] || [ -z "$(ls -A "$SUBMISSION" 2>/dev/null)" ]; then
          not_graded "Your submission is empty. Upload \(s.filesInWords.replacing("`", with: "")): the autograder starts it with: \(commandText)"
        fi
        WORKDIR="$SUBMISSION"
        if [ ${#NEEDED[@]} -gt 0 ] && [ ! -e "$WORKDIR/${NEEDED[0]}" ]; then
          # An upload of a folder (or of a zip of one) puts the files one level down, or deeper.
          found=$(cd "$SUBMISSION" && find . -path "*/${NEEDED[0]}" -type f 2>/dev/null | sort | head -n 1)
          if [ -n "$found" ]; then
            dir="${found%/"${NEEDED[0]}"}"
            WORKDIR="$SUBMISSION/${dir#./}"
          fi
        fi
        for f in "${NEEDED[@]}"; do
          if [ ! -e "$WORKDIR/$f" ]; then
            listing=$(cd "$SUBMISSION" && ls -A | head -n 20 | tr '\\n' ' ')
            not_graded "Your submission has no $f. The autograder starts your program with: \(commandText) (in the folder you upload). Your submission has: ${listing% }"
          fi
        done

        # Grading: sockstep writes results.json itself, for a program that works, fails or never starts.
        echo "run_autograder: $VERSION grades $WORKDIR: ${COMMAND[*]}"
        ERRORS=$(mktemp 2>/dev/null || echo "$RESULTS/.sockstep-errors")
        cd "$WORKDIR" || not_graded "The autograder could not enter the folder of your submission. \(teacher)"
        "$SOCKSTEP" grade "$EXERCISE" --format gradescope --output "$RESULT" -- "${COMMAND[@]}" 2>"$ERRORS"
        status=$?
        cat "$ERRORS"
        echo "run_autograder: sockstep grade exited with status $status"
        if [ ! -s "$RESULT" ] || [ "$(head -c 1 "$RESULT")" != "{" ]; then
          said=$(tail -n 15 "$ERRORS")
          rm -f "$ERRORS"
          not_graded "The autograder could not grade your submission (sockstep exited with status $status). \(teacher) sockstep said: $said"
        fi
        rm -f "$ERRORS"
        trap - EXIT
        exit 0

        """
    }

    static func readme(_ s: Shipment, exerciseFile: String) -> String {
        let binaryNote: String
        if s.binary.isSelfContained {
            binaryNote = """
            `sockstep` in this zip is a build with the Swift runtime inside (`--static-swift-stdlib`):
            it needs \(s.binary.needs), so `setup.sh` has nothing to build or download for it\(s.binary.glibc.map { " (it asks for glibc \($0) or newer; Ubuntu 22.04 has 2.35)" } ?? "").
            """
        } else {
            binaryNote = """
            `sockstep` in this zip needs the Swift runtime, so its \(s.binary.libraries.count) shared libraries came along in
            `lib/` (\(SockstepBinary.megabytes(s.binary.totalBytes)) in all) and the scripts put them on `LD_LIBRARY_PATH`. A build with the
            runtime inside is much smaller and needs nothing: in sockstep's repository run
            `swift build -c release --static-swift-stdlib`, then `sockstep gradescope … --binary .build/release/sockstep`.
            """
        }
        let why = "sockstep comes built, rather than built by `setup.sh`: that would need a Swift toolchain\n(about 1 GiB) in the image, and a download that can fail; the binary makes the build a minute."
        return """
        # Gradescope autograder: \(s.exercise.title)

        Written by sockstep \(s.version) with `sockstep gradescope \(s.exerciseName) --command \(ProgramCommand.shellQuoted(s.command.line))`.

        ## Using it

        1. On Gradescope, create a **Programming Assignment** worth \(Shipment.points(s.exercise.maxScore)) (the exercise's total).
        2. Under **Configure Autograder**, choose the Ubuntu 22.04 base image (or newer) and upload this zip.
           Gradescope builds the image with `setup.sh` (a minute or so) and shows the build log.
        3. Students upload \(s.command.namedFiles.isEmpty ? "their program" : s.filesInWords) (just the file\(s.command.namedFiles.count > 1 ? "s" : ""), or a folder with \(s.command.namedFiles.count > 1 ? "them" : "it") inside). Each
           submission is graded in its own container with: `\(s.command.line)`
        4. Try it first with **Test Autograder** and the reference solution.

        ## What is in it

        | file | what it does |
        |---|---|
        | `setup.sh` | runs once when Gradescope builds the image: installs what the students' programs run with (\(packages(for: s.command).isEmpty ? "nothing; add your language here" : packages(for: s.command).joined(separator: ", "))) and checks that `sockstep` runs |
        | `run_autograder` | runs for every submission: `sockstep grade \(exerciseFile) --format gradescope` on the program in `/autograder/submission`, writing `/autograder/results/results.json` |
        | `\(exerciseFile)` | the exercise: its checks, points, hidden checks and time limits |
        | `sockstep` | the grader itself\(s.binary.isSelfContained ? "" : "; `lib/` holds the Swift libraries it needs") |

        \(binaryNote)
        \(why)

        ## The checks

        \(s.checkList)

        Each check is one Gradescope test with its points. Hidden checks are graded at once, but
        students see them (name, score and feedback) only after the due date (`after_due_date`);
        you see everything. The feedback for a failed check is sockstep's: what was sent, what came
        back, the expected and actual bytes, the explanation of a socket error and the hint.

        When a submission cannot be graded at all, `run_autograder` still writes a results.json with
        score 0 and a sentence for the student: an empty submission, no \(s.filesInWords) in it, or a
        program that does not start (then sockstep's report says why, with the end of its stderr).
        What `run_autograder` printed is in Gradescope's autograder output, for you only.

        ## Trying it without Gradescope

        `AUTOGRADER_ROOT` names a folder laid out like Gradescope's `/autograder`:

        ```sh
        mkdir -p /tmp/ag/submission && unzip autograder.zip -d /tmp/ag/source
        cp \(s.example) /tmp/ag/submission/            # a student's program
        AUTOGRADER_ROOT=/tmp/ag bash /tmp/ag/source/run_autograder
        cat /tmp/ag/results/results.json
        ```

        To change the command or the exercise, edit them and run `sockstep gradescope` again.

        """
    }
}

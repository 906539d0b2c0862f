import Grader
import Render

/// A GitHub Classroom autograding workflow for a student repository, the way Classroom's own
/// editor writes one since 2024: `.github/workflows/classroom.yml` with one
/// `classroom-resources/autograding-command-grader@v1` step per test (its command's exit status 0
/// earns the step's `max-score`) and `classroom-resources/autograding-grading-reporter@v1` at the
/// end, which adds the steps' results up and reports "Points X/Y" to Classroom on the job's check
/// run (named "Autograding Tests").
///
/// sockstep grades the program once (a `run:` step calling `.github/classroom/grade.sh`), writing a
/// TAP report; then each check of the exercise is one command-grader step, `grade.sh check N`, that
/// exits 0 when check N passed. So every check counts its own points in Classroom, and the program
/// runs once.
public enum ClassroomWorkflow {
    public static let folder = ".github/classroom/"
    public static let workflowPath = ".github/workflows/classroom.yml"
    /// The first line of every generated workflow: a workflow without it is not overwritten.
    public static let marker = "# Written by sockstep"

    public static func files(_ s: Shipment) -> [ShippedFile] {
        [
            ShippedFile(workflowPath, workflow(s)),
            ShippedFile(folder + "grade.sh", gradeScript(s), mode: 0o755),
            ShippedFile(folder + "README.md", readme(s)),
            ShippedFile(folder + s.exerciseName, bytes: s.exerciseBytes, mode: 0o644),
        ] + s.binaryFiles(in: folder)
    }

    /// Checks whose points GitHub Classroom cannot count: the command grader reads `max-score`
    /// with parseInt, so 0.5 counts 0 and 1.5 counts 1.
    public static func fractionalChecks(_ e: Exercise) -> [Check] {
        e.checks.filter { $0.points != $0.points.rounded() }
    }

    /// A YAML double-quoted string (JSON's syntax is YAML's), with `${{` broken up so that Actions
    /// never evaluates an expression from a check's name.
    static func yaml(_ s: String) -> String {
        JSON.quote(s.replacing("${{", with: "$ {{"))
    }

    static func workflow(_ s: Shipment) -> String {
        let gradeMinutes = max(2, Int((s.exercise.timeout / 60).rounded(.up)) + 1)
        var steps = """
            - name: Checkout code
              uses: actions/checkout@v4
            - name: Grade with sockstep
              run: bash .github/classroom/grade.sh
              timeout-minutes: \(gradeMinutes)

        """
        for c in s.exercise.checks {
            steps += """
                - name: \(yaml("Check \(c.number): \(c.name)"))
                  id: check\(c.number)
                  uses: classroom-resources/autograding-command-grader@v1
                  with:
                    test-name: \(yaml(c.name))
                    setup-command: ""
                    command: bash .github/classroom/grade.sh check \(c.number)
                    timeout: 1
                    max-score: \(Int(c.points.rounded(.down)))

            """
        }
        let env = s.exercise.checks.map { "        CHECK\($0.number)_RESULTS: \"${{ steps.check\($0.number).outputs.result }}\"" }.joined(separator: "\n")
        let runners = s.exercise.checks.map { "check\($0.number)" }.joined(separator: ",")
        return """
        \(marker) \(s.version) (`sockstep classroom`) for \(Shipment.comment(s.exercise.title)): do not edit by hand,
        # run `sockstep classroom` again. On every push, sockstep grades the program with the exercise in
        # .github/classroom/, then each check is one Classroom test worth its points.
        name: Autograding Tests
        'on':
        - push
        - repository_dispatch
        permissions:
          checks: write
          actions: read
          contents: read
        jobs:
          run-autograding-tests:
            # The reporter reports the points on the check run of this name.
            name: Autograding Tests
            runs-on: ubuntu-latest
            if: github.actor != 'github-classroom[bot]'
            steps:
        \(steps)    - name: Autograding Reporter
              uses: classroom-resources/autograding-grading-reporter@v1
              env:
        \(env)
              with:
                runners: \(runners)

        """
    }

    static func gradeScript(_ s: Shipment) -> String {
        let command = s.command.words.map(ProgramCommand.shellQuoted).joined(separator: " ")
        return """
        #!/usr/bin/env bash
        # Written by sockstep \(s.version) (`sockstep classroom`) for "\(Shipment.comment(s.exercise.title))".
        #   bash .github/classroom/grade.sh           grades the program at the top of the repository
        #                                             (\(Shipment.comment(s.command.line))), prints the report
        #   bash .github/classroom/grade.sh check N   exits 0 when check N passed (one Classroom test each)
        # The report is kept in .sockstep/results.tap, so the program runs once for all the checks.
        set -u
        HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
        REPO="$(cd "$HERE/../.." && pwd)"
        SOCKSTEP="$HERE/sockstep"
        EXERCISE="$HERE/\(s.exerciseName)"
        RESULTS="$REPO/.sockstep/results.tap"
        COMMAND=(\(command))
        if [ -d "$HERE/lib" ]; then export LD_LIBRARY_PATH="$HERE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
        export NO_COLOR=1

        grade() {
          mkdir -p "$(dirname "$RESULTS")"
          [ -x "$SOCKSTEP" ] || chmod +x "$SOCKSTEP" 2>/dev/null
          cd "$REPO" || exit 1
          "$SOCKSTEP" grade "$EXERCISE" --format tap --output "$RESULTS" -- "${COMMAND[@]}"
          status=$?
          if [ ! -s "$RESULTS" ]; then
            # sockstep could not grade at all (it says why above): every check counts 0.
            echo "Bail out! sockstep could not grade this repository (status $status)" > "$RESULTS"
          fi
          cat "$RESULTS"
          return 0
        }

        case "${1:-}" in
          "")
            grade
            ;;
          check)
            n="${2:?usage: grade.sh check N}"
            [ -s "$RESULTS" ] || grade > /dev/null
            line=$(grep -E "^(not )?ok $n( |$)" "$RESULTS" | head -n 1)
            if [ "${line#ok }" != "$line" ]; then
              echo "$line"
              exit 0
            fi
            echo "${line:-check $n was not graded}: see the step 'Grade with sockstep' for what happened"
            exit 1
            ;;
          *)
            echo "usage: grade.sh [check N]"
            exit 64
            ;;
        esac

        """
    }

    static func readme(_ s: Shipment) -> String {
        let fractional = fractionalChecks(s.exercise)
        let pointsNote = fractional.isEmpty ? "" : "\n**Note:** GitHub Classroom counts whole points only; \(fractional.map { "check \($0.number) (\(Shipment.points($0.points)))" }.joined(separator: ", ")) counts \(fractional.map { String(Int($0.points.rounded(.down))) }.joined(separator: ", ")) there.\n"
        return """
        # GitHub Classroom autograding: \(s.exercise.title)

        Written by sockstep \(s.version) with `sockstep classroom \(s.exerciseName) --command \(ProgramCommand.shellQuoted(s.command.line))`.

        Commit these files to the assignment's **template repository**: `.github/workflows/classroom.yml`
        and this folder. In the assignment's settings, leave the autograding tests empty: the workflow
        is the test. On every push to a student's repository, GitHub Actions runs the workflow, which
        grades the program at the top of the repository (\(s.filesInWords), started with
        `\(s.command.line)`) and reports the points to GitHub Classroom.

        | file | what it does |
        |---|---|
        | `.github/workflows/classroom.yml` | checks the code out, runs `grade.sh`, then one `autograding-command-grader` test per check (exit 0 earns its points), then `autograding-grading-reporter`, which sends "Points X/Y" to Classroom |
        | `grade.sh` | runs `sockstep grade` once (report in `.sockstep/results.tap`, shown in the log); `grade.sh check N` passes when check N passed |
        | `\(s.exerciseName)` | the exercise: its checks, points and time limits |
        | `sockstep` | the grader\(s.binary.isSelfContained ? ", with the Swift runtime inside (`--static-swift-stdlib`): it needs nothing on GitHub's ubuntu-latest" : "; `lib/` holds the Swift libraries it needs (\(SockstepBinary.megabytes(s.binary.totalBytes)) in all: a `--static-swift-stdlib` release build needs none)") |

        ## The checks

        \(s.checkList)
        \(pointsNote)
        Students see each check's result in the Actions log and the total in GitHub Classroom.
        Hidden checks are graded, but their details are not shown (the log is public to the student).
        Students can run the same grading on their own machine: `bash .github/classroom/grade.sh`.
        Add `.sockstep/` to the template's `.gitignore`. A student's repository is theirs, these files
        included: compare `.github/` with the template's when a grade looks too good.

        """
    }
}

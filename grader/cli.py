"""The `grade` command: a thin click layer over the grader library."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader import __version__

EXIT_CODES = """\b
Exit codes:
  0  at or above the pass mark (full marks by default); for other commands, success
  1  graded below the pass mark, or a validation problem was found
  2  usage error, course error, or not a workspace"""


class UsageProblem(click.ClickException):
    """A problem the user must fix before grading can run (exit code 2)."""

    exit_code = 2


def _course(course_dir: Path | None = None):
    from grader.course.load import load_course
    from grader.course.problems import InputError

    try:
        return load_course(course_dir)
    except InputError as error:
        raise UsageProblem(f"the course has problems:\n{error}") from None


_ORDER = [
    "init",
    "list",
    "check",
    "hint",
    "watch",
    "ci",
    "validate",
    "digest",
    "build-site",
    "batch",
    "merge",
    "class",
    "export",
]


class _Commands(click.Group):
    """List the commands in the order a student meets them, not alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        known = [name for name in _ORDER if name in self.commands]
        return known + sorted(set(self.commands) - set(known))


@click.group(cls=_Commands, invoke_without_command=True, epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="grade")
@click.pass_context
def cli(context: click.Context) -> None:
    """Grade your neural-network exercises and quizzes.

    Run `grade` in your workspace to grade everything; `grade init DIR` makes one.
    Then `grade list` shows what to do next, `grade hint ID` helps when you are stuck,
    and `grade watch` re-grades each file as you save it.

    \b
    Example:
      grade init neurons && cd neurons && grade
    """
    if context.invoked_subcommand is None:
        context.invoke(check)


def _write_reports(report, outputs: list[tuple[str, str | None]]) -> None:
    from grader.reporters import FORMATS

    for format_name, target in outputs:
        if not target:
            continue
        text = FORMATS[format_name](report)
        try:
            Path(target).write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageProblem(f"cannot write {target}: {error.strerror}") from None


@cli.command(short_help="Grade everything, or only the exercises and quizzes given.")
@click.argument("ids", nargs=-1)
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The workspace to grade.",
)
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="What to print (or write to --output).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Write the report here instead of printing it.",
)
@click.option(
    "--json", "json_file", type=click.Path(dir_okay=False), help="Also write a JSON report here."
)
@click.option(
    "--junit", "junit_file", type=click.Path(dir_okay=False), help="Also write JUnit XML here."
)
@click.option(
    "--markdown",
    "markdown_file",
    type=click.Path(dir_okay=False),
    help="Also write a Markdown summary here.",
)
@click.option(
    "--gradescope",
    "gradescope_file",
    type=click.Path(dir_okay=False),
    help="Also write Gradescope results.json here.",
)
@click.option(
    "--classroom50",
    "classroom50_file",
    type=click.Path(dir_okay=False),
    help="Also write Classroom 50's result.json here.",
)
@click.option(
    "--pass-mark",
    help="Points (e.g. 30) or a percentage (e.g. 80%) needed to exit 0; default: full marks.",
)
def check(
    ids,
    workspace,
    format_name,
    output,
    json_file,
    junit_file,
    markdown_file,
    gradescope_file,
    classroom50_file,
    pass_mark,
) -> None:
    """Grade the workspace: every exercise and quiz, or only the IDS given.

    \b
    Examples:
      grade check                      # everything
      grade check sigmoid relu_output  # two items
      grade check --format json -o report.json --junit junit.xml
    """
    from grader.ci import CiError, check_pass_mark, pass_mark_points
    from grader.grading.engine import GradingError
    from grader.grading.workspace import NotAWorkspace, grade_workspace
    from grader.reporters import FORMATS
    from grader.reporters.terminal import output_width, use_color
    from grader.reporters.text import render_text

    course = _course()
    targets = (output, json_file, junit_file, markdown_file, gradescope_file, classroom50_file)
    for target in targets:
        if target and not Path(target).resolve().parent.is_dir():
            raise UsageProblem(f"cannot write {target}: its folder does not exist")
    try:
        if pass_mark is not None:
            check_pass_mark(pass_mark)
        report = grade_workspace(course, workspace, ids or None)
        needed = pass_mark_points(pass_mark, report.max_score)
    except (NotAWorkspace, GradingError, CiError) as error:
        raise UsageProblem(str(error)) from None
    if not output:
        text = (
            FORMATS["json"](report)
            if format_name == "json"
            else render_text(report, color=use_color(sys.stdout), width=output_width(sys.stdout))
        )
        click.echo(text, nl=not text.endswith("\n"))
    _write_reports(
        report,
        [
            (format_name, output),
            ("json", json_file),
            ("junit", junit_file),
            ("markdown", markdown_file),
            ("gradescope", gradescope_file),
            ("classroom50", classroom50_file),
        ],
    )
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(FORMATS["markdown"](report))
        except OSError as error:
            click.echo(f"grade: cannot append to $GITHUB_STEP_SUMMARY: {error.strerror}", err=True)
    if pass_mark is not None:
        verdict = "reached" if report.score >= needed else "not reached"
        click.echo(f"Pass mark {needed:g} / {report.max_score} points: {verdict}.", err=True)
    if report.score < needed:
        sys.exit(1)


def _ci_options(function):
    """Add the options that say where CI installs the grader from, and the pass mark."""
    options = [
        click.option(
            "--course-url",
            metavar="URL",
            help="The course's git repository CI installs the grader from"
            " (default: $GRADE_COURSE_URL, else the grader's project URL).",
        ),
        click.option(
            "--course-ref",
            metavar="REF",
            help="The tag or commit to pin (default: $GRADE_COURSE_REF, else v<version>).",
        ),
        click.option(
            "--pass-mark",
            default="100%",
            show_default=True,
            help="Points (e.g. 40) or a percentage (e.g. 80%) CI needs to pass.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _ci_file(kind: str, course_url: str | None, course_ref: str | None, pass_mark: str):
    from grader.ci import CiError, grader_source, render_ci

    try:
        source = grader_source(course_url, course_ref)
        return source, render_ci(kind, source, pass_mark)
    except CiError as error:
        raise UsageProblem(str(error)) from None


_WORKSPACE_OPTION = click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The workspace.",
)


@cli.command(short_help="Create a workspace: starter files, answers.yaml, a CI workflow.")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--keep-existing",
    is_flag=True,
    help="Keep files that already exist and write only the missing ones.",
)
@_ci_options
def init(
    directory: Path,
    keep_existing: bool,
    course_url: str | None,
    course_ref: str | None,
    pass_mark: str,
) -> None:
    """Create a workspace in DIRECTORY: one starter file per exercise, answers.yaml, a README
    and a GitHub Actions workflow that grades every push (.github/workflows/grade.yml).

    Never overwrites a file: an existing one is an error, or with --keep-existing is kept
    while the missing files are written (into a cloned repository, or after the course
    gained an exercise).

    \b
    Examples:
      grade init neurons
      grade init . --keep-existing
      grade init neurons --course-url https://github.com/uni/neurons.git --course-ref v1.0.0
    """
    from grader.ci import WORKFLOW_PATH
    from grader.course.problems import InputError
    from grader.init import init_workspace

    course = _course()
    source, workflow = _ci_file("github", course_url, course_ref, pass_mark)
    try:
        written = init_workspace(course, directory, workflow, keep_existing=keep_existing)
    except InputError as error:
        raise UsageProblem(str(error)) from None
    except OSError as error:
        raise UsageProblem(
            f"cannot create the workspace in {directory}: {error.strerror}"
        ) from None
    kept = ", keeping the files that were already there" if keep_existing else ""
    click.echo(f"Created {len(written)} files in {directory}{kept}.")
    click.echo(f"Next: cd {directory} && grade list   (the course, and what to do first)")
    if source.is_placeholder:
        click.echo(
            f"Note: {WORKFLOW_PATH} does not know where the course lives yet; before"
            " pushing, ask your instructor for --course-url and --course-ref, or edit its"
            " GRADER_PACKAGE line."
        )


@cli.command("list", short_help="The course by lesson, each item's status, and what is next.")
@_WORKSPACE_OPTION
def list_items(workspace: Path) -> None:
    """Show the course in order, lesson by lesson, with each item's status and what is next.

    Grades the workspace quietly (about a second) to find each status. Outside a workspace
    it shows the course without statuses.

    \b
    Example:
      grade list
    """
    from grader.grading.engine import GradingError
    from grader.listing import list_course, render_list
    from grader.reporters.terminal import output_width, use_color

    course = _course()
    try:
        report, why = list_course(course, workspace)
    except GradingError as error:
        raise UsageProblem(str(error)) from None
    text = render_list(
        course, report, color=use_color(sys.stdout), width=output_width(sys.stdout), why=why
    )
    click.echo(text, nl=False)


@cli.command(short_help="The next hint for an exercise or quiz.")
@click.argument("item_id", metavar="[ID]", required=False)
@click.option("--reset", is_flag=True, help="Forget which hints were shown for ID first.")
@_WORKSPACE_OPTION
def hint(item_id: str | None, reset: bool, workspace: Path) -> None:
    """Show the next hint for exercise or quiz ID (default: the next unfinished one).

    The hint for the failing check comes first, then the exercise's hints one at a time;
    once all are shown, all of them again. Which hints you have seen is kept in
    .grade/hints.json in the workspace (the only file grade ever writes there).

    \b
    Examples:
      grade hint sigmoid
      grade hint --reset sigmoid
    """
    from grader.grading.engine import GradingError
    from grader.grading.workspace import NotAWorkspace
    from grader.hint import give_hint
    from grader.reporters.terminal import output_width

    course = _course()
    try:
        answer = give_hint(course, workspace, item_id, reset=reset)
    except (NotAWorkspace, GradingError) as error:
        raise UsageProblem(str(error)) from None
    click.echo(answer.render(output_width(sys.stdout)), nl=False)


@cli.command(short_help="Re-grade each exercise as you save it.")
@click.argument("ids", nargs=-1)
@_WORKSPACE_OPTION
@click.option("--interval", type=click.FloatRange(0.01, 60), default=0.5, hidden=True)
@click.option("--max-rounds", type=click.IntRange(0), default=None, hidden=True)
def watch(ids, workspace: Path, interval: float, max_rounds: int | None) -> None:
    """Re-grade each exercise when you save its file (and quizzes when you save answers.yaml).

    Checks for changes twice a second; press Ctrl-C to stop.

    \b
    Examples:
      grade watch             # everything
      grade watch sigmoid     # one exercise
    """
    from grader.grading.engine import GradingError
    from grader.grading.workspace import NotAWorkspace
    from grader.reporters.terminal import is_terminal, output_width, use_color
    from grader.watch import Screen
    from grader.watch import watch as run_watch

    course = _course()
    screen = Screen(
        write=lambda text: click.echo(text, nl=False),
        color=use_color(sys.stdout),
        width=output_width(sys.stdout),
        clear=is_terminal(sys.stdout),
    )
    try:
        run_watch(course, workspace, ids or None, screen, interval=interval, max_rounds=max_rounds)
    except (NotAWorkspace, GradingError) as error:
        raise UsageProblem(str(error)) from None


@cli.command(short_help="Print a GitHub Actions or GitLab CI file that grades every push.")
@click.argument("kind", type=click.Choice(["github", "gitlab", "classroom50"]), default="github")
@_ci_options
def ci(kind: str, course_url: str | None, course_ref: str | None, pass_mark: str) -> None:
    """Print a CI file that grades every push: GitHub Actions (default) or GitLab CI.

    `classroom50` prints a GitHub Actions workflow for Classroom 50 that grades only when a
    submission tag (submit*) is pushed and writes its result.json.

    It installs the grader from the course at a pinned ref, never from the repository it
    grades. See docs/ci.md in the course.

    \b
    Examples:
      grade ci github > .github/workflows/grade.yml
      grade ci gitlab --course-url https://gitlab.com/uni/neurons.git > .gitlab-ci.yml
      grade ci classroom50 > .github/workflows/classroom50.yml
    """
    _, text = _ci_file(kind, course_url, course_ref, pass_mark)
    click.echo(text, nl=False)


@cli.command()
@click.option(
    "--course",
    "course_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The course folder (default: the installed course).",
)
@click.option(
    "--solutions",
    type=click.Path(file_okay=False, path_type=Path),
    help="The reference solutions (default: solutions/ beside the course).",
)
def validate(course_dir: Path | None, solutions: Path | None) -> None:
    """Check the whole course: schema, references, stubs, known-wrong files, quiz digests.

    \b
    Example:
      grade validate
    """
    from grader.validate import render_findings, validate_course

    course = _course(course_dir)
    solutions = solutions or course.root.parent / "solutions"
    if not solutions.is_dir():
        raise UsageProblem(f"no reference solutions at {solutions}; pass --solutions DIR")
    findings = validate_course(course, solutions)
    click.echo(render_findings(findings), nl=False)
    if any(not finding.ok for finding in findings):
        sys.exit(1)


@cli.command()
@click.argument("quiz_id")
@click.argument("answer")
@click.option("--course", "course_dir", type=click.Path(file_okay=False, path_type=Path))
def digest(quiz_id: str, answer: str, course_dir: Path | None) -> None:
    """Print the `answer:` block (salt and sha256) for a quiz's exercise.yaml.

    \b
    Example:
      grade digest sigmoid_minus_one 0.269
    """
    from grader.course.digest import canonical_choice, canonical_number, new_salt
    from grader.course.digest import digest as make_digest
    from grader.grading.quizzes import parse_number

    course = _course(course_dir)
    try:
        quiz = course.item(quiz_id)
    except KeyError:
        raise UsageProblem(f"no quiz called {quiz_id!r}") from None
    if not quiz.is_quiz:
        raise UsageProblem(f"{quiz_id!r} is a code exercise, not a quiz")
    try:
        canonical = (
            canonical_number(parse_number(answer), quiz.tolerance)
            if quiz.kind == "numeric"
            else canonical_choice(answer)
        )
    except ValueError as error:
        raise UsageProblem(str(error)) from None
    salt = new_salt()
    click.echo(f"answer:\n  salt: {salt}\n  sha256: {make_digest(salt, quiz.id, canonical)}")


@cli.command("build-site")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site/_build"),
    show_default=True,
    help="Where to write the site.",
)
@click.option(
    "--course",
    "course_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The course folder (default: the installed course).",
)
def build_site_command(out: Path, course_dir: Path | None) -> None:
    """Build the static course site; it works offline, opened from disk.

    \b
    Example:
      grade build-site --out public
    """
    from grader.course.problems import InputError
    from grader.website import build_site

    course = _course(course_dir)
    try:
        result = build_site(course, out)
    except InputError as error:
        raise UsageProblem(
            f"the site was not built; the previous one is unchanged:\n{error}"
        ) from None
    click.echo(
        f"Built {result.pages} pages ({result.bytes // 1024} KB) in {result.seconds:.2f} s:"
        f" {result.out / 'index.html'}"
    )


_CLASS_FILE = click.Path(dir_okay=False, exists=True, path_type=Path)


@cli.command("class", short_help="Gradebook, late penalties and class report from JSON reports.")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--roster", type=_CLASS_FILE, help="CSV: student, and optional name, email, sis_id, section."
)
@click.option(
    "--policy",
    type=_CLASS_FILE,
    help="Late-work policy YAML (default: the `policy` block of the course's course.yaml, if any).",
)
@click.option(
    "--times",
    type=_CLASS_FILE,
    help="CSV: student,submitted_at (ISO 8601 with zone),"
    " exported from the LMS or hosting platform.",
)
@click.option(
    "--submissions",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="One folder per student, for the identical-code hints.",
)
@click.option(
    "--course",
    "course_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The course folder (default: the installed course).",
)
def class_command(
    directory: Path,
    roster: Path | None,
    policy: Path | None,
    times: Path | None,
    submissions: Path | None,
    course_dir: Path | None,
) -> None:
    """Build DIRECTORY's gradebook.csv, changes.csv and class-report.html from the JSON
    reports in DIRECTORY/reports/<student>.json (`grade check --json` of each student).

    `grade batch` does the same at the end of every run; this command is for reports
    graded elsewhere. See docs/batch.md.

    \b
    Example:
      grade class graded --roster roster.csv --policy policy.yaml --times times.csv
    """
    from grader.classroom.run import load_and_finish
    from grader.course.problems import InputError

    course = _course(course_dir)
    try:
        finished = load_and_finish(course, directory, roster, policy, times, submissions)
    except InputError as error:
        raise UsageProblem(str(error)) from None
    for line in finished.summary():
        click.echo(line)
    click.echo(f"Wrote {', '.join(str(path) for path in finished.files)}")


@cli.command(short_help="Put final scores into a Canvas or Moodle gradebook file.")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--lms",
    type=click.Choice(["canvas", "moodle", "csv"]),
    required=True,
    help="Which LMS the file is for; csv writes plain student,score rows.",
)
@click.option(
    "--template", type=_CLASS_FILE, help="The LMS's own gradebook export (canvas, moodle)."
)
@click.option(
    "--column", help="The assignment column to fill, e.g. 'Perceptrons' or 'Perceptrons (104512)'."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the file to import.",
)
def export(directory: Path, lms: str, template: Path | None, column: str | None, out: Path) -> None:
    """Fill one assignment column of an LMS gradebook export with DIRECTORY's final scores.

    Students are matched by SIS id, then login, then email; every other cell, row and byte
    of the template is kept. See docs/batch.md.

    \b
    Examples:
      grade export graded --lms canvas --template canvas.csv --column Perceptrons --out up.csv
      grade export graded --lms csv --out scores.csv
    """
    from grader.classroom.lms import ExportError
    from grader.export import export_grades

    if not out.resolve().parent.is_dir():
        raise UsageProblem(f"cannot write {out}: its folder does not exist")
    try:
        done = export_grades(directory, lms, out, template, column)
    except ExportError as error:
        raise UsageProblem(str(error)) from None
    click.echo(f"Filled {done.filled} scores into column {done.column!r} of {done.out}.")
    if done.unmatched_rows:
        click.echo(
            f"Left unchanged ({len(done.unmatched_rows)} rows with no graded student):"
            f" {', '.join(done.unmatched_rows)}",
            err=True,
        )
    if done.unmatched_students:
        click.echo(
            f"Not in the {lms} file ({len(done.unmatched_students)}; add them in the LMS or"
            f" enter by hand): {', '.join(done.unmatched_students)}",
            err=True,
        )


# -- grade batch / grade merge (issue 9): thin wrappers over grader.batch ----------------------


def _class_options(function):
    """Add --roster, --policy and --times (issue 10) to a command."""
    options = [
        click.option(
            "--roster",
            type=_CLASS_FILE,
            help="CSV: student, and optional name, email, sis_id, section.",
        ),
        click.option(
            "--policy",
            type=_CLASS_FILE,
            help="Late-work policy YAML (default: course.yaml's `policy` block, if any).",
        ),
        click.option(
            "--times",
            type=_CLASS_FILE,
            help="CSV: student,submitted_at (ISO 8601 with zone), from the LMS or host.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _class_inputs(course, roster: Path | None, policy: Path | None, times: Path | None):
    from grader.classroom.run import load_inputs
    from grader.course.problems import InputError

    try:
        return load_inputs(course, roster, policy, times)
    except InputError as error:
        raise UsageProblem(str(error)) from None


@cli.command(short_help="Grade a whole class into a resumable gradebook, CSV and reports.")
@click.argument("submissions", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder: gradebook.sqlite, gradebook.csv, reports/.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 256),
    default=None,
    help="Warm grading workers (default: all cores).",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Grade shard K of N (default: from GitLab, Slurm or Kubernetes, else all).",
)
@click.option("--force", is_flag=True, help="Grade again even what the gradebook already holds.")
@click.option(
    "--call-timeout",
    type=click.FloatRange(0.05, 60),
    default=1.0,
    show_default=True,
    help="Seconds per call into student code.",
)
@click.option(
    "--budget",
    type=click.FloatRange(0.5, 3600),
    default=10.0,
    show_default=True,
    help="Wall-clock seconds per submission before it is `timed out`.",
)
@click.option("--gradescope", is_flag=True, help="Also write gradescope/<student>/results.json.")
@_class_options
def batch(
    submissions, out, jobs, shard, force, call_timeout, budget, gradescope, roster, policy, times
) -> None:
    """Grade every submission in SUBMISSIONS (per-student folders, .zip, .tar, .tar.gz).

    Resumable: results are kept in OUT/gradebook.sqlite as each submission ends, and an
    unchanged submission is not graded again. Exit 0 once every student has a status.

    With --roster, --policy (or course.yaml's `policy`) and --times the gradebook gains each
    roster student (missing ones too), late penalties and final scores; every run writes
    OUT/class-report.html, and a regrade writes OUT/changes.csv. See docs/batch.md.

    \b
    Examples:
      grade batch submissions/ --out results/
      grade batch submissions/ --out shard-2/ --shard 2/4 && grade merge shard-*/ --out all/
      grade batch submissions/ --out results/ --roster roster.csv --times times.csv
    """
    import time

    from grader.batch import BatchError, Options, progress_line, render_summary, run_batch
    from grader.classroom.gradebook import GradebookError
    from grader.classroom.runner import RunnerError
    from grader.classroom.shards import ShardError, parse_shard, shard_from_env
    from grader.reporters.terminal import is_terminal

    course = _course()
    classroom = _class_inputs(course, roster, policy, times)
    try:
        chosen = parse_shard(shard) if shard else shard_from_env(os.environ)
    except ShardError as error:
        raise UsageProblem(str(error)) from None
    if chosen.total > 1:
        click.echo(f"Shard {chosen} ({chosen.source}).", err=True)
    options = Options(
        submissions,
        out,
        jobs or os.cpu_count() or 1,
        chosen,
        force,
        call_timeout,
        budget,
        gradescope,
        classroom=classroom,
    )
    started, last = time.monotonic(), [0.0]
    bar = (
        click.progressbar(length=1, label="Grading", show_pos=True, show_eta=True, file=sys.stderr)
        if is_terminal(sys.stderr)
        else None
    )

    def progress(done: int, total: int, summary) -> None:
        now = time.monotonic()
        if bar is not None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)
        elif now - last[0] >= 2.0 or done == total:
            last[0] = now
            click.echo(progress_line(done, total, summary, now - started), err=True)

    try:
        summary = run_batch(course, options, progress)
    except (BatchError, GradebookError) as error:
        raise UsageProblem(str(error)) from None
    except RunnerError as error:
        raise click.ClickException(str(error)) from None
    finally:
        if bar is not None:
            bar.render_finish()
    click.echo(render_summary(summary, out), nl=False)


@cli.command(short_help="Combine `grade batch --shard` outputs into one.")
@click.argument(
    "inputs", nargs=-1, required=True, type=click.Path(file_okay=False, exists=True, path_type=Path)
)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--gradescope", is_flag=True, help="Also write gradescope/<student>/results.json.")
@_class_options
def merge(inputs, out, gradescope, roster, policy, times) -> None:
    """Merge the output folders of shards into OUT, as one single-machine run would write it.

    Idempotent: merge again after re-running a failed shard.

    \b
    Example:
      grade merge shard-1 shard-2 shard-3 --out results
    """
    from grader.batch import BatchError
    from grader.batch import merge as run_merge
    from grader.classroom.gradebook import GradebookError

    course = _course()
    classroom = _class_inputs(course, roster, policy, times)
    try:
        taken, count, lines = run_merge(
            list(inputs), out, gradescope=gradescope, course=course, classroom=classroom
        )
    except (BatchError, GradebookError) as error:
        raise UsageProblem(str(error)) from None
    click.echo(f"Merged {taken} rows from {len(inputs)} folders: {count} students in {out}.")
    for line in lines:
        click.echo(line)


def main() -> None:
    """Run the command line; never end in a traceback."""
    try:
        cli.main(prog_name="grade", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the promise is: never a traceback
        click.echo(f"grade: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(2)

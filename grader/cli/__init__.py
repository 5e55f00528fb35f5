"""The `grade` command: a thin click layer over the grader library.

Each command parses its options and calls one library function. Errors the user can fix
(course problems, unknown ids, not a workspace, bad options) exit 2 with one line; anything
else is an internal error: one line and exit 3 (GRADE_DEBUG=1 keeps the traceback).
"""

from __future__ import annotations

import grader.cli.early  # noqa: F401 - first of all: `grade check` boots its sandbox now

# isort: split
import difflib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader import __version__

EXIT_CODES = """\b
Exit codes:
  0  at or above the pass mark (full marks by default); for other commands, success
  1  graded below the pass mark, or a validation problem was found
  2  usage error, course error, or not a workspace
  3  internal error in the grader (GRADE_DEBUG=1 shows the traceback)"""

INTERNAL_ERROR = 3
DEBUG_ENV = "GRADE_DEBUG"


class UsageProblem(click.ClickException):
    """A problem the user must fix before grading can run (exit code 2)."""

    exit_code = 2


def _user_errors() -> tuple[type[Exception], ...]:
    """Return the library's exceptions that mean "fix your input", not "the grader broke"."""
    from grader.check import ReportTargetError
    from grader.ci import CiError
    from grader.cli.classroom import class_errors
    from grader.course.problems import InputError
    from grader.grading.engine import GradingError
    from grader.grading.workspace import NotAWorkspace
    from grader.package import PackageError

    user = (ReportTargetError, CiError, InputError, GradingError, NotAWorkspace, PackageError)
    return (*user, *class_errors())


def _course(course_dir: Path | None = None, *, authoring: bool = False, drafts: bool = False):
    """Load the course for a command (see grader/locate.py); authors are told which one."""
    from grader.course.problems import InputError
    from grader.locate import describe, find_course

    try:
        course = find_course(course_dir, authoring=authoring, drafts=drafts)
    except InputError as error:
        raise UsageProblem(f"the course has problems:\n{error}") from None
    if authoring:
        click.echo(describe(course), err=True)
    return course


_ORDER = ["init", "list", "show", "check", "hint", "watch", "ci"]
_AUTHOR_ORDER = ["validate", "digest", "build-site", "package", "batch", "merge", "class", "export"]
_GROUP_OPTIONS = {"--help", "-h", "--version"}


class _Commands(click.Group):
    """Order commands as a student meets them; suggest near misses; map library errors."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        order = _ORDER + _AUTHOR_ORDER
        known = [name for name in order if name in self.commands]
        return known + sorted(set(self.commands) - set(known))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0].startswith("-") and args[0] not in _GROUP_OPTIONS:
            args = ["check", *args]  # bare `grade --json r.json` is `grade check --json r.json`
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and name not in self.commands and not name.startswith("-"):
            close = difflib.get_close_matches(name, list(self.commands), n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else " Run `grade --help` for the list."
            if not close and name.isidentifier():
                hint += f" To grade an item: grade check {name}"
            raise click.UsageError(f"No such command '{name}'.{hint}", ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:  # not `except _user_errors()`: it imports every command
            if isinstance(error, _user_errors()):
                raise UsageProblem(str(error)) from None
            raise


_WORKSPACE_OPTION = click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The workspace.",
)


def _check_options(function: Callable) -> Callable:
    """Add `grade check`'s options (also accepted by bare `grade`)."""
    from grader.reporters import REPORTERS

    options = [
        _WORKSPACE_OPTION,
        click.option(
            "--format",
            "format_name",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            help="What to print (or write to --output).",
        ),
        click.option(
            "--output",
            "-o",
            type=click.Path(dir_okay=False),
            help="Write the report here instead of printing it.",
        ),
        *(
            click.option(
                reporter.option,
                f"{reporter.name}_file",
                type=click.Path(dir_okay=False),
                help=reporter.help,
            )
            for reporter in REPORTERS.values()
            if reporter.flag
        ),
        click.option(
            "--pass-mark",
            help="Points (e.g. 30) or a percentage (e.g. 80%) needed to exit 0; default: all.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(cls=_Commands, invoke_without_command=True, epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="grade")
@click.pass_context
def cli(context: click.Context) -> None:
    """Grade your neural-network exercises and quizzes.

    Run `grade` in your workspace to grade everything (it takes the options of
    `grade check`); `grade init DIR` makes one. Then `grade list` shows what to do next,
    `grade show ID` prints an item's text, `grade hint ID` helps when you are stuck, and
    `grade watch` re-grades each file as you save it.

    \b
    Example:
      grade init neurons && cd neurons && grade
    """
    if context.invoked_subcommand is None:
        context.invoke(check)


@cli.command(short_help="Grade everything, or only the exercises and quizzes given.")
@click.argument("ids", nargs=-1)
@_check_options
def check(ids, workspace, format_name, output, pass_mark, **files) -> None:
    """Grade the workspace: every exercise and quiz, or only the IDS given.

    \b
    Examples:
      grade check                      # everything
      grade check sigmoid relu_output  # two items
      grade check --format json -o report.json --junit junit.xml
    """
    from grader.check import run_check, screen_text
    from grader.reporters.terminal import output_width, use_color

    outputs = [(format_name, output)] if output else []
    outputs += [(name.removesuffix("_file"), path) for name, path in files.items() if path]
    run = run_check(_course, workspace, ids, pass_mark=pass_mark, outputs=outputs)
    if not output:
        color, width = use_color(sys.stdout), output_width(sys.stdout)
        click.echo(screen_text(run.report, format_name, color=color, width=width), nl=False)
    for line in run.messages:
        click.echo(line, err=True)
    sys.exit(run.exit_code)


_CI_SOURCES = {
    ("--course-url", "URL"): "The course's git repository CI installs the grader from"
    " (default: $GRADE_COURSE_URL, else the grader's project URL).",
    ("--course-ref", "REF"): "The tag or commit to pin (default: $GRADE_COURSE_REF, else"
    " v<version>).",
    ("--grader-wheel", "URL"): "Install this published course package instead (see"
    " `grade package`).",
    ("--grader-sha256", "HASH"): "The SHA-256 of --grader-wheel; pip refuses any other file.",
}


def _ci_options(function: Callable) -> Callable:
    """Add the options that say where CI installs the grader from, and the pass mark."""
    function = click.option(
        "--pass-mark",
        default="100%",
        show_default=True,
        help="Points (e.g. 40) or a percentage (e.g. 80%) CI needs to pass.",
    )(function)
    for (name, metavar), help_text in reversed(_CI_SOURCES.items()):
        function = click.option(name, metavar=metavar, help=help_text)(function)
    return function


_COURSE_OPTION = click.option(
    "--course",
    "course_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The course folder (default: the checkout you stand in, else the installed course).",
)


@cli.command(short_help="Create a workspace: starter files, answers.yaml, a CI workflow.")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--keep-existing",
    is_flag=True,
    help="Keep files that already exist and write only the missing ones.",
)
@_ci_options
def init(directory: Path, keep_existing: bool, pass_mark: str, **source: str | None) -> None:
    """Create a workspace in DIRECTORY: starter files, answers.yaml (each question as a
    comment), a README, a .gitignore and a workflow grading every push.

    Never overwrites a file; with --keep-existing, writes only the missing ones (into a
    cloned repository, after the course gained an exercise, or to restore a deleted file).

    \b
    Examples:
      grade init neurons
      grade init . --keep-existing
      grade init neurons --grader-wheel URL --grader-sha256 HASH
    """
    from grader.init import create_workspace

    created = create_workspace(_course(), directory, pass_mark, keep_existing, **source)
    click.echo(created.summary(), nl=False)


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
    from grader.listing import list_course, render_list
    from grader.reporters.terminal import output_width, use_color

    course = _course()
    report, why = list_course(course, workspace)
    color, width = use_color(sys.stdout), output_width(sys.stdout)
    click.echo(render_list(course, report, color=color, width=width, why=why), nl=False)


@cli.command(short_help="Print an exercise's or quiz's text and question.")
@click.argument("item_id", metavar="ID")
def show(item_id: str) -> None:
    """Print the lesson text and question of exercise or quiz ID (and a quiz's choices).

    \b
    Example:
      grade show sigmoid_minus_one
    """
    from grader.reporters.terminal import output_width
    from grader.show import render_item

    click.echo(render_item(_course(), item_id, width=output_width(sys.stdout)), nl=False)


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
    from grader.hint import give_hint
    from grader.reporters.terminal import output_width

    answer = give_hint(_course(), workspace, item_id, reset=reset)
    click.echo(answer.render(output_width(sys.stdout)), nl=False)


@cli.command(short_help="Re-grade each exercise as you save it.")
@click.argument("ids", nargs=-1)
@_WORKSPACE_OPTION
@click.option("--interval", type=click.FloatRange(0.01, 60), default=0.05, hidden=True)
@click.option("--max-rounds", type=click.IntRange(0), default=None, hidden=True)
def watch(ids, workspace: Path, interval: float, max_rounds: int | None) -> None:
    """Re-grade each exercise when you save its file (and quizzes when you save answers.yaml).

    Checks for changes 20 times a second; press Ctrl-C to stop.

    \b
    Examples:
      grade watch             # everything
      grade watch sigmoid     # one exercise
    """
    from grader.reporters.terminal import draws_escapes, output_width, use_color
    from grader.watch import Screen
    from grader.watch import watch as run_watch

    out = sys.stdout
    screen = Screen(lambda text: click.echo(text, nl=False), use_color(out), output_width(out))
    screen.clear = draws_escapes(out)  # clearing needs escape codes (on Windows: VT mode)
    run_watch(_course(), workspace, ids or None, screen, interval=interval, max_rounds=max_rounds)


@cli.command(short_help="Print a GitHub Actions or GitLab CI file that grades every push.")
@click.argument("kind", type=click.Choice(["github", "gitlab", "classroom50"]), default="github")
@_ci_options
def ci(kind: str, pass_mark: str, **source: str | None) -> None:
    """Print a CI file that grades every push: GitHub Actions (default) or GitLab CI; or,
    for Classroom 50, a workflow that grades each pushed submit* tag into result.json.

    It installs the grader from the course (a published package pinned by hash, or the
    course repository at a pinned ref), never from the repository it grades.

    \b
    Examples:
      grade ci github > .github/workflows/grade.yml
      grade ci gitlab --grader-wheel URL --grader-sha256 HASH > .gitlab-ci.yml
      grade ci classroom50 > .github/workflows/classroom50.yml
    """
    from grader.ci import ci_file

    _, text = ci_file(kind, pass_mark=pass_mark, **source)
    click.echo(text, nl=False)


@cli.command()
@_COURSE_OPTION
@click.option(
    "--solutions",
    type=click.Path(file_okay=False, path_type=Path),
    help="The reference solutions (default: solutions/ beside the course).",
)
def validate(course_dir: Path | None, solutions: Path | None) -> None:
    """Check the whole course: schema, references, stubs, known-wrong files, quiz digests.

    Uses the course of the checkout you stand in (exercises/course.yaml), else the
    installed one, and says which.

    \b
    Example:
      grade validate
    """
    from grader.validate import render_findings, validate_course

    course = _course(course_dir, authoring=True)
    solutions = solutions or course.root.parent / "solutions"
    if not solutions.is_dir():
        raise UsageProblem(f"no reference solutions at {solutions}; pass --solutions DIR")
    findings = validate_course(course, solutions)
    click.echo(render_findings(findings), nl=False)
    sys.exit(1 if any(not finding.ok for finding in findings) else 0)


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("quiz_id")
@click.argument("answer")
@_COURSE_OPTION
def digest(quiz_id: str, answer: str, course_dir: Path | None) -> None:
    """Print the `answer:` block (salt and sha256) for a quiz's exercise.yaml.

    \b
    Examples:
      grade digest sigmoid_minus_one 0.269
      grade digest relu_output -1.5
    """
    from grader.course.digest import digest as make_digest
    from grader.course.digest import new_salt
    from grader.grading.engine import select  # an unknown id gets the nearest ids as hints

    quiz: Any = select(_course(course_dir, authoring=True, drafts=True), [quiz_id])[0]
    if not quiz.is_quiz:
        raise UsageProblem(f"{quiz_id!r} is a code exercise, not a quiz")
    try:
        canonical = quiz.canonical(answer)
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
@_COURSE_OPTION
def build_site_command(out: Path, course_dir: Path | None) -> None:
    """Build the static course site; it works offline, opened from disk.

    \b
    Example:
      grade build-site --out public
    """
    from grader.course.problems import InputError
    from grader.website import build_site

    course = _course(course_dir, authoring=True)
    try:
        result = build_site(course, out)
    except InputError as error:
        message = f"the site was not built; the previous one is unchanged:\n{error}"
        raise UsageProblem(message) from None
    click.echo(
        f"Built {result.pages} pages ({result.bytes // 1024} KB) in {result.seconds:.2f} s:"
        f" {result.out / 'index.html'}"
    )


@cli.command(short_help="Build the student-safe course package (a wheel) to publish.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Where to write the wheel.",
)
@_COURSE_OPTION
def package(out: Path, course_dir: Path | None) -> None:
    """Build the grader with this course as a wheel students' CI can install: no solutions,
    no plain answers (the site's leak scan runs on it). Prints its SHA-256 and the
    `grade init` options that pin it.

    \b
    Example:
      grade package --out dist
    """
    from grader.package import build_package

    course = _course(course_dir, authoring=True)
    click.echo(build_package(course, out).summary(), nl=False)


import grader.cli.classroom  # noqa: E402, F401 - registers batch, merge, class and export
from grader.cli.entry import main  # noqa: E402, F401 - the `grade` entry point

"""The instructor's class commands: grade batch, merge, class and export (thin, like cli).

Registered on the `grade` group by grader/cli/__init__.py; library errors reach its
`_user_errors` mapping (exit 2), anything else is an internal error (exit 3).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader.cli import _COURSE_OPTION, _course, cli


def class_errors() -> tuple[type[Exception], ...]:
    """Return the class library's exceptions that mean "fix your input" (exit 2)."""
    from grader.classroom.gradebook import GradebookError
    from grader.classroom.lms import ExportError
    from grader.classroom.shards import ShardError
    from grader.classroom.startup import BatchError

    return (BatchError, GradebookError, ExportError, ShardError)


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
@_COURSE_OPTION
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

    finished = load_and_finish(_course(course_dir), directory, roster, policy, times, submissions)
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
        raise ExportError(f"cannot write {out}: its folder does not exist")
    done = export_grades(directory, lms, out, template, column)
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

    return load_inputs(course, roster, policy, times)


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
    help="Warm grading workers (default: the CPUs this process may use, within its quota).",
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

    began = time.monotonic()
    from grader.classroom.cpus import default_jobs
    from grader.classroom.shards import parse_shard, shard_from_env
    from grader.classroom.startup import early_workers
    from grader.locate import course_dir

    chosen_jobs = jobs or default_jobs()
    chosen = parse_shard(shard) if shard else shard_from_env(os.environ)
    # The workers start first: they boot while the course and the class are read (fresh OUT).
    with early_workers(
        submissions, out, chosen_jobs, call_timeout, budget, force, course_dir()
    ) as pool:
        from grader.batch import Options, run_batch
        from grader.classroom.progress import progress_line, render_summary
        from grader.reporters.terminal import is_terminal

        course = _course()
        classroom = _class_inputs(course, roster, policy, times)
        if chosen.total > 1:
            click.echo(f"Shard {chosen} ({chosen.source}).", err=True)
        options = Options(
            submissions,
            out,
            chosen_jobs,
            chosen,
            force,
            call_timeout,
            budget,
            gradescope,
            classroom=classroom,
        )
        started, last = time.monotonic(), [0.0]
        bar = (
            click.progressbar(
                length=1, label="Grading", show_pos=True, show_eta=True, file=sys.stderr
            )
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

        try:  # RunnerError: the grader broke (exit 3)
            summary = run_batch(course, options, progress, pool, began)
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
    from grader.merge import merge as run_merge

    course = _course()
    classroom = _class_inputs(course, roster, policy, times)
    taken, count, lines = run_merge(
        list(inputs), out, gradescope=gradescope, course=course, classroom=classroom
    )
    click.echo(f"Merged {taken} rows from {len(inputs)} folders: {count} students in {out}.")
    for line in lines:
        click.echo(line)

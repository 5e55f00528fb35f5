"""`grade check`: grade a workspace, write the requested reports, and decide the exit code."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.course.model import Course
from grader.grading.engine import Grader
from grader.grading.results import Report
from grader.grading.workspace import find_workspace
from grader.reporters import REPORTERS
from grader.reporters.text import render_text

STEP_SUMMARY = "GITHUB_STEP_SUMMARY"


class ReportTargetError(ValueError):
    """Raise when a report file cannot be written (a missing folder, a read-only disk)."""


@dataclass(frozen=True)
class CheckRun:
    """The outcome of `grade check`: the report, the points needed, and what to tell stderr."""

    report: Report
    needed: float
    warnings: list[str] = field(default_factory=list)
    verdict: str | None = None

    @property
    def passed(self) -> bool:
        """Return whether the score reached the pass mark (full marks by default)."""
        return self.report.score >= self.needed

    @property
    def messages(self) -> list[str]:
        """Return the lines for stderr: warnings, then the pass-mark verdict."""
        return [*self.warnings, *([self.verdict] if self.verdict else [])]

    @property
    def exit_code(self) -> int:
        """Return 0 at or above the pass mark, else 1."""
        return 0 if self.passed else 1


def check_targets(targets: Iterable[str | os.PathLike[str]]) -> None:
    """Refuse report paths whose folder does not exist, before any grading starts."""
    for target in targets:
        if not Path(target).resolve().parent.is_dir():
            raise ReportTargetError(f"cannot write {target}: its folder does not exist")


def write_reports(report: Report, outputs: Sequence[tuple[str, str | os.PathLike[str]]]) -> None:
    """Write each (format name, file) pair; raise ReportTargetError if a file cannot be written."""
    for format_name, target in outputs:
        text = REPORTERS[format_name].render(report)
        try:
            Path(target).write_text(text, encoding="utf-8")
        except OSError as error:
            raise ReportTargetError(f"cannot write {target}: {error.strerror}") from None


def append_step_summary(report: Report, env: Mapping[str, str]) -> str | None:
    """Append the Markdown summary to $GITHUB_STEP_SUMMARY when set; return a warning or None."""
    summary = env.get(STEP_SUMMARY)
    if not summary:
        return None
    try:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(REPORTERS["markdown"].render(report))
    except OSError as error:
        return f"grade: cannot append to ${STEP_SUMMARY}: {error.strerror}"
    return None


def screen_text(report: Report, format_name: str, *, color: bool, width: int) -> str:
    """Return what `grade check` prints: the terminal report (in colour when asked) or JSON."""
    if format_name == "text":
        text = render_text(report, color=color, width=width)
    else:
        text = REPORTERS[format_name].render(report)
    return text if text.endswith("\n") else text + "\n"


def run_check(
    course: Course | Callable[[], Course],
    workspace: Path,
    ids: Iterable[str] | None,
    *,
    pass_mark: str | None = None,
    outputs: Sequence[tuple[str, str | os.PathLike[str]]] = (),
    env: Mapping[str, str] | None = None,
) -> CheckRun:
    """Grade `workspace`, write the reports in `outputs`, and append the CI step summary.

    `course` may be a loader: the sandbox then boots while the course loads. Raise
    ReportTargetError, CiError (a bad pass mark), NotAWorkspace or GradingError before
    anything is written when the request itself is wrong.
    """
    env = os.environ if env is None else env
    check_targets(target for _, target in outputs)
    if pass_mark is not None:
        from grader.ci import check_pass_mark  # only now: it imports importlib.metadata

        check_pass_mark(pass_mark)
    only = list(ids) if ids else None
    with Grader(course) as grader:
        find_workspace(grader.course, workspace)
        report = grader.grade(workspace, only)
    if only:
        report = replace(report, ungraded=len(grader.course.items) - len(report.items))
    needed = float(report.max_score)  # full marks unless a pass mark says otherwise
    if pass_mark is not None:
        from grader.ci import pass_mark_points

        needed = pass_mark_points(pass_mark, report.max_score)
    write_reports(report, outputs)
    warnings = [warning for warning in [append_step_summary(report, env)] if warning]
    verdict = None
    if pass_mark is not None:
        reached = "reached" if report.score >= needed else "not reached"
        verdict = f"Pass mark {needed:g} / {report.max_score} points: {reached}."
    return CheckRun(report, needed, warnings, verdict)

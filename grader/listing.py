"""`grade list`: the course in teaching order, grouped by lesson, with each item's status."""

from __future__ import annotations

import textwrap
from pathlib import Path

from grader.course.model import CodeExercise, Course, Quiz
from grader.grading.results import ItemResult, Report, Status
from grader.grading.workspace import NotAWorkspace, grade_workspace
from grader.reporters.common import (
    clean,
    cut,
    fraction,
    next_item,
    next_steps,
    paint,
    plain,
    plural,
    status_label,
)

_NEXT = "→ "
_GUTTER = "  "
_MIN_TITLE = 12
_STATUS_COLORS = {
    Status.PASSED: "32",
    Status.FAILED: "31",
    Status.NOT_STARTED: "2",
    Status.ERROR: "33",
    Status.TIMEOUT: "33",
}


def list_course(course: Course, workspace: Path) -> tuple[Report | None, str]:
    """Grade the whole workspace quietly; outside a workspace return (None, why not)."""
    try:
        return grade_workspace(course, workspace), ""
    except NotAWorkspace as error:
        return None, str(error)


def render_list(
    course: Course, report: Report | None, *, color: bool, width: int = 80, why: str = ""
) -> str:
    """Render the course by lesson: id, title, kind, score and status, marking the next item."""
    style = paint if color else plain
    results = {item.id: item for item in report.items} if report else {}
    upcoming = next_item(report) if report else None
    title = clean(course.title) + (f" (version {clean(course.version)})" if course.version else "")
    if report is not None:
        title += f": {report.score} / {plural(report.max_score, 'point')}"
    lines = [style(line, "1") for line in _wrap(title, width)]
    columns = _columns(course, width)
    number = 0
    for lesson in course.lessons:
        items = [item for item in course.items if item.lesson == lesson.id]
        if not items:
            continue
        number += 1
        heading = f"{number}. {clean(lesson.title)}"
        graded = [results[item.id] for item in items if item.id in results]
        if graded:
            heading += f" ({_lesson_score(graded)})"
        lines += ["", style(heading, "1")]
        for item in items:
            lines.append(_row(item, results.get(item.id), upcoming, columns, style, report))
    lines.append("")
    if report is None:
        lines += _wrap(f"Not graded: {why}", width, "  ")
    else:
        for step in next_steps(report):
            lines += _wrap(step, width, "  ")
    return "\n".join(lines) + "\n"


def _lesson_score(results: list[ItemResult]) -> str:
    score = sum(result.score for result in results)
    total = sum(result.max_score for result in results)
    done = sum(1 for result in results if result.status is Status.PASSED)
    return f"{done} of {len(results)} done, {score}/{plural(total, 'point')}"


def _columns(course: Course, width: int) -> tuple[int, int, int]:
    """Return the id, title and score column widths; ids are never cut (students type them)."""
    id_width = max((len(clean(item.id)) for item in course.items), default=2)
    score_width = max((len(fraction(i.max_score, i.max_score)) for i in course.items), default=3)
    status_width = len(str(Status.NOT_STARTED))
    fixed = len(_GUTTER) + len(_NEXT) + id_width + 2 + 2 + 4 + 2 + score_width + 2 + status_width
    title_width = width - fixed
    if title_width < _MIN_TITLE:
        title_width = 0
    return id_width, title_width, score_width


def _row(
    item: CodeExercise | Quiz,
    result: ItemResult | None,
    upcoming: ItemResult | None,
    columns: tuple[int, int, int],
    paint,
    report: Report | None,
) -> str:
    id_width, title_width, score_width = columns
    is_next = upcoming is not None and upcoming.id == item.id
    marker = paint(_NEXT, "1") if is_next else " " * len(_NEXT)
    text = f"{clean(item.id):<{id_width}}"
    if title_width:
        text += f"  {cut(clean(item.title), title_width):<{title_width}}"
    kind = "quiz" if item.is_quiz else "code"
    if result is None:
        score, status = f"{'-':>{score_width}}", ""
    else:
        score = f"{fraction(result.score, result.max_score):>{score_width}}"
        label = status_label(result, report) if report else str(result.status)
        status = paint(label, _STATUS_COLORS[result.status])
    return f"{_GUTTER}{marker}{text}  {kind}  {score}  {status}".rstrip()


def _wrap(text: str, width: int, subsequent: str = "") -> list[str]:
    return textwrap.wrap(text, width=width, subsequent_indent=subsequent, break_on_hyphens=False)

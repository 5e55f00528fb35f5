"""The report a student reads in the terminal after `grade`."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from grader.grading.results import ItemResult, Report, Status
from grader.reporters.common import (
    advisory_lines,
    advisory_sentence,
    check_count_sentence,
    clean,
    cut,
    diagnosis_sentence,
    fraction,
    message_lines,
    next_steps,
    output_lines,
    paint,
    plain,
    plural,
    sandbox_sentences,
    shown_frames,
    status_label,
)

MIN_WIDTH = 30  # narrower widths are treated as this
_ID_CAP = 32  # the id column never grows wider than this (ids are typed: never cut them)
_MIN_TITLE = 16  # below this the title column is dropped
_ROW = "  "
_CHECK = " " * 4
_DETAIL = " " * 6
_MORE = " " * 8

_BOLD = "1"
_STATUS_COLORS = {
    Status.PASSED: "32",  # green
    Status.FAILED: "31",  # red
    Status.NOT_STARTED: "2",  # dim
    Status.ERROR: "33",  # yellow
    Status.TIMEOUT: "33",  # yellow
}
_SHOWS_FAILURE = {Status.FAILED, Status.ERROR, Status.TIMEOUT}

Paint = Callable[[str, str], str]


def render_text(report: Report, *, color: bool, width: int = 80) -> str:
    """Render the student's report, wrapped to `width` columns, in colour when asked."""
    width = max(width, MIN_WIDTH)
    style = paint if color else plain
    lines = [style(line, _BOLD) for line in _wrap(_title(report), width)]
    lines += _wrap(f"Score: {report.score} / {plural(report.max_score, 'point')}", width)
    lines += _wrap(check_count_sentence(report), width)
    lines += _wrap(advisory_sentence(report), width)
    for note in report.notes:
        lines += _wrap(f"Note: {clean(note)}", width, "", _ROW)
    for sentence in sandbox_sentences(report):
        lines += _wrap(sentence, width, "", _ROW)
    lines.append("")
    lines += _table(report, width, style)
    lines.append("")
    for step in next_steps(report):
        lines += _wrap(step, width, "", _ROW)
    return "\n".join(lines) + "\n"


def render_rows(report: Report, *, color: bool, width: int = 80) -> str:
    """Render only the table rows of the report's items, with their first failures."""
    width = max(width, MIN_WIDTH)
    return "\n".join(_table(report, width, paint if color else plain)) + "\n"


def _title(report: Report) -> str:
    version = clean(report.course_version)
    return clean(report.course_title) + (f" (version {version})" if version else "")


def _table(report: Report, width: int, paint: Paint) -> list[str]:
    items = report.items
    if not items:
        return ["No exercises or quizzes were graded."]
    scores = [fraction(item.score, item.max_score) for item in items]
    score_width = max(len("Score"), *map(len, scores))
    status_width = max(len("Status"), *(len(status_label(item, report)) for item in items))
    room = width - len(_ROW) - score_width - 2 - status_width - 2
    id_width = min(max(len(clean(item.id)) for item in items), _ID_CAP)
    title_width = room - id_width - 2
    if title_width < _MIN_TITLE:
        id_width, title_width = room, 0
    name_width = id_width + (title_width + 2 if title_width else 0)
    lines = [f"{_ROW}{'Item':<{name_width}}  {'Score':>{score_width}}  Status"]
    shown: dict[str, str] = {}  # a failure message already printed -> the item that had it
    for item, score in zip(items, scores, strict=True):
        name = f"{cut(clean(item.id), id_width):<{id_width}}"
        if title_width:
            name += f"  {cut(clean(item.title), title_width):<{title_width}}"
        status = paint(status_label(item, report), _STATUS_COLORS[item.status])
        lines.append(f"{_ROW}{name}  {score:>{score_width}}  {status}")
        if item.status in _SHOWS_FAILURE:
            message = item.first_failure.message if item.first_failure else ""
            if message and message in shown:  # e.g. one unreadable answers.yaml, every quiz
                lines += _wrap(f"The same problem as {clean(shown[message])}.", width, _DETAIL)
            else:
                shown.setdefault(message, item.id)
                lines += _first_failure(item, width)
        if item.status not in _SHOWS_FAILURE or item.first_failure not in item.advisory:
            for line in advisory_lines(item):
                lines += _wrap(line, width, _DETAIL, _MORE)
        if item.status not in _SHOWS_FAILURE and item.diagnosis is not None:
            lines += _wrap(diagnosis_sentence(item.diagnosis), width, _DETAIL, _MORE)
    return lines


def _first_failure(item: ItemResult, width: int) -> list[str]:
    test = item.first_failure
    if test is None:
        return []
    lines: list[str] = []
    name = clean(test.name) or test.test
    if name != clean(item.title):
        hidden = " (hidden check)" if test.visibility == "hidden" else ""
        hidden += " (advisory, not scored)" if test.advisory else ""
        lines += _wrap(f"{name}{hidden}:", width, _CHECK, _DETAIL)
    for line in message_lines(test):
        lines += _wrap(line, width, _DETAIL)
    frames = shown_frames(test)
    if frames:
        lines.append(f"{_DETAIL}In your code:")
        for frame in frames:
            lines += _wrap(frame, width, _MORE, _MORE + "  ")
    output = output_lines(test.output)
    if output:
        lines.append(f"{_DETAIL}Your code printed:")
        lines += [(_MORE + cut(line, width - len(_MORE))).rstrip() for line in output]
    if item.diagnosis is not None:
        lines += _wrap(diagnosis_sentence(item.diagnosis), width, _DETAIL, _MORE)
    others = sum(1 for other in item.scored if other.status is not Status.PASSED)
    others -= 0 if test.advisory else 1
    if others:
        lines += _wrap(f"{plural(others, 'more check')} did not pass.", width, _DETAIL)
    return lines


def _wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent if subsequent is None else subsequent,
        break_long_words=True,
        break_on_hyphens=False,
    )

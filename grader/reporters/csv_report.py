"""One CSV row per student for batch grading a class, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from grader.grading.results import Report
from grader.reporters.common import clean

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def render_csv_rows(reports: Sequence[Report], *, student_ids: Sequence[str]) -> str:
    """Render student, score, max_score, each item's score, then each item's status (RFC 4180)."""
    if len(reports) != len(student_ids):
        raise ValueError(f"{len(reports)} reports but {len(student_ids)} student ids")
    item_ids = list(dict.fromkeys(item.id for report in reports for item in report.items))
    header = ["student", "score", "max_score", *item_ids, *(f"{i}_status" for i in item_ids)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for report, student in zip(reports, student_ids, strict=True):
        items = {item.id: item for item in report.items}
        scores = [items[i].score if i in items else "" for i in item_ids]
        statuses = [str(items[i].status) if i in items else "" for i in item_ids]
        row = [student, report.score, report.max_score, *scores, *statuses]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return buffer.getvalue()


def spreadsheet_safe(cell: object) -> object:
    """Return text cleaned and, when a spreadsheet could read it as a formula, quoted with '."""
    if not isinstance(cell, str):
        return cell
    text = clean(cell)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text

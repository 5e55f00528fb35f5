"""Class rows for the gradebook: roster, raw score, lateness and final score; regrade changes."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grader.classroom.policy import Policy
from grader.classroom.roster import Matched, Times
from grader.reporters.csv_report import spreadsheet_safe

MISSING = "missing"  # the status of a roster student without a submission
LISTED, UNMATCHED = "listed", "unmatched"  # the roster column: on the roster or not
NO_TIME = "none"


@dataclass(frozen=True)
class Outcome:
    """What grading one submission gave: a status (graded, or why not), and its scores."""

    status: str  # "graded", or a problem: "timed out", "unreadable", "error"
    raw_score: float
    max_score: float
    problem: str = ""  # what went wrong, for a person


@dataclass(frozen=True)
class ClassRow:
    """One gradebook row: who, their scores, and when they submitted."""

    student: str
    name: str
    email: str
    sis_id: str
    section: str
    status: str  # graded, missing, or why not graded: unreadable, timed out, error
    raw_score: float
    max_score: float
    late_penalty: float
    final_score: float
    submitted_at: str  # ISO 8601, as the manifest gave it; empty when unknown
    time_source: str  # the manifest's file name, or "none"
    late: str  # "on time", "2 days late (-4 points)", "no submission time: ...", ""
    late_units: int = 0
    problem: str = ""
    roster: str = ""  # listed, unmatched, or empty when there is no roster

    @property
    def submitted(self) -> bool:
        return self.status != MISSING

    @property
    def on_roster(self) -> bool:
        return self.roster != UNMATCHED


# The class columns: what `grade class` writes, and what `grade batch` appends to its own.
CLASS_COLUMNS = (
    "name",
    "email",
    "sis_id",
    "section",
    "roster",
    "raw_score",
    "late_penalty",
    "final_score",
    "submitted_at",
    "time_source",
    "late",
)
ROW_COLUMNS = ("student", "status", "max_score", *CLASS_COLUMNS)


def build_rows(
    matched: Matched,
    outcomes: Mapping[str, Outcome],
    max_score: float,
    policy: Policy | None = None,
    times: Times | None = None,
) -> list[ClassRow]:
    """Return one row per roster student (missing ones too), then each unmatched submission."""
    rows: list[ClassRow] = []
    unmatched = set(matched.unmatched)
    for entry in matched.students:
        outcome = outcomes.get(entry.student)
        roster = (
            "" if not matched.has_roster else UNMATCHED if entry.student in unmatched else LISTED
        )
        base: dict[str, Any] = dict(
            student=entry.student,
            name=entry.name,
            email=entry.email,
            sis_id=entry.sis_id,
            section=entry.section,
            roster=roster,
        )
        if outcome is None:
            rows.append(
                ClassRow(
                    **base,
                    status=MISSING,
                    raw_score=0,
                    max_score=max_score,
                    late_penalty=0,
                    final_score=0,
                    submitted_at="",
                    time_source=NO_TIME,
                    late="",
                )
            )
            continue
        moment = times.times.get(entry.student) if times else None
        source = times.source if times and moment is not None else NO_TIME
        late, units, penalty, final = "", 0, 0.0, float(outcome.raw_score)
        if policy is not None:
            assessed = policy.assess(entry.student, moment, outcome.raw_score, outcome.max_score)
            late, units, penalty, final = (
                assessed.note,
                assessed.units,
                assessed.penalty,
                assessed.final_score,
            )
        elif moment is None and times is not None:
            late = "no submission time"
        rows.append(
            ClassRow(
                **base,
                status=outcome.status,
                raw_score=outcome.raw_score,
                max_score=outcome.max_score,
                late_penalty=penalty,
                final_score=final,
                submitted_at=moment.isoformat() if moment else "",
                time_source=source,
                late=late,
                late_units=units,
                problem=outcome.problem,
            )
        )
    return rows


def _number(value: float) -> str:
    return f"{round(value, 2):g}"


def row_cells(row: ClassRow) -> dict[str, str]:
    """Return the row's gradebook cells by column name (numbers without a trailing .0)."""
    return {
        "student": row.student,
        "name": row.name,
        "email": row.email,
        "sis_id": row.sis_id,
        "section": row.section,
        "roster": row.roster,
        "status": row.status,
        "raw_score": _number(row.raw_score),
        "late_penalty": _number(row.late_penalty),
        "final_score": _number(row.final_score),
        "max_score": _number(row.max_score),
        "submitted_at": row.submitted_at,
        "time_source": row.time_source,
        "late": row.late,
    }


def render_rows_csv(rows: Sequence[ClassRow]) -> str:
    """Render the rows as a spreadsheet-safe CSV (CRLF) with ROW_COLUMNS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ROW_COLUMNS)
    for row in rows:
        cells = row_cells(row)
        writer.writerow([spreadsheet_safe(cells[name]) for name in ROW_COLUMNS])
    return buffer.getvalue()


@dataclass(frozen=True)
class Change:
    """One item whose score a regrade changed."""

    student: str
    item: str
    old_score: float | None  # None: the item was not graded before (a new exercise)
    new_score: float | None  # None: the item is no longer graded


def changes(
    old: Mapping[str, Mapping[str, float]], new: Mapping[str, Mapping[str, float]]
) -> list[Change]:
    """Compare item scores by student before and after a regrade; list what changed.

    Pass in `new` only the students that were in `old`: one graded for the first time is a
    new submission, not a change.
    """
    found: list[Change] = []
    for student in sorted(set(old) | set(new)):
        before, after = old.get(student, {}), new.get(student, {})
        for item in list(dict.fromkeys([*after, *before])):
            a, b = before.get(item), after.get(item)
            if a != b:
                found.append(Change(student, item, a, b))
    return found


def render_changes_csv(found: Sequence[Change]) -> str:
    """Render changes.csv: student,item,old_score,new_score; an empty file when nothing changed.

    An empty cell stands for "not graded": a new exercise has no old score.
    """
    if not found:
        return ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["student", "item", "old_score", "new_score"])
    for change in found:
        writer.writerow(
            [
                spreadsheet_safe(change.student),
                change.item,
                "" if change.old_score is None else _number(change.old_score),
                "" if change.new_score is None else _number(change.new_score),
            ]
        )
    return buffer.getvalue()

"""The class roster (who should submit) and the submission-times manifest (when they did).

Roster CSV: a column `student` (the id a submission is filed under), optional `name`, `email`,
`sis_id`, `section`; other columns are ignored. Times CSV: `student,submitted_at`, exported
from the LMS or the hosting platform, never taken from files or commits the student controls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.classroom.tables import parse_time, read_table
from grader.course.problems import InputError, Problem

ROSTER_COLUMNS = ("name", "email", "sis_id", "section")


@dataclass(frozen=True)
class Student:
    """One roster entry."""

    student: str
    name: str = ""
    email: str = ""
    sis_id: str = ""
    section: str = ""


@dataclass(frozen=True)
class Roster:
    """The students of a class, in roster order."""

    students: tuple[Student, ...]
    source: str = ""

    def get(self, student: str) -> Student | None:
        """Return the roster entry of `student`, or None."""
        return next((entry for entry in self.students if entry.student == student), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(entry.student for entry in self.students)


@dataclass(frozen=True)
class Matched:
    """Roster and submissions side by side."""

    students: tuple[Student, ...]  # the roster's, then the unmatched submissions' (bare)
    missing: tuple[str, ...]  # on the roster, no submission
    unmatched: tuple[str, ...]  # a submission whose id is not on the roster
    has_roster: bool = True


def read_roster(path: Path) -> Roster:
    """Read a roster CSV; raise InputError (path:line:col) on any problem."""
    table = read_table(path, required=("student",), optional=ROSTER_COLUMNS, what="a roster")
    problems: list[Problem] = []
    students: list[Student] = []
    first: dict[str, int] = {}
    for row in table.rows:
        student = row.get("student")
        if not student:
            problems.append(
                table.problem(row, "student", "no student id; fill it in or delete the row")
            )
            continue
        if student in first:
            problems.append(
                table.problem(
                    row,
                    "student",
                    f"student {student!r} is already on line {first[student]}; keep one row",
                )
            )
            continue
        first[student] = row.line
        students.append(Student(student, *(row.get(name) for name in ROSTER_COLUMNS)))
    if problems:
        raise InputError(problems)
    return Roster(tuple(students), table.source)


def match(roster: Roster | None, submitted: Iterable[str]) -> Matched:
    """Pair the roster with the submission ids: who is missing, who is not on the roster."""
    submitted = list(dict.fromkeys(submitted))
    if roster is None:
        return Matched(tuple(Student(s) for s in submitted), (), (), has_roster=False)
    known = set(roster.ids)
    present = set(submitted)
    unmatched = tuple(s for s in submitted if s not in known)
    missing = tuple(s for s in roster.ids if s not in present)
    return Matched(roster.students + tuple(Student(s) for s in unmatched), missing, unmatched)


@dataclass(frozen=True)
class Times:
    """Submission times by student, and where they came from."""

    times: dict[str, datetime]
    source: str  # the manifest's file name, written into the gradebook's time_source


def read_times(path: Path) -> Times:
    """Read a `student,submitted_at` manifest; a student listed twice keeps the latest time."""
    table = read_table(
        path, required=("student", "submitted_at"), what="a submission-times manifest"
    )
    problems: list[Problem] = []
    times: dict[str, datetime] = {}
    for row in table.rows:
        student = row.get("student")
        if not student:
            problems.append(
                table.problem(row, "student", "no student id; fill it in or delete the row")
            )
            continue
        try:
            moment = parse_time(row.get("submitted_at"))
        except ValueError as error:
            problems.append(table.problem(row, "submitted_at", str(error)))
            continue
        if student not in times or moment > times[student]:
            times[student] = moment
    if problems:
        raise InputError(problems)
    return Times(times, path.name)

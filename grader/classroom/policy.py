"""The late-work policy: a deadline with its zone, grace, a penalty per started day or hour,
a floor, and per-student extensions. Read from a `policy` block in course.yaml or a YAML file.

    deadline: 2026-12-01T23:59:00+01:00
    grace: 15m
    penalty: {percent: 10, per: day, floor: 0}   # of max_score, per started day late
    extensions: extensions.csv                    # student,deadline (relative to this file)

Lateness is counted from the student's deadline (their extension, else the policy's): work
submitted up to `grace` after it is on time; later work loses `percent` of max_score for each
started `per` (day or hour) since the deadline. The penalty never takes the final score below
`floor` percent of max_score, and never below 0; a raw score already below the floor is kept.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from grader.classroom.tables import parse_time, read_table
from grader.course import safe_yaml
from grader.course.problems import InputError, Problem, display_path

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$")
_UNIT = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, None: 60}
_PER = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
_KEYS = {"deadline", "grace", "penalty", "extensions"}
_PENALTY_KEYS = {"percent", "per", "floor"}


@dataclass(frozen=True)
class Penalty:
    """How much late work loses: `percent` of max_score per started `per`, down to `floor`%."""

    percent: float = 0.0
    per: str = "day"
    floor: float = 0.0


@dataclass(frozen=True)
class Lateness:
    """One student's late-work outcome."""

    deadline: datetime
    submitted_at: datetime | None
    late_by: timedelta  # zero when on time or unknown
    units: int  # started days or hours late, beyond grace (0 when on time or unknown)
    penalty: float  # points taken off
    final_score: float
    note: str  # what a person reads: "on time", "2 days late (-20%)", "no submission time"

    @property
    def is_late(self) -> bool:
        return self.units > 0


@dataclass(frozen=True)
class Policy:
    """A deadline policy for one assignment."""

    deadline: datetime
    grace: timedelta = timedelta(0)
    penalty: Penalty = field(default_factory=Penalty)
    extensions: dict[str, datetime] = field(default_factory=dict)
    source: str = ""

    def deadline_for(self, student: str) -> datetime:
        """Return the student's deadline: their extension, else the policy's."""
        return self.extensions.get(student, self.deadline)

    def assess(
        self, student: str, submitted_at: datetime | None, raw_score: float, max_score: float
    ) -> Lateness:
        """Return the lateness and final score of one submission."""
        deadline = self.deadline_for(student)
        if submitted_at is None:
            return Lateness(
                deadline,
                None,
                timedelta(0),
                0,
                0.0,
                raw_score,
                "no submission time: no penalty applied",
            )
        late_by = max(submitted_at - deadline, timedelta(0))
        if late_by <= self.grace or late_by == timedelta(0):
            note = "on time" if late_by == timedelta(0) else "within the grace period"
            return Lateness(deadline, submitted_at, late_by, 0, 0.0, raw_score, note)
        unit = _PER[self.penalty.per]
        units = math.ceil(late_by / unit)
        lowest = min(raw_score, max_score * self.penalty.floor / 100)
        wanted = max_score * self.penalty.percent / 100 * units
        final = max(raw_score - wanted, lowest, 0.0)
        penalty = round(raw_score - final, 2)
        final = round(final, 2)
        word = self.penalty.per + ("" if units == 1 else "s")
        note = f"{units} {word} late (-{_number(penalty)} points)"
        return Lateness(deadline, submitted_at, late_by, units, penalty, final, note)


def _number(value: float) -> str:
    return f"{value:g}"


def parse_duration(value: object) -> timedelta:
    """Return `value` (15m, 2h, 1d, 30s, or minutes as a number) as a timedelta."""
    if isinstance(value, bool):
        raise ValueError("write a duration such as 15m, 2h or 1d")
    if isinstance(value, (int, float)):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise ValueError("write a duration such as 15m, 2h or 1d")
    found = _DURATION.match(text)
    if not found:
        raise ValueError(f"{text[:30]!r} is not a duration; write 15m, 2h or 1d")
    return timedelta(seconds=float(found.group(1)) * _UNIT[found.group(2)])


def load_policy(path: Path) -> Policy:
    """Read a policy YAML file; raise InputError (path:line:col) on any problem."""
    source = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(Problem(source, None, None, f"cannot read: {error.strerror}")) from None
    located = safe_yaml.load(data, source, safe_yaml.Limits(max_bytes=64 * 1024))
    return policy_from(located, (), source, path.parent)


def course_policy(course_root: Path) -> Policy | None:
    """Return the `policy` block of the course's course.yaml, or None when it has none."""
    path = course_root / "course.yaml"
    source = display_path(path)
    located = safe_yaml.load(path.read_bytes(), source)
    if not isinstance(located.data, dict) or "policy" not in located.data:
        return None
    return policy_from(located, ("policy",), source, course_root)


def policy_from(located: safe_yaml.Located, at: tuple, source: str, base: Path) -> Policy:
    """Build a Policy from the mapping at key path `at` of a loaded YAML document."""
    problems: list[Problem] = []

    def problem(path: tuple, message: str) -> None:
        problems.append(Problem(source, *located.where(*at, *path), message))

    data: Any = located.data
    for key in at:
        data = data[key]
    if not isinstance(data, dict):
        raise InputError(
            Problem(
                source,
                *located.where(*at),
                "expected a mapping with deadline, grace,"
                " penalty and extensions; see docs/batch.md",
            )
        )
    for key in data:
        if key not in _KEYS:
            problem((key,), f"unknown key '{key}'; allowed: {', '.join(sorted(_KEYS))}")
    deadline = datetime.min
    if "deadline" not in data:
        problem((), "missing required key 'deadline'; add 'deadline: 2026-12-01T23:59:00+01:00'")
    else:
        try:
            deadline = _time(data["deadline"])
        except ValueError as error:
            problem(("deadline",), str(error))
    grace = timedelta(0)
    if data.get("grace") is not None:
        try:
            grace = parse_duration(data["grace"])
        except ValueError as error:
            problem(("grace",), str(error))
    penalty = Penalty()
    raw = data.get("penalty")
    if raw is not None:
        if not isinstance(raw, dict):
            problem(("penalty",), "write the penalty as {percent: 10, per: day, floor: 0}")
        else:
            for key in raw:
                if key not in _PENALTY_KEYS:
                    problem(("penalty", key), f"unknown key '{key}'; allowed: floor, per, percent")
            values = {}
            for key, default in (("percent", None), ("floor", 0)):
                value = raw.get(key, default)
                if value is None:
                    problem(("penalty",), "missing 'percent'; add e.g. 'percent: 10'")
                    value = 0
                elif (
                    isinstance(value, bool)
                    or not isinstance(value, (int, float))
                    or not (0 <= value <= 100)
                ):
                    problem(("penalty", key), f"'{key}' must be a number from 0 to 100")
                    value = 0
                values[key] = float(value)
            per = raw.get("per", "day")
            if per not in _PER:
                problem(("penalty", "per"), f"'per' must be day or hour, not {str(per)[:20]!r}")
                per = "day"
            penalty = Penalty(values["percent"], per, values["floor"])
    extensions: dict[str, datetime] = {}
    if data.get("extensions") is not None:
        name = data["extensions"]
        if not isinstance(name, str) or not name.strip():
            problem(("extensions",), "write the extensions CSV's path, e.g. extensions.csv")
        else:
            try:
                extensions = read_extensions(base / name)
            except InputError as error:
                problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return Policy(deadline, grace, penalty, extensions, source)


def _time(value: object) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(
                f"{value.isoformat()} has no time zone; add one, e.g."
                f" {value.isoformat()}+01:00 or quote the time with its zone"
            )
        return value
    if isinstance(value, str):
        return parse_time(value)
    raise ValueError("write the deadline as 2026-12-01T23:59:00+01:00")


def read_extensions(path: Path) -> dict[str, datetime]:
    """Read `student,deadline` rows (ISO 8601 with zone); raise InputError on any problem."""
    table = read_table(path, required=("student", "deadline"), what="an extensions file")
    problems: list[Problem] = []
    extensions: dict[str, datetime] = {}
    for row in table.rows:
        student = row.get("student")
        if not student:
            problems.append(table.problem(row, "student", "no student id; fill it in"))
            continue
        if student in extensions:
            problems.append(
                table.problem(row, "student", f"{student!r} has two extensions; keep one")
            )
            continue
        try:
            extensions[student] = parse_time(row.get("deadline"))
        except ValueError as error:
            problems.append(table.problem(row, "deadline", str(error)))
    if problems:
        raise InputError(problems)
    return extensions

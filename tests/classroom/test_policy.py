"""Deadlines, grace, penalties per started day or hour, floors and extensions."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from grader.classroom.policy import Penalty, Policy, course_policy, load_policy, parse_duration
from grader.course.load import load_course
from grader.course.problems import InputError

from .conftest import EXERCISES

DEADLINE = datetime.fromisoformat("2026-12-01T23:59:00+01:00")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_documented_policy_file_loads(data_dir: Path) -> None:
    policy = load_policy(data_dir / "policy.yaml")
    assert policy.deadline == DEADLINE
    assert policy.grace == timedelta(minutes=15)
    assert policy.penalty == Penalty(10.0, "day", 0.0)
    assert policy.extensions == {"dee": _at("2026-12-03T23:59:00+01:00")}


@pytest.mark.parametrize(
    ("submitted", "units", "penalty", "final", "note"),
    [
        ("2026-12-01T20:00:00+01:00", 0, 0, 20, "on time"),
        ("2026-12-01T23:59:00+01:00", 0, 0, 20, "on time"),
        ("2026-12-01T23:13:00Z", 0, 0, 20, "within the grace period"),  # 14 minutes late
        ("2026-12-02T00:14:00+01:00", 0, 0, 20, "within the grace period"),
        ("2026-12-02T00:14:01+01:00", 1, 2, 18, "1 day late (-2 points)"),
        ("2026-12-02T23:59:00+01:00", 1, 2, 18, "1 day late (-2 points)"),
        ("2026-12-02T23:59:01+01:00", 2, 4, 16, "2 days late (-4 points)"),
        ("2026-12-20T12:00:00+01:00", 19, 20, 0, "19 days late (-20 points)"),
    ],
)
def test_penalty_per_started_day_after_grace(
    submitted: str, units: int, penalty: float, final: float, note: str
) -> None:
    policy = Policy(DEADLINE, timedelta(minutes=15), Penalty(10, "day", 0))
    late = policy.assess("ada", _at(submitted), 20, 20)
    assert (late.units, late.penalty, late.final_score, late.note) == (units, penalty, final, note)


def test_per_hour_and_a_floor() -> None:
    policy = Policy(DEADLINE, timedelta(0), Penalty(5, "hour", 50))
    late = policy.assess("ada", DEADLINE + timedelta(hours=2, minutes=1), 20, 20)
    assert (late.units, late.penalty, late.final_score) == (3, 3, 17)
    late = policy.assess("ada", DEADLINE + timedelta(days=3), 20, 20)
    assert late.final_score == 10  # the floor: half of max_score
    late = policy.assess("ada", DEADLINE + timedelta(days=3), 6, 20)
    assert (late.penalty, late.final_score) == (0, 6)  # already below the floor: kept


def test_an_extension_moves_only_that_students_deadline() -> None:
    later = DEADLINE + timedelta(days=2)
    policy = Policy(DEADLINE, timedelta(0), Penalty(10, "day"), {"dee": later})
    moment = DEADLINE + timedelta(days=1)
    assert policy.assess("dee", moment, 10, 10).final_score == 10
    assert policy.assess("ada", moment, 10, 10).final_score == 9


def test_no_time_means_no_penalty_and_says_so() -> None:
    policy = Policy(DEADLINE, penalty=Penalty(10, "day"))
    late = policy.assess("ada", None, 7, 10)
    assert (late.penalty, late.final_score) == (0, 7)
    assert "no submission time" in late.note


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("2h", 7200), ("1d", 86400), ("30s", 30), (15, 900)]
)
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("deadline: 2026-12-01T23:59:00\n", ":1:1:", "has no time zone; add one"),
        ("deadline: '2026-12-01 23:59'\n", ":1:1:", "has no time zone"),
        ("deadline: tomorrow\n", ":1:1:", "is not an ISO 8601 time"),
        ("grace: 15m\n", ":1:1:", "missing required key 'deadline'"),
        ("deadline: 2026-12-01T23:59:00Z\ngrace: soon\n", ":2:1:", "is not a duration"),
        (
            "deadline: 2026-12-01T23:59:00Z\npenalty: {percent: 10, per: week}\n",
            ":2:",
            "'per' must be day or hour",
        ),
        (
            "deadline: 2026-12-01T23:59:00Z\npenalty: {percent: 110}\n",
            ":2:",
            "from 0 to 100",
        ),
        ("deadline: 2026-12-01T23:59:00Z\ngrase: 15m\n", ":2:1:", "unknown key 'grase'"),
        (
            "deadline: 2026-12-01T23:59:00Z\nextensions: nowhere.csv\n",
            "nowhere.csv:",
            "cannot read",
        ),
    ],
)
def test_author_errors_point_at_the_place(
    tmp_path: Path, text: str, where: str, fragment: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as error:
        load_policy(path)
    message = str(error.value)
    assert where in message and fragment in message, message


def test_extension_rows_are_checked_with_positions(tmp_path: Path) -> None:
    (tmp_path / "ext.csv").write_text("student,deadline\nada,2026-12-03\n")
    (tmp_path / "policy.yaml").write_text("deadline: 2026-12-01T23:59:00Z\nextensions: ext.csv\n")
    with pytest.raises(InputError) as error:
        load_policy(tmp_path / "policy.yaml")
    assert "ext.csv:2:5: '2026-12-03' has no time zone" in str(error.value)


def test_a_policy_block_in_course_yaml(tmp_path: Path) -> None:
    course = Path(shutil.copytree(EXERCISES, tmp_path / "exercises"))
    text = (course / "course.yaml").read_text()
    (course / "course.yaml").write_text(
        text + "policy:\n  deadline: 2026-12-01T23:59:00+01:00\n  grace: 1h\n"
        "  penalty: {percent: 20, per: day}\n"
    )
    assert load_course(course).title  # the loader accepts the block
    policy = course_policy(course)
    assert policy is not None
    assert (policy.deadline, policy.grace, policy.penalty.percent) == (
        DEADLINE,
        timedelta(hours=1),
        20,
    )
    assert course_policy(EXERCISES) is None

"""`grade check` boots its sandbox before importing the rest; other commands never do."""

from __future__ import annotations

import pytest

from grader.cli.early import grades_once
from grader.grading import engine
from grader.grading.engine import GradingError, start_early, take_early


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/venv/bin/grade"], True),
        (["/venv/bin/grade", "check", "relu"], True),
        (["grade", "--json", "r.json"], True),
        (["C:\\venv\\Scripts\\grade.exe", "check"], True),
        (["/src/grader/__main__.py", "check"], True),
        (["/venv/bin/grade", "watch"], False),
        (["/venv/bin/grade", "list"], False),
        (["/venv/bin/grade", "check", "--help"], False),
        (["/venv/bin/grade", "--version"], False),
        (["/venv/bin/pytest", "check"], False),
        ([], False),
    ],
)
def test_only_a_one_shot_check_starts_early(argv: list[str], expected: bool) -> None:
    assert grades_once(argv) is expected


def test_an_early_grader_is_taken_once_and_gets_its_course(monkeypatch) -> None:
    monkeypatch.setattr(engine, "_EARLY", [])
    start_early()
    start_early()  # a second call starts nothing more
    assert len(engine._EARLY) == 1
    sentinel = object()
    grader = take_early(lambda: sentinel)  # type: ignore[arg-type, return-value]
    assert grader is not None and take_early(lambda: sentinel) is None  # type: ignore
    with grader:
        assert grader.course is sentinel


def test_an_early_grader_used_without_a_course_says_so(monkeypatch) -> None:
    monkeypatch.setattr(engine, "_EARLY", [])
    start_early()
    (grader,) = engine._EARLY
    with grader, pytest.raises(GradingError, match="before it was given a course"):
        grader.course  # noqa: B018

"""A warm grader with short limits, and a fresh complete workspace per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.course.load import load_course
from grader.course.model import Course
from grader.grading.engine import Grader
from grader.sandbox import Limits

ROOT = Path(__file__).resolve().parents[2]
LIMITS = Limits(call_timeout=1.0, import_timeout=2.0)


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(ROOT / "exercises")


@pytest.fixture(scope="session")
def grader(course: Course) -> Iterator[Grader]:
    with Grader(course, LIMITS) as warm:
        yield warm


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Return a complete workspace: every reference solution and every quiz answer."""
    folder = tmp_path / "ws"
    shutil.copytree(ROOT / "solutions", folder)
    return folder

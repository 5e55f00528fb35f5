"""A warm grader with short limits, and a fresh complete workspace per test."""

from __future__ import annotations

import shutil
import sys
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


@pytest.fixture
def backend() -> str:
    """Name the sandbox backend of a test: this OS's own unless parametrised over both."""
    return "linux" if sys.platform.startswith("linux") else "portable"


@pytest.fixture(autouse=True)
def _sandbox_env(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every grader (and report) of the test use ``backend``, explicitly."""
    monkeypatch.setenv("GRADE_SANDBOX", backend)


@pytest.fixture(scope="session")
def _graders() -> Iterator[dict[str, Grader]]:
    """Keep one warm grader per backend for the whole session."""
    made: dict[str, Grader] = {}
    yield made
    for warm in made.values():
        warm.close()


@pytest.fixture
def grader(course: Course, backend: str, _graders: dict[str, Grader], _sandbox_env: None) -> Grader:
    """Return the warm grader of the test's backend."""
    if backend not in _graders:
        _graders[backend] = Grader(course, LIMITS)
    assert _graders[backend].sandbox.backend == backend
    return _graders[backend]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Return a complete workspace: every reference solution and every quiz answer."""
    folder = tmp_path / "ws"
    shutil.copytree(ROOT / "solutions", folder)
    return folder

"""Fixtures for the command-line tests: real `grade` processes on real workspaces.

The modules that grade run on both sandbox backends (GRADE_SANDBOX=linux and =portable,
passed to every `grade` process by grade_cli_support.clean_env); the others (init, help,
authoring, the library) never start student code and run once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import pytest
from grade_cli_support import GOLDEN  # loaded by tests/conftest.py

GRADING_MODULES = {"test_report", "test_commands", "test_learning_loop", "test_watch"}
NEVER_GRADES = {"test_every_command_has_help_with_an_example"}  # `--help` only: once is enough
# A test that does not run on both uses the backend grade itself would choose on this OS.
DEFAULT_BACKEND = "linux" if sys.platform.startswith("linux") else "portable"
LINUX_LINE = "Sandbox: confined by the kernel (linux backend)."
PORTABLE_LINE = (
    "Sandbox: unconfined on this system: feedback, not a grade \u2014 see docs/security.md"
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the grading modules' tests on both backends."""
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    grades = module in GRADING_MODULES and metafunc.function.__name__ not in NEVER_GRADES
    if "sandbox_backend" in metafunc.fixturenames and grades:
        metafunc.parametrize("sandbox_backend", ["linux", "portable"], indirect=True)


@pytest.fixture(autouse=True)
def sandbox_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Choose the backend of every `grade` process (and in-process grader) of a test."""
    backend = getattr(request, "param", DEFAULT_BACKEND)
    monkeypatch.setenv("GRADE_SANDBOX", backend)
    return backend


@pytest.fixture
def golden(sandbox_backend: str) -> Callable[[str, str], None]:
    """Return a checker that compares text with golden/<name>; UPDATE_GOLDEN=1 rewrites it.

    The goldens are the Linux backend's; on the portable backend the report must be the same
    but for its one sandbox line.
    """

    def check(name: str, text: str) -> None:
        if sandbox_backend == "portable":
            assert text.count(PORTABLE_LINE) == 1 and LINUX_LINE not in text, text
            text = text.replace(PORTABLE_LINE, LINUX_LINE)
        path = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {name}: run UPDATE_GOLDEN=1 pytest tests/cli"
        assert text == path.read_text(encoding="utf-8"), (
            f"{name} changed: review it, then run UPDATE_GOLDEN=1 pytest tests/cli"
        )

    return check

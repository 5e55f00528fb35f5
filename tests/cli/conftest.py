"""Fixtures for the command-line tests: real `grade` processes on real workspaces."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from grade_cli_support import GOLDEN  # loaded by tests/conftest.py


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Return a checker that compares text with golden/<name>; UPDATE_GOLDEN=1 rewrites it."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {name}: run UPDATE_GOLDEN=1 pytest tests/cli"
        assert text == path.read_text(encoding="utf-8"), (
            f"{name} changed: review it, then run UPDATE_GOLDEN=1 pytest tests/cli"
        )

    return check

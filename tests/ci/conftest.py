"""Fixtures for the CI tests; the helpers are shared with tests/cli (grade_cli_support)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

_SUPPORT = Path(__file__).parents[1] / "cli" / "support.py"
if "grade_cli_support" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("grade_cli_support", _SUPPORT)
    assert _spec is not None and _spec.loader is not None
    sys.modules["grade_cli_support"] = _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)

from grade_cli_support import MAKERS  # noqa: E402


@pytest.fixture
def workspace(tmp_path: Path) -> Callable[[str], Path]:
    """Return a maker of fresh workspaces: 'stub', 'partial' or 'complete'."""

    def make(kind: str, name: str = "ws") -> Path:
        return MAKERS[kind](tmp_path / name)

    return make

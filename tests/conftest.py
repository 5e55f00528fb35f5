"""Fixtures shared by the CLI and CI tests: real workspaces made with the real `grade init`."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

_SUPPORT = Path(__file__).parent / "cli" / "support.py"
if "grade_cli_support" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("grade_cli_support", _SUPPORT)
    assert _spec is not None and _spec.loader is not None
    sys.modules["grade_cli_support"] = _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)

from grade_cli_support import MAKERS  # noqa: E402

collect_ignore = ["fixture_course", "fixture_solutions"]  # course data, not tests


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Make each kind of workspace once per session, with the real `grade init`."""
    root = tmp_path_factory.mktemp("templates")
    return {kind: make(root / kind) for kind, make in MAKERS.items()}


@pytest.fixture
def workspace(tmp_path: Path, templates: dict[str, Path]) -> Callable[..., Path]:
    """Return a maker of fresh copies of a 'stub', 'partial' or 'complete' workspace."""

    def make(kind: str, name: str = "ws") -> Path:
        return Path(shutil.copytree(templates[kind], tmp_path / name, symlinks=True))

    return make

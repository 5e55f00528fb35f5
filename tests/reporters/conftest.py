"""Golden files for the reporters: compare, or rewrite them all with UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Return a checker that compares rendered text with golden/<name>, byte for byte."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.write_bytes(text.encode("utf-8"))
            return
        assert path.exists(), f"no golden file {name}: run UPDATE_GOLDEN=1 pytest tests/reporters"
        expected = path.read_bytes().decode("utf-8")
        assert text == expected, f"{name} changed: review it, then run UPDATE_GOLDEN=1 pytest"

    return check

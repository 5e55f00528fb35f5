"""Golden HTML of the fixture course's index and pages; rewrite with UPDATE_GOLDEN=1."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from conftest import GOLDEN


@pytest.mark.parametrize("name", ["index.html", "relu_demo.html", "pick_range.html"])
def test_page_matches_golden(fixture_site: Path, name: str) -> None:
    built = (fixture_site / name).read_text("utf-8")
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(built, "utf-8")
        return
    assert golden.exists(), f"no golden {name}: run UPDATE_GOLDEN=1 pytest tests/site"
    expected = golden.read_text("utf-8")
    if built != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    built.splitlines(keepends=True),
                    f"golden/{name}",
                    f"built/{name}",
                )
            )[:80]
        )
        pytest.fail(f"{name} differs from its golden; if intended, UPDATE_GOLDEN=1\n{diff}")

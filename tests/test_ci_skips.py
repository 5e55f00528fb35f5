"""Under CI=true a feature skip fails the run; outside CI it stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = """
import pytest

def test_needs_chromium():
    pytest.skip("chromium is not installed")

def test_needs_root():
    pytest.skip("only root can drop to nobody")
"""


@pytest.mark.parametrize(("ci", "failed"), [("true", 1), ("", 0)])
def test_feature_skips_fail_only_in_ci(tmp_path: Path, ci: str, failed: int) -> None:
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "support.py").write_text((ROOT / "tests/cli/support.py").read_text())
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(ROOT)}
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    summary = done.stdout.strip().splitlines()[-1]
    assert (f"{failed} failed" in summary) is bool(failed), done.stdout
    assert "1 skipped" in summary if failed else "2 skipped" in summary, done.stdout
    if failed:
        assert "skipped in CI, where every feature must be tested" in done.stdout

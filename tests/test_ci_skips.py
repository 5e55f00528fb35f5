"""Under CI=true a feature skip fails the run; outside CI it stays a skip.

A test for another operating system (`only_on`, or a path in ONLY_ON_PATHS) is skipped, and
that skip is allowed in CI: it is what this OS cannot have, not a missing install. Saying so
in a skip's text is not enough; the test must be marked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = """
import sys

import pytest

def test_needs_chromium():
    pytest.skip("chromium is not installed")

def test_needs_root():
    pytest.skip("only root can drop to nobody")

@pytest.mark.only_on("plan9", reason="needs Plan 9's per-process namespaces")
def test_for_another_os():
    raise AssertionError("never runs here")

@pytest.mark.only_on(sys.platform, "plan9")
def test_for_this_os():
    pass

def test_claims_another_os_without_the_marker():
    pytest.skip("only on plan9: a missing install in disguise")
"""


def _run_sample(folder: Path, sample: str, ci: str, *options: str) -> str:
    """Run `sample` as a test file with this suite's conftest; return pytest's output."""
    (folder / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (folder / "cli").mkdir()
    (folder / "cli" / "support.py").write_text((ROOT / "tests/cli/support.py").read_text())
    (folder / "test_sample.py").write_text(sample)
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(ROOT)}
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options, str(folder)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    return done.stdout


@pytest.mark.parametrize(("ci", "failed"), [("true", 2), ("", 0)])
def test_feature_skips_fail_only_in_ci(tmp_path: Path, ci: str, failed: int) -> None:
    output = _run_sample(tmp_path, SAMPLE, ci)
    summary = output.strip().splitlines()[-1]
    assert (f"{failed} failed" in summary) is bool(failed), output
    assert "1 passed" in summary, output
    assert "2 skipped" in summary if failed else "4 skipped" in summary, output
    if failed:
        assert "skipped in CI, where every feature must be tested" in output
        assert "FAILED test_sample.py::test_needs_chromium" in output
        assert "FAILED test_sample.py::test_claims_another_os_without_the_marker" in output


def test_a_test_for_another_os_says_which(tmp_path: Path) -> None:
    sample = "import pytest\n\n@pytest.mark.only_on('plan9', reason='needs 9P')\n"
    sample += "def test_x():\n    pass\n"
    output = _run_sample(tmp_path, sample, "true", "-rs")
    assert "1 skipped" in output, output
    assert f"only on plan9: needs 9P (this is {sys.platform})" in output

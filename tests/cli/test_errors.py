"""Usage errors: one clear line on stderr, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def _grade(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["grade", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["check", "--json", "missing/report.json"], "its folder does not exist"),
        (["check", "no_such_item"], "no exercise or quiz called 'no_such_item'"),
        (["check", "--pass-mark", "lots"], "pass mark"),
        (["hint", "no_such_item"], "no exercise or quiz called 'no_such_item'"),
        (["digest", "relu", "1"], "is a code exercise, not a quiz"),
        (["init", "answers.yaml"], "cannot create the workspace"),
    ],
)
def test_usage_errors(args: list[str], says: str, tmp_path: Path) -> None:
    (tmp_path / "answers.yaml").write_text("relu_output:\n")
    before = sorted(path.name for path in tmp_path.iterdir())
    done = _grade(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert says.lower() in done.stderr.lower(), done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == before

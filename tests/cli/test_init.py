"""`grade init` never overwrites; --keep-existing fills in only what is missing."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _init(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["grade", "init", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_existing_files_are_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# my repository\n")
    done = _init(".", cwd=tmp_path)
    assert done.returncode == 2
    assert "README.md: already exists; grade init never overwrites" in done.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["README.md"]


def test_keep_existing_writes_only_the_missing_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# my repository\n")
    (tmp_path / "sigmoid.py").write_text("def sigmoid(x):\n    return 0.5\n")
    done = _init(".", "--keep-existing", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "keeping the files that were already there" in done.stdout
    assert (tmp_path / "README.md").read_text() == "# my repository\n"
    assert (tmp_path / "sigmoid.py").read_text() == "def sigmoid(x):\n    return 0.5\n"
    assert "raise NotImplementedError" in (tmp_path / "relu.py").read_text()
    assert (tmp_path / "answers.yaml").is_file()
    again = _init(".", "--keep-existing", cwd=tmp_path)
    assert again.returncode == 0 and "Created 0 files" in again.stdout

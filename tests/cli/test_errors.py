"""Usage errors: one clear line on stderr, exit code 2, no traceback, nothing written;
internal errors: one line and exit code 3 (GRADE_DEBUG=1 keeps the traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from grade_cli_support import grade


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["check", "--json", "missing/report.json"], "its folder does not exist"),
        (["check", "no_such_item"], "no exercise or quiz called 'no_such_item'"),
        (["check", "--pass-mark", "lots"], "pass mark"),
        (["hint", "no_such_item"], "no exercise or quiz called 'no_such_item'"),
        (["digest", "relu", "1"], "is a code exercise, not a quiz"),
        (["init", "answers.yaml"], "cannot create the workspace"),
        (["show", "no_such_item"], "no exercise or quiz called 'no_such_item'"),
        (["chek"], "No such command 'chek'. Did you mean 'check'?"),
        (["sigmoid"], "To grade an item: grade check sigmoid"),
        (["check", "sigmod"], "did you mean 'sigmoid'?"),
        (["--jsno", "r.json"], "Did you mean one of: '--json'"),
        (["init", "ws", "--grader-wheel", "https://x.example/g.whl"], "--grader-sha256"),
    ],
)
def test_usage_errors(args: list[str], says: str, tmp_path: Path) -> None:
    (tmp_path / "answers.yaml").write_text("relu_output:\n")
    before = sorted(path.name for path in tmp_path.iterdir())
    done = grade(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert says.lower() in done.stderr.lower(), done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def _breaking_env(tmp_path: Path, debug: bool) -> dict[str, str]:
    """Return an environment whose sitecustomize breaks the grader's report rendering."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import grader.reporters.text as text\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('renderer exploded')\n"
        "text.render_text = broken\n"
        "import grader.reporters as reporters\n"
    )
    env = {"PYTHONPATH": str(hook)}
    if debug:
        env["GRADE_DEBUG"] = "1"
    return env


@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_is_one_line_and_exit_code_3(tmp_path: Path, debug: bool) -> None:
    folder = tmp_path / "ws"
    assert grade("init", "ws", cwd=tmp_path).returncode == 0
    done = grade("check", "relu_output", cwd=folder, env=_breaking_env(tmp_path, debug))
    assert done.returncode == 3, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("grade: internal error: RuntimeError: renderer exploded")
    assert ("Traceback" in done.stderr) is debug
    if not debug:
        assert len(done.stderr.strip().splitlines()) == 1


def test_the_exit_code_table_lists_internal_errors(tmp_path: Path) -> None:
    done = grade("--help", cwd=tmp_path)
    assert "3  internal error" in done.stdout
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "| 3 | internal error" in readme

"""Issue 12 through real `grade` processes: bare `grade` takes check's options, a passing
selection is not "everything", and a deleted file says how to restore it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from grade_cli_support import flat, grade

Workspace = Callable[..., Path]


def test_bare_grade_takes_the_options_of_check(workspace: Workspace) -> None:
    folder = workspace("partial")
    report = folder.parent / "report.json"
    done = grade("--json", str(report), "-w", str(folder), "--pass-mark", "40%", cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    assert json.loads(report.read_text())["score"] == 9
    assert "Pass mark 8.4 / 21 points: reached." in done.stderr
    assert done.stdout.startswith("Fixture Neurons (version 1.0)\nScore: 9 / 21 points")


def test_a_passing_selection_is_not_called_everything(workspace: Workspace) -> None:
    folder = workspace("partial")
    done = grade("check", "relu_output", cwd=folder)
    assert done.returncode == 0, done.stderr
    text = flat(done.stdout)
    assert "every exercise and quiz is complete" not in text
    assert "Nothing left to do in this selection: 1 item graded, all passed." in text
    assert "4 other items of the course were not graded; run `grade` to grade everything." in text


def test_a_deleted_file_says_it_is_missing_and_how_to_restore_it(workspace: Workspace) -> None:
    folder = workspace("stub")
    (folder / "relu.py").unlink()
    done = grade("check", "relu", cwd=folder)
    assert done.returncode == 1
    text = flat(done.stdout)
    assert (
        "Next: relu.py is missing; restore its starter file with: grade init . --keep-existing"
        in text
    )
    assert re.search(r"relu .* 0/\d+ +missing$", done.stdout, re.MULTILINE), done.stdout
    listed = grade("list", cwd=folder)
    assert re.search(r"relu .* 0/\d+ +missing$", listed.stdout, re.MULTILINE), listed.stdout
    advice = grade("init", ".", "--keep-existing", cwd=folder)
    assert advice.returncode == 0, advice.stderr
    assert "Created 1 file in ." in advice.stdout and (folder / "relu.py").is_file()
    assert "Next: grade list" in advice.stdout  # already there: no `cd .`
    hint = grade("check", "relu", "--format", "json", cwd=folder)
    assert "missing" not in hint.stdout

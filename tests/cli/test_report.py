"""The report a student reads after `grade`, produced by real `grade` processes."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import termios
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from grade_cli_support import (
    GRADE,
    REAL_COURSE,
    SUBSET,
    clean_env,
    flat,
    grade,
    mask,
    tree,
)

from grader.course.load import load_course
from grader.course.model import CodeExercise

Workspace = Callable[..., Path]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("kind", ["stub", "partial", "complete"])
def test_text_report_golden(kind: str, workspace: Workspace, golden) -> None:
    folder = workspace(kind)
    before = tree(folder)
    done = grade("check", *SUBSET, cwd=folder)
    assert done.returncode == (0 if kind == "complete" else 1), done.stderr
    assert done.stderr == ""
    assert "\x1b" not in done.stdout, "no colour when stdout is not a terminal"
    assert max(map(len, done.stdout.splitlines())) <= 80
    golden(f"{kind}.txt", mask(done.stdout, [folder]))
    honest = {
        "stub": "0 of 18 checks passed; 7 of the 18 are hidden checks.",
        "partial": "8 of 18 checks passed; 7 of the 18 are hidden checks.",
        "complete": "Full marks: every check passed, including 7 hidden ones.",
    }
    assert honest[kind] in done.stdout.splitlines()
    assert "all tests passed" not in done.stdout.lower()
    assert tree(folder) == before, "grading must not write into the workspace"


def test_a_deep_exception_shows_only_the_students_frames(workspace: Workspace) -> None:
    folder = workspace("stub")
    (folder / "relu.py").write_text(
        "import numpy as np\n"
        "\n"
        "\n"
        "def _pick(values):\n"
        "    return values[10]\n"
        "\n"
        "\n"
        "def _inner(x):\n"
        "    return _pick(list(np.atleast_1d(x)))\n"
        "\n"
        "\n"
        "def _helper(x):\n"
        "    return _inner(x) * 2\n"
        "\n"
        "\n"
        "def relu(x):\n"
        "    return _helper(np.asarray(x))\n",
        encoding="utf-8",
    )
    done = grade("check", "relu", cwd=folder)
    assert done.returncode == 1
    out = done.stdout
    assert "raised IndexError" in out
    frames = out.split("In your code:\n", 1)[1].splitlines()[:3]
    assert [line.split()[0] for line in frames] == ["relu.py:13", "relu.py:9", "relu.py:5"]
    assert "return values[10]" in frames[-1]
    for leak in ("grader", "site-packages", "_child", "Traceback", "pytest", str(folder)):
        assert leak not in out, leak


def _misconception_rounds() -> list[list[tuple[CodeExercise, int]]]:
    """Group every known-wrong file of the committed exercises into rounds, one per exercise."""
    course = load_course(REAL_COURSE)
    fixed = ["weighted_sum", "neuron", "step", "relu", "sigmoid", "tanh", "softmax", "perceptron"]
    exercises = [course.item(item_id) for item_id in fixed]
    rounds = max(len(exercise.misconceptions) for exercise in exercises)
    return [
        [(ex, number) for ex in exercises if number < len(ex.misconceptions)]
        for number in range(rounds)
    ]


@pytest.mark.parametrize("number", range(len(_misconception_rounds())))
def test_known_wrong_solutions_are_diagnosed(number: int, tmp_path: Path) -> None:
    """The real course's known-wrong files, each diagnosed through a real `grade check`."""
    round_ = _misconception_rounds()[number]
    real = {"GRADE_COURSE_DIR": str(REAL_COURSE)}
    assert grade("init", "ws", cwd=tmp_path, env=real).returncode == 0
    folder = tmp_path / "ws"
    for exercise, index in round_:
        shutil.copyfile(exercise.misconceptions[index].file, folder / exercise.file)
    report_file = folder.parent / "report.json"
    ids = [exercise.id for exercise, _ in round_]
    done = grade("check", *ids, "--json", str(report_file), cwd=folder, env=real)
    assert done.returncode == 1
    report = json.loads(report_file.read_text())
    by_id = {item["id"]: item for item in report["exercises"]}
    text = flat(done.stdout)
    for exercise, index in round_:
        wrong = exercise.misconceptions[index]
        assert by_id[exercise.id]["diagnosis"]["id"] == wrong.id, exercise.id
        assert flat(f"Looks like: {wrong.title} — {wrong.feedback}") in text, wrong.id


def _run_on_terminal(args: list[str], cwd: Path, env: dict[str, str], columns: int) -> str:
    """Run grade with stdout on a pseudo-terminal of the given width; return what it drew."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen(
        [*GRADE, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_colour_only_on_a_terminal_and_never_with_no_color(workspace: Workspace) -> None:
    folder = workspace("partial")
    env = clean_env(folder.parent)
    coloured = _run_on_terminal(["check", "sigmoid", "relu"], folder, env, 60)
    assert "\x1b[31mfailed\x1b[0m" in coloured
    plain = ANSI.sub("", coloured)
    assert max(map(len, plain.splitlines())) <= 60, "wraps to a narrow terminal"
    no_color = _run_on_terminal(["check", "sigmoid"], folder, {**env, "NO_COLOR": "1"}, 80)
    assert "\x1b" not in no_color
    assert "sigmoid(-1) matches the lesson's worked example" in no_color


def test_outside_a_workspace_one_line_and_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in ([], ["check"], ["list", "--workspace", "."]):
        done = grade(*args, cwd=empty)
        if args and args[0] == "list":
            assert done.returncode == 0 and "grade init" in done.stdout
            continue
        assert done.returncode == 2, args
        assert done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1
        assert "not a workspace" in done.stderr and "grade init" in done.stderr
        assert "Traceback" not in done.stderr
    assert list(empty.iterdir()) == []


def test_check_grades_only_the_ids_given(workspace: Workspace) -> None:
    folder = workspace("complete")
    done = grade("check", "sigmoid", "relu_output", cwd=folder)
    assert done.returncode == 0
    table = done.stdout.split("\n  Item ", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    assert [row.split()[0] for row in table] == ["relu_output", "sigmoid"]
    assert "Score: 7 / 7 points" in done.stdout
    unknown = grade("check", "sigmoid", "no_such_item", cwd=folder)
    assert unknown.returncode == 2
    assert "no_such_item" in unknown.stderr and "grade list" in unknown.stderr


def test_every_format_in_one_run_and_the_step_summary(workspace: Workspace) -> None:
    folder = workspace("partial")
    out = folder.parent / "out"
    out.mkdir()
    summary = out / "step-summary.md"
    summary.write_text("earlier step\n")
    done = grade(
        "check",
        *SUBSET,
        "--json",
        str(out / "r.json"),
        "--junit",
        str(out / "r.xml"),
        "--markdown",
        str(out / "r.md"),
        "--gradescope",
        str(out / "results.json"),
        cwd=folder,
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert done.returncode == 1, done.stderr
    report = json.loads((out / "r.json").read_text())
    assert sorted(item["id"] for item in report["exercises"]) == sorted(SUBSET)
    suites = ET.parse(out / "r.xml").getroot()
    assert suites.tag == "testsuites" and int(suites.get("failures")) > 0
    markdown = (out / "r.md").read_text()
    assert markdown.startswith("## Fixture Neurons: ")
    gradescope = json.loads((out / "results.json").read_text())
    assert gradescope["score"] == report["score"]
    assert summary.read_text() == "earlier step\n" + markdown, "appended, not replaced"


def test_pass_mark(workspace: Workspace) -> None:
    folder = workspace("partial")
    lenient = grade("check", *SUBSET, "--pass-mark", "42%", cwd=folder)
    assert lenient.returncode == 0, "9 of 21 points reaches 42%"
    assert "Pass mark 8.82 / 21 points: reached." in lenient.stderr
    strict = grade("check", *SUBSET, "--pass-mark", "10", cwd=folder)
    assert strict.returncode == 1
    assert "Pass mark 10 / 21 points: not reached." in strict.stderr
    for bad in ("lots", "120%"):
        wrong = grade("check", "relu_output", "--pass-mark", bad, cwd=folder)
        assert wrong.returncode == 2, bad
        assert "pass mark" in wrong.stderr and "Traceback" not in wrong.stderr


def test_a_subset_does_not_flag_the_other_quiz_ids(workspace: Workspace) -> None:
    done = grade("check", "sigmoid", "relu_output", cwd=workspace("complete"))
    assert "is not a quiz id" not in done.stdout

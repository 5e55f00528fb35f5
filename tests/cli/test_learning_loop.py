"""The learning loop through real `grade` processes: list, hint, watch and help."""

from __future__ import annotations

import json
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click
from grade_cli_support import GRADE, SOLUTIONS, clean_env, flat, grade, tree

from grader.cli import cli

Workspace = Callable[..., Path]


def test_list_groups_by_lesson_and_marks_the_next_item(workspace: Workspace) -> None:
    folder = workspace("partial")
    before = tree(folder)
    done = grade("list", "--workspace", str(folder), cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Fixture Neurons (version ") and "9 / 21" in lines[0]
    assert "1. The artificial neuron (1 of 1 done, 7/7 points)" in lines
    assert lines.index("1. The artificial neuron (1 of 1 done, 7/7 points)") < next(
        number for number, line in enumerate(lines) if line.startswith("2. Activation")
    )
    weighted = next(line for line in lines if " weighted_sum " in line)
    assert weighted.split()[-2:] == ["7/7", "passed"]
    upcoming = [line for line in lines if line.startswith("  → ")]
    assert len(upcoming) == 1 and " relu " in upcoming[0]
    assert "not started" in upcoming[0] and " code " in upcoming[0]
    sigmoid = next(line for line in lines if line.split()[:1] == ["sigmoid"])
    assert sigmoid.split()[-2:] == ["1/6", "failed"]
    assert "Next: start relu in relu.py, then run: grade check relu" in done.stdout
    assert max(map(len, lines)) <= 80
    assert tree(folder) == before, "grade list must not write into the workspace"


def test_list_outside_a_workspace_shows_the_course(tmp_path: Path) -> None:
    done = grade("list", cwd=tmp_path)
    assert done.returncode == 0
    assert "1. The artificial neuron" in done.stdout
    assert "passed" not in done.stdout and "→" not in done.stdout
    assert "grade init" in flat(done.stdout)


def _hint(folder: Path, *args: str) -> str:
    done = grade("hint", *args, cwd=folder)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return flat(done.stdout)


def test_hint_sequence_starts_with_the_failing_check(workspace: Workspace) -> None:
    folder = workspace("partial")
    before = tree(folder)
    first = _hint(folder, "sigmoid")
    assert first.startswith("sigmoid: The sigmoid function (1/6 points, failed)")
    assert (
        "For the failing check 'sigmoid(-1) matches the lesson's worked example':"
        " Check the sign inside exp(); sigmoid(-1) should be below one half." in first
    )
    assert "Looks like: sigmoid uses exp(x) instead of exp(-x)" in first
    assert "Hint 1" not in first
    seen = [_hint(folder, "sigmoid") for _ in range(3)]
    assert "Hint 1 of 3: The formula is 1 / (1 + exp(-x))" in seen[0]
    assert "Hint 2 of 3: np.exp(1000) overflows." in seen[1]
    assert "Hint 3 of 3:" in seen[2] and "That was the last hint." in seen[2]
    again = _hint(folder, "sigmoid")
    assert "You have seen all 3 hints for sigmoid; here they are again:" in again
    assert "1. The formula" in again and "3. np.where" in again
    assert "grade hint --reset sigmoid" in again
    state = json.loads((folder / ".grade" / "hints.json").read_text())
    assert state == {"version": 1, "items": {"sigmoid": {"shown": 3, "check": "test_lesson_value"}}}
    after = tree(folder)
    assert set(after) - set(before) == {".grade/hints.json"}
    assert {name: after[name] for name in before} == before, "only the hint state is written"
    reset = _hint(folder, "--reset", "sigmoid")
    assert "Hints for sigmoid start over." in reset and "For the failing check" in reset


def test_hint_without_an_id_picks_the_next_item_and_survives_garbage(
    workspace: Workspace,
) -> None:
    folder = workspace("partial")
    (folder / ".grade").mkdir()
    state = folder / ".grade" / "hints.json"
    state.write_bytes(b"\x00\xff{not json" * 10)
    text = _hint(folder)
    assert text.startswith(
        "Note: .grade/hints.json could not be used (it is not valid JSON); starting hints over."
    )
    assert "relu: ReLU, the modern default" in text
    assert "Hint 1 of" in text
    saved = json.loads(state.read_text())
    assert saved["items"]["relu"]["shown"] == 1
    state.write_text(json.dumps({"version": 1, "items": {"sigmoid": {"shown": "lots"}}}))
    assert "could not be used (its content is not what grade hint writes)" in _hint(
        folder, "sigmoid"
    )


def test_hint_problems_exit_2(workspace: Workspace, tmp_path: Path) -> None:
    folder = workspace("stub")
    unknown = grade("hint", "no_such_item", cwd=folder)
    assert unknown.returncode == 2 and "grade list" in unknown.stderr
    assert not (folder / ".grade").exists()
    outside = grade("hint", "sigmoid", cwd=tmp_path)
    assert outside.returncode == 2 and "grade init" in outside.stderr


class _Lines:
    """Collect a process's stdout lines in a background thread."""

    def __init__(self, stream) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen = ""
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.queue.put(line)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        """Return everything read so far once `text` has appeared after the last call."""
        deadline = time.monotonic() + timeout
        start = len(self.seen)
        while text not in self.seen[start:]:
            try:
                self.seen += self.queue.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{text!r} never appeared in:\n{self.seen}") from None
        return self.seen[start:]


def test_watch_regrades_the_saved_file_and_stops_on_ctrl_c(workspace: Workspace) -> None:
    folder = workspace("partial")
    before = tree(folder)
    process = subprocess.Popen(
        [*GRADE, "watch", "sigmoid", "relu_output", "sigmoid_minus_one", "--interval", "0.1"],
        cwd=folder,
        env=clean_env(folder.parent),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = _Lines(process.stdout)
        first = lines.wait_for("press Ctrl-C to stop.")
        assert "Score: 2 / 8 points" in first and "sigmoid(-1) matches" in first
        assert "\x1b" not in first, "no colour and no screen clearing on a pipe"
        time.sleep(0.3)
        shutil.copyfile(SOLUTIONS / "sigmoid.py", folder / "sigmoid.py")
        redraw = lines.wait_for("press Ctrl-C to stop.")
        assert "sigmoid.py changed" in redraw
        row = next(line for line in redraw.splitlines() if line.startswith("  sigmoid "))
        assert row.split()[-2:] == ["6/6", "passed"]
        assert "relu_output" not in redraw, "only the re-graded exercise is redrawn"
        assert "Total: 7 / 8 points. Next: sigmoid_minus_one (failed)." in redraw
        answers = (
            (folder / "answers.yaml")
            .read_text()
            .replace("sigmoid_minus_one: 0.5", "sigmoid_minus_one: 0.269")
        )
        (folder / "answers.yaml").write_text(answers)
        quiz = lines.wait_for("press Ctrl-C to stop.")
        assert "answers.yaml changed" in quiz and "sigmoid_minus_one" in quiz
        assert "relu_output" not in quiz, "only quizzes whose result changed are redrawn"
        assert "Total: 8 / 8 points. Everything watched passes." in quiz
        process.send_signal(signal.SIGINT)
        lines.wait_for("Stopped watching.")
        assert process.wait(timeout=30) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    changed = tree(folder)
    assert set(changed) == set(before), "watch writes nothing into the workspace"


def test_watch_stops_after_max_rounds_and_refuses_unknown_ids(workspace: Workspace) -> None:
    folder = workspace("stub")
    done = grade(
        "watch",
        "relu_output",
        "-w",
        str(folder),
        "--interval",
        "0.01",
        "--max-rounds",
        "2",
        cwd=folder.parent,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("Stopped watching.")
    unknown = grade("watch", "nope", "--max-rounds", "1", cwd=folder)
    assert unknown.returncode == 2 and "grade list" in unknown.stderr


def test_every_command_has_help_with_an_example(tmp_path: Path) -> None:
    main = grade("--help", cwd=tmp_path)
    assert main.returncode == 0
    for line in ("0  at or above the pass mark", "1  graded below the pass mark", "2  usage"):
        assert line in main.stdout
    assert "Example" in main.stdout
    names = sorted(cli.commands)
    assert {"check", "init", "list", "hint", "watch", "ci", "validate", "digest"} <= set(names)
    for name in names:
        command = cli.commands[name]
        assert isinstance(command, click.Command)
        done = grade(name, "--help", cwd=tmp_path)
        assert done.returncode == 0, name
        assert "Example" in done.stdout, f"grade {name} --help has no example"
        assert name in main.stdout, f"grade --help does not list {name}"
    assert "--max-rounds" not in grade("watch", "--help", cwd=tmp_path).stdout

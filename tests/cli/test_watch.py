"""`grade watch` under Ctrl-C and grading failures: it stops cleanly, and never shows a stale
result as if it were current."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from grade_cli_support import EXERCISES, GRADE, SOLUTIONS, clean_env

from grader.course.load import load_course
from grader.grading.engine import Grader, GradingError
from grader.grading.results import Report
from grader.watch import Screen, Watcher

ENDLESS = "def sigmoid(x):\n    while True:\n        pass\n"


def test_one_ctrl_c_during_a_regrade_stops_cleanly(tmp_path: Path, workspace) -> None:
    folder = workspace("complete")
    process = subprocess.Popen(
        [*GRADE, "watch", "sigmoid", "--interval", "0.1"],
        cwd=folder,
        env=clean_env(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        seen = ""
        while "press Ctrl-C to stop." not in seen and time.monotonic() < deadline:
            seen += process.stdout.readline()
        (folder / "sigmoid.py").write_text(ENDLESS)
        time.sleep(1.0)  # the poll notices the change; the endless call is now running
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out.rstrip().endswith("Stopped watching.")
    assert "Could not grade" not in out and "stopped early" not in out
    assert "Traceback" not in err


class _FailingGrader:
    """A grader whose second grading fails, as a broken run of pytest would."""

    def __init__(self, course, folder: Path) -> None:
        self.course = course
        self.calls = 0
        from grader.grading.engine import Grader

        self.real = Grader(course)

    def grade(self, folder: Path, only=None) -> Report:
        self.calls += 1
        if self.calls > 1:
            raise GradingError("pytest stopped early (exit code 3)")
        return self.real.grade(folder, only)


def test_a_failed_regrade_drops_the_old_result_and_says_so(tmp_path: Path) -> None:
    course = load_course(EXERCISES)
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "sigmoid.py").write_bytes((SOLUTIONS / "sigmoid.py").read_bytes())
    written: list[str] = []
    grader = _FailingGrader(course, folder)
    try:
        watcher = Watcher(grader, folder, ["sigmoid"], Screen(written.append))  # type: ignore[arg-type]
        watcher.start()
        assert "Total: 6 / 6 points" in written[-1]
        (folder / "sigmoid.py").write_text(ENDLESS)
        assert watcher.poll()
    finally:
        grader.real.close()
    last = written[-1]
    assert "Could not grade: pytest stopped early" in last
    assert "Total: 0 / 6 points." in last, "the old full marks must not stay in the total"
    assert "Not graded, so not counted: sigmoid" in last


def test_a_file_saved_again_unchanged_is_not_named_as_changed(tmp_path: Path) -> None:
    """A save caught half-way is stamped twice: the second poll must not claim it changed."""
    course = load_course(EXERCISES)
    folder = tmp_path / "ws"
    folder.mkdir()
    for name in ("sigmoid.py", "relu.py"):
        (folder / name).write_bytes((SOLUTIONS / name).read_bytes())
    written: list[str] = []
    grader = Grader(course)
    try:
        watcher = Watcher(grader, folder, ["sigmoid", "relu"], Screen(written.append))
        watcher.start()
        os.utime(folder / "sigmoid.py", ns=(1, 1))  # a new stamp, the same bytes
        (folder / "relu.py").write_text("def relu(x):\n    return x\n")
        assert watcher.poll()
    finally:
        grader.close()
    heading = written[-1].strip().splitlines()[0]
    assert heading.endswith("  relu.py changed"), heading

"""SIGTERM and SIGHUP end a real `grade` through its cleanup: no copy of student files is left."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from grade_cli_support import GRADE, REAL_SOLUTIONS, clean_env, make_stub

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

SLEEPY_RELU = "import time\n\ndef relu(x):\n    time.sleep(30)\n    return x\n"


def _wait_for_copy(folder: Path, process: subprocess.Popen, seconds: float = 60.0) -> None:
    """Wait until the grading has copied a submission below `folder` (its TMPDIR)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if any(path.name.startswith("grader-sandbox-") for path in folder.rglob("*")):
            return
        time.sleep(0.05)
    raise AssertionError(f"no copy appeared (exit {process.poll()})")


def _end(process: subprocess.Popen, number: int) -> int:
    """Send a signal mid-call and return the exit status (within 30 s)."""
    time.sleep(0.5)  # well inside the student's sleeping call
    process.send_signal(number)
    return process.wait(timeout=30)


@pytest.mark.parametrize("backend", ["linux", "portable"])
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminated_grade_check_leaves_no_copy(
    tmp_path: Path, searchable_tmp_path: Path, backend: str, number: int
) -> None:
    workspace = make_stub(tmp_path / "ws")
    (workspace / "relu.py").write_text(SLEEPY_RELU)
    extra = {"TMPDIR": str(searchable_tmp_path), "GRADE_SANDBOX": backend}
    process = subprocess.Popen(
        [*GRADE, "check", "relu"],
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=clean_env(tmp_path / ".home", extra),
    )
    _wait_for_copy(searchable_tmp_path, process)
    assert _end(process, number) == 128 + number
    assert process.stderr is not None and "Traceback" not in process.stderr.read().decode()
    assert list(searchable_tmp_path.iterdir()) == []


def test_a_terminated_grade_batch_stops_its_workers_and_resumes(
    tmp_path: Path, searchable_tmp_path: Path
) -> None:
    submissions = tmp_path / "submissions"
    for student in ("ada", "bob", "cy"):
        (submissions / student).mkdir(parents=True)
        (submissions / student / "weighted_sum.py").write_text(
            (REAL_SOLUTIONS / "weighted_sum.py").read_text()
        )
        (submissions / student / "relu.py").write_text(SLEEPY_RELU)
    with zipfile.ZipFile(submissions / "dee.zip", "w") as archive:  # read out into OUT/.work
        archive.writestr("relu.py", SLEEPY_RELU)
    command = [*GRADE, "batch", str(submissions), "--out", str(tmp_path / "out"), "--jobs", "1"]
    command += ["--call-timeout", "20", "--budget", "60"]
    env = clean_env(tmp_path / ".home", {"TMPDIR": str(searchable_tmp_path)})
    env.pop("GRADE_COURSE_DIR")  # the real course, as an instructor grades it
    process = subprocess.Popen(
        command, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    _wait_for_copy(searchable_tmp_path, process)
    assert _end(process, signal.SIGTERM) == 128 + signal.SIGTERM
    assert process.stderr is not None and "Traceback" not in process.stderr.read().decode()
    assert list(searchable_tmp_path.iterdir()) == []  # each worker's folder went with it
    assert not (tmp_path / "out" / ".work").exists()  # students' extracted files went too
    resumed = subprocess.run(
        [*command[:-4], "--call-timeout", "0.2", "--budget", "30"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
        timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert list(searchable_tmp_path.iterdir()) == []

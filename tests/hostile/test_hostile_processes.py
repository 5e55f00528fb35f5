"""Hostile submissions against other processes, graded by real `grade` processes.

Each family runs as root (CI) and as an ordinary user (a student's laptop, the GitHub
`runner` user): the non-root cases drop to uid 65534 with `setpriv` on a workspace copy that
user can read.  The honest reference must earn exactly what it earns alone (78 points).
Linux backend only (conftest.py's `backend` fixture sets GRADE_SANDBOX=linux): these attacks
on other processes are stopped by kernel confinement, which the portable backend lacks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.grading.engine import Grader, Submission
from grader.grading.results import Report

ROOT = Path(__file__).resolve().parents[2]
CORRECT_SIGMOID = (ROOT / "solutions" / "sigmoid.py").read_text()
NOBODY = 65534

# Every pid-taking call a worker could aim at grade, the zygote or another grading's workers.
ATTACK = textwrap.dedent(
    """
    import ctypes, os, signal, time
    _libc = ctypes.CDLL(None, use_errno=True)
    _NR = {"rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297, "prlimit64": 302,
           "setpriority": 141, "sched_setaffinity": 203, "ioprio_set": 251,
           "pidfd_open": 434, "shmget": 29, "msgget": 68, "semget": 64, "mq_open": 240,
           "add_key": 248}

    def _pids():
        return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]

    def _attack_once():
        zero = ctypes.create_string_buffer(16)
        info = ctypes.create_string_buffer(128)
        for pid in [os.getppid(), *_pids()]:
            for sig in (signal.SIGKILL, signal.SIGSTOP):
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            _libc.syscall(_NR["rt_sigqueueinfo"], pid, 9, info)
            _libc.syscall(_NR["rt_tgsigqueueinfo"], pid, pid, 9, info)
            _libc.syscall(_NR["prlimit64"], pid, 7, zero, None)  # RLIMIT_NOFILE = 0
            _libc.syscall(_NR["setpriority"], 0, pid, 19)
            _libc.syscall(_NR["sched_setaffinity"], pid, 8, zero)
            _libc.syscall(_NR["ioprio_set"], 1, pid, 7 << 13)
            _libc.syscall(_NR["pidfd_open"], pid, 0)
        for name in ("shmget", "msgget", "semget"):
            _libc.syscall(_NR[name], 0x4E55, 1 << 20, 0o1666)  # IPC_CREAT | 0666
        _libc.syscall(_NR["mq_open"], b"grader-leak", 0o100 | 0o2, 0o666, None)
        _libc.syscall(_NR["add_key"], b"user", b"grader-leak", b"x", 1, -4)

    def _attack(seconds):
        end = time.monotonic() + seconds
        while True:
            _attack_once()
            if time.monotonic() > end:
                return

    _attack(0.2)
    """
)


def _hostile_sigmoid(seconds: float) -> str:
    """An attack at import and around every call, then the correct sigmoid."""
    wrapper = textwrap.dedent(
        f"""
        _correct = sigmoid

        def sigmoid(*args, **kwargs):
            _attack({seconds})
            return _correct(*args, **kwargs)
        """
    )
    return ATTACK + "\n" + CORRECT_SIGMOID + "\n" + wrapper


def _run_as(user: str) -> list[str]:
    """Return the command prefix that runs a process as ``user``."""
    if user == "root":
        return []
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


@pytest.fixture(params=["root", "user"])
def user(request: pytest.FixtureRequest) -> str:
    if os.geteuid() != 0:
        if request.param == "root":
            pytest.skip("needs root")
        return "self"
    if request.param == "user" and shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed")
    return request.param


@pytest.fixture
def workspaces() -> Iterator[list[Path]]:
    """Give fresh copies of the reference workspace, readable by an unprivileged user."""
    base = Path(tempfile.mkdtemp(prefix="grader-hostile-", dir="/tmp"))
    os.chmod(base, 0o755)
    made: list[Path] = []

    def make() -> Path:
        folder = base / f"ws{len(made)}"
        shutil.copytree(ROOT / "solutions", folder)
        for path in [folder, *folder.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        made.append(folder)
        return folder

    yield [make() for _ in range(2)]
    shutil.rmtree(base, ignore_errors=True)


def _start(folder: Path, user: str) -> subprocess.Popen:
    """Start `grade check --format json` on ``folder`` as ``user``."""
    grade = [sys.executable, "-c", "from grader.cli import main; main()"]
    command = [*_run_as(user), *grade, "check", "--format", "json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    return subprocess.Popen(
        [*command, "-w", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd="/",
        env=env,
    )


def _finish(proc: subprocess.Popen) -> dict:
    """Wait for a grading and return its JSON report."""
    out, err = proc.communicate(timeout=600)
    assert proc.returncode in (0, 1), (proc.returncode, err.decode(errors="replace")[-2000:])
    return json.loads(out)


def _scores(report: dict) -> dict[str, int]:
    return {item["id"]: item["score"] for item in report["exercises"]}


def _ipc_objects() -> tuple[int, int, int, list[str]]:
    """Count SysV IPC objects and POSIX message queues on this machine (this IPC namespace)."""
    counts = []
    for kind in ("shm", "msg", "sem"):
        try:
            counts.append(len(Path(f"/proc/sysvipc/{kind}").read_text().splitlines()) - 1)
        except OSError:
            counts.append(0)
    try:
        queues = sorted(os.listdir("/dev/mqueue"))
    except OSError:
        queues = []
    return counts[0], counts[1], counts[2], queues


@pytest.fixture(scope="module")
def reference() -> dict[str, int]:
    """What the honest reference earns alone (graded once, as root or as ourselves)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ws"
        shutil.copytree(ROOT / "solutions", folder)
        report = _finish(_start(folder, "root" if os.geteuid() == 0 else "self"))
    assert report["score"] == report["max_score"]
    return _scores(report)


def test_a_worker_cannot_kill_limit_or_leave_ipc_behind(user, workspaces, reference) -> None:
    """Signals, prlimit, scheduling and IPC aimed at grade and the zygote change nothing."""
    folder = workspaces[0]
    (folder / "sigmoid.py").write_text(_hostile_sigmoid(0.05))
    before = _ipc_objects()
    report = _finish(_start(folder, user))
    assert _scores(report) == reference  # the correct sigmoid survives its own attack
    assert _ipc_objects() == before, "IPC objects outlived the worker"


def test_two_gradings_at_once_the_honest_one_is_exact(user, workspaces, reference) -> None:
    """A hostile grading attacks every process it can see while an honest one runs."""
    hostile, honest = workspaces
    for name in [p.name for p in (ROOT / "solutions").glob("*.py")]:
        text = (hostile / name).read_text()
        (hostile / name).write_text(ATTACK.replace("_attack(0.2)", "_attack(1.5)") + "\n" + text)
    (hostile / "sigmoid.py").write_text(_hostile_sigmoid(0.3))
    attacker = _start(hostile, user)
    time.sleep(1.0)  # the attacker's workers are importing (and attacking) by now
    victim = _start(honest, user)
    assert _scores(_finish(victim)) == reference
    _finish(attacker)


def test_hostile_then_honest_in_one_grader(workspaces, reference) -> None:
    """In one `Grader`, an attack on the zygote and grade costs the next submission nothing."""
    from grader.course.load import load_course

    hostile, honest = workspaces
    (hostile / "sigmoid.py").write_text(_hostile_sigmoid(0.1))
    (hostile / "relu.py").write_text(ATTACK + "\ndef relu(x):\n    while True:\n        pass\n")
    reports: dict[str, Report] = {}
    with Grader(load_course(ROOT / "exercises")) as grader:
        grader.grade_many(
            [Submission(hostile), Submission(honest)],
            lambda sub, report: reports.__setitem__(sub.folder.name, report),
        )
    scores = {item.id: item.score for item in reports[honest.name].items}
    assert {k: v for k, v in scores.items() if k in reference} == reference
    hostile_scores = {item.id: item.score for item in reports[hostile.name].items}
    assert hostile_scores["sigmoid"] == reference["sigmoid"]
    assert hostile_scores["relu"] == 0

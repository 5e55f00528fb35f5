"""`grade check` boots its sandbox before importing the rest; other commands never do."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import pytest

import grader.sandbox.linux as linux
import grader.sandbox.portable as portable
from grader.cli.early import grades_once
from grader.sandbox import Limits
from grader.sandbox.choice import prestart
from grader.sandbox.linux import LinuxSandbox
from grader.sandbox.outcomes import Returned, TimedOut
from grader.sandbox.portable import PortableSandbox


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/venv/bin/grade"], True),
        (["/venv/bin/grade", "check", "relu"], True),
        (["grade", "--json", "r.json"], True),
        (["C:\\venv\\Scripts\\grade.exe", "check"], True),
        (["/src/grader/__main__.py", "check"], True),
        (["/venv/bin/grade", "watch"], False),
        (["/venv/bin/grade", "list"], False),
        (["/venv/bin/grade", "check", "--help"], False),
        (["/venv/bin/grade", "--version"], False),
        (["/venv/bin/pytest", "check"], False),
        ([], False),
    ],
)
def test_only_a_one_shot_check_starts_early(argv: list[str], expected: bool) -> None:
    assert grades_once(argv) is expected


@pytest.mark.only_on("linux", reason="the zygote is the Linux backend's")
def test_a_prestarted_zygote_is_adopted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADE_SANDBOX", "linux")
    monkeypatch.setattr(linux, "_PRESTARTED", [])
    prestart()
    prestart()  # a second call starts nothing more
    (zygote,) = linux._PRESTARTED
    with LinuxSandbox() as first, LinuxSandbox() as second:
        assert first._state.zygote is zygote  # adopted, not started again
        assert second._state.zygote is not zygote
        assert linux._PRESTARTED == []


def test_the_portable_backend_starts_no_zygote(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADE_SANDBOX", "portable")
    monkeypatch.setattr(linux, "_PRESTARTED", [])
    monkeypatch.setattr(portable, "_PRESTARTED", deque())
    try:
        prestart(1)
        assert linux._PRESTARTED == []
        (worker,) = portable._PRESTARTED
        monkeypatch.setitem(portable._PRESTART, "owner", os.getpid() + 1)
        portable._kill_prestarted()  # at exit in a forked copy of this process: not its own
        assert worker.proc.poll() is None and len(portable._PRESTARTED) == 1
        monkeypatch.setitem(portable._PRESTART, "owner", os.getpid())
    finally:
        portable._kill_prestarted()  # what happens at exit
    assert portable._PRESTARTED == deque() and worker.proc.returncode == -9


def _alive(pid: int) -> bool:
    """Tell whether ``pid`` runs (a zombie of ours counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


PID = "import os\ndef pid():\n    return os.getpid()\n"
SPIN = "def spin():\n    while True:\n        pass\n"


def test_prestarted_portable_children_are_adopted_in_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRADE_SANDBOX", "portable")
    monkeypatch.setattr(portable, "_PRESTARTED", deque())
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.py").write_text(PID)
        (tmp_path / name / "b.py").write_text(PID)
    prestart(2, more=True)
    prestart(2, more=True)  # a second call starts nothing more
    booted = [worker.pid for worker in portable._PRESTARTED]
    assert len(booted) == 2
    with PortableSandbox() as first, PortableSandbox() as second:
        assert portable._PRESTARTED == deque()
        assert first._state.spare.pids() == booted  # adopted, not started again
        assert second._state.spare.pids() == []
        for index, name in enumerate(("one", "two")):
            with first.open(tmp_path / name, ["a.py", "b.py"]) as session:
                assert session.call("a", "pid") == Returned(booted[index])
                assert session.call("b", "pid") == Returned(booted[index])  # the same worker
        (spare,) = first._state.spare.pids()  # more may follow: one is booted ahead
        assert spare not in booted
    assert not any(_alive(pid) for pid in [*booted, spare])


def test_no_spare_is_booted_for_a_one_shot_check_unless_a_worker_was_killed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRADE_SANDBOX", "portable")
    monkeypatch.setattr(portable, "_PRESTARTED", deque())
    for name in "ab":
        (tmp_path / f"{name}.py").write_text(PID + SPIN)
    prestart(1, more=False)  # `grade check`: one submission, one worker
    (booted,) = (worker.pid for worker in portable._PRESTARTED)
    limits = Limits(call_timeout=0.3)
    with PortableSandbox(limits) as sandbox, sandbox.open(tmp_path, ["a.py", "b.py"]) as session:
        assert session.call("a", "pid") == Returned(booted)
        assert session.call("b", "pid") == Returned(booted)
        assert sandbox._state.spare.pids() == []  # nothing wasted on a one-shot check
        assert isinstance(session.call("b", "spin"), TimedOut)
        second = session.call("a", "pid")  # the pool was empty: boot ahead from now on
        assert isinstance(second, Returned) and second.value != booted
        (spare,) = sandbox._state.spare.pids()
        assert isinstance(session.call("a", "spin"), TimedOut)
        assert session.call("b", "pid") == Returned(spare)


def test_prestarted_children_that_do_not_fit_are_killed_not_adopted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Other(PortableSandbox):
        def _command(self) -> list[str]:
            return [*super()._command(), "{}"]  # not how the prestarted ones started

    monkeypatch.setattr(portable, "_PRESTARTED", deque())
    portable.prestart(1)
    (pid,) = (worker.pid for worker in portable._PRESTARTED)
    with Other(Limits()) as sandbox:
        assert sandbox._state.spare.pids() == []
        deadline = time.monotonic() + 5
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(pid)


UNUSED = """
import os, sys
from grader.sandbox.choice import prestart
prestart(2)
from grader.sandbox import portable
print(*(worker.pid for worker in portable._PRESTARTED), flush=True)
sys.stdin.readline()
os._exit(0) if sys.argv[1] == "dies" else sys.exit(0)
"""


@pytest.mark.parametrize("end", ["exits", "dies"])
def test_unused_prestarted_children_never_outlive_the_process(end: str) -> None:
    """At exit they are killed; if the process dies instead, each ends by itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADE_")}
    process = subprocess.Popen(
        [sys.executable, "-c", UNUSED, end],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env | {"GRADE_SANDBOX": "portable"},
        start_new_session=True,  # the children are not ours to reap: init does
    )
    assert process.stdin is not None and process.stdout is not None
    pids = [int(pid) for pid in process.stdout.readline().split()]
    assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    process.stdin.write("\n")
    process.stdin.flush()
    assert process.wait(timeout=30) == 0
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(_alive(pid) for pid in pids)

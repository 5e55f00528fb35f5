"""The portable backend: a plain child interpreter per module over pipes, killed from outside."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from grade_cli_support import pid_alive  # loaded by tests/conftest.py

from grader.sandbox import Limits, SandboxSession
from grader.sandbox.outcomes import Crashed, Raised, Returned, TimedOut, Unavailable
from grader.sandbox.output_tap import OutputTap
from grader.sandbox.portable import PortableSandbox

Open = Callable[..., SandboxSession]


TEST_LIMITS = Limits(
    call_timeout=1.0, import_timeout=2.0, output_bytes=4096,
    module_seconds=60.0, submission_seconds=120.0, module_hang_seconds=60.0, hang_seconds=60.0,
)  # fmt: skip


@pytest.fixture(scope="module")
def portable() -> Iterator[PortableSandbox]:
    with PortableSandbox(TEST_LIMITS) as sandbox:
        yield sandbox


@pytest.fixture
def submit(portable: PortableSandbox, tmp_path: Path) -> Iterator[Open]:
    """Write one module m.py and open it on the portable backend."""
    opened: list[SandboxSession] = []

    def _submit(source: str, sandbox: PortableSandbox | None = None) -> SandboxSession:
        folder = tmp_path / f"student{len(opened)}"
        folder.mkdir()
        (folder / "m.py").write_text(textwrap.dedent(source), encoding="utf-8")
        session = (sandbox or portable).open(folder, ["m.py"])
        opened.append(session)
        return session

    yield _submit
    for session in opened:
        session.close()


def _wait_gone(pid: int, seconds: float = 5.0) -> bool:
    """Wait until a process no longer exists (or is a zombie of someone else)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not pid_alive(pid) or _zombie(pid):
            return True
        time.sleep(0.05)
    return False


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


GRANDCHILD = """
    import subprocess, sys, time
    def spawn(path):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        open(path, "w").write(str(child.pid))
        return child.pid
    def hang():
        while True:
            pass
    def leave():
        import os
        os._exit(0)
"""


def test_values_round_trip_and_each_module_has_its_own_process(submit) -> None:
    sub = submit(
        """
        import numpy as np, os
        WEIGHTS = np.array([0.5, -1.0])
        def f(x, scale=1.0):
            x *= 2
            return {"sum": float(np.sum(x)) * scale, "pid": os.getpid(), "t": (1, "a", None)}
        """
    )
    out = sub.call("m", "f", (np.array([1.0, 2.0]),), {"scale": 2.0}, return_args=True)
    assert isinstance(out, Returned), out
    assert out.value["sum"] == 12.0 and out.value["t"] == (1, "a", None)
    assert out.value["pid"] != os.getpid() and sub.worker_pids() == [out.value["pid"]]
    np.testing.assert_array_equal(out.args_after[0], [2.0, 4.0])
    weights = sub.get("m", "WEIGHTS")
    assert isinstance(weights, Returned)
    np.testing.assert_array_equal(weights.value, [0.5, -1.0])
    assert sub.has("m", "f") == Returned({"defined": True, "callable": True})
    missing = sub.call("m", "nope")
    assert isinstance(missing, Raised) and missing.message == "m.py does not define nope()"


def test_printed_output_is_per_call_and_import_output_is_dropped(submit) -> None:
    sub = submit(
        """
        import sys
        print("at import")
        def f(x):
            print("value", x)
            print("warned", file=sys.stderr)
            return x
        """
    )
    first, second = sub.call("m", "f", (1,)), sub.call("m", "f", (2,))
    assert first == Returned(1, output="value 1\nwarned\n")
    assert second == Returned(2, output="value 2\nwarned\n")


def test_output_before_an_earlier_requests_late_marker_is_not_the_current_calls() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb", buffering=0) as stream:
        key = "k3y"
        tap = OutputTap(stream, 4096, key)
        mark = lambda seq: f"\x00grader-mark:{key}:{seq}\x00".encode()  # noqa: E731
        tap.begin(2)  # request 1 (the import) was answered before its output arrived
        for chunk in (b"at import\n", mark(1), b"value 1\n", mark(2)):
            os.write(write_end, chunk)
            time.sleep(0.01)  # each chunk on its own, as a slow pipe delivers them
        kept, total = tap.take(5.0)
        os.close(write_end)
    assert (kept, total) == (b"value 1\n", 8)


def test_a_worker_that_closes_its_output_costs_one_grace_wait_not_one_per_call(submit) -> None:
    sub = submit(
        """
        import os
        def f(x):
            try:
                os.close(2)  # no output marker can come any more
            except OSError:
                pass
            return x
        """
    )
    assert sub.call("m", "f", (1,)).value == 1
    started = time.monotonic()
    outcomes = [sub.call("m", "f", (n,)) for n in range(2, 6)]
    assert [outcome.value for outcome in outcomes] == [2, 3, 4, 5]
    assert time.monotonic() - started < 2.0  # 4 calls: without the lost flag, 4 x 2 s waits


def test_printed_frames_cannot_forge_a_reply(submit) -> None:
    """Whatever the student writes to fd 1 or sys.__stdout__ is output, never the protocol."""
    sub = submit(
        """
        import json, os, sys
        fake = json.dumps({"seq": 2, "status": "ok", "value": {"t": "int", "v": "999"}}).encode()
        frame = len(fake).to_bytes(4, "big") + fake
        def f():
            os.write(1, frame)
            sys.__stdout__.buffer.write(frame)
            os.write(0 if False else 1, frame)
            return 1
        """
    )
    out = sub.call("m", "f")
    assert isinstance(out, Returned) and out.value == 1, out
    again = sub.call("m", "f")
    assert isinstance(again, Returned) and again.value == 1, again


def test_a_timeout_kills_the_whole_process_tree(submit, tmp_path: Path) -> None:
    sub = submit(GRANDCHILD)
    marker = tmp_path / "grandchild.pid"
    spawned = sub.call("m", "spawn", (str(marker),))
    assert isinstance(spawned, Returned), spawned
    grandchild = spawned.value
    worker = sub.worker_pids()[0]
    assert pid_alive(grandchild)
    started = time.monotonic()
    out = sub.call("m", "hang", timeout=0.5)
    assert isinstance(out, TimedOut) and out.seconds == 0.5
    assert time.monotonic() - started < 3.0
    assert _wait_gone(worker) and _wait_gone(grandchild)
    assert isinstance(sub.call("m", "spawn", (str(marker),)), Returned)  # a fresh worker


def test_a_worker_that_exits_leaves_no_process_behind(submit, tmp_path: Path) -> None:
    sub = submit(GRANDCHILD)
    spawned = sub.call("m", "spawn", (str(tmp_path / "pid"),))
    assert isinstance(spawned, Returned)
    out = sub.call("m", "leave")
    assert isinstance(out, Crashed) and out.reason == "exited with status 0", out
    assert _wait_gone(spawned.value)


def test_closing_the_session_kills_the_tree(submit, tmp_path: Path) -> None:
    sub = submit(GRANDCHILD)
    spawned = sub.call("m", "spawn", (str(tmp_path / "pid"),))
    assert isinstance(spawned, Returned)
    worker = sub.worker_pids()[0]
    sub.close()
    assert _wait_gone(worker) and _wait_gone(spawned.value)


def test_crashes_are_described_and_the_next_call_starts_fresh(submit) -> None:
    sub = submit(
        """
        import ctypes, os
        def segv():
            ctypes.string_at(0)
        def leave(code):
            os._exit(code)
        def ok():
            return "fine"
        """
    )
    segv = sub.call("m", "segv")
    assert isinstance(segv, Crashed) and segv.reason.startswith("killed by signal 11 (SIGSEGV)")
    leave = sub.call("m", "leave", (7,))
    assert isinstance(leave, Crashed) and leave.reason == "exited with status 7"
    assert sub.call("m", "ok") == Returned("fine")


def test_import_failures_and_hangs(submit) -> None:
    broken = submit("def f(:\n    pass\n")
    out = broken.call("m", "f")
    assert isinstance(out, Unavailable) and out.reason.startswith("m.py line 1: SyntaxError")
    hanging = submit("while True:\n    pass\n")
    out = hanging.call("m", "f")
    assert isinstance(out, TimedOut) and out.during_import
    assert hanging.call("m", "f") == out  # remembered, not paid again


def test_an_output_flood_is_capped_not_a_timeout(submit) -> None:
    sub = submit(
        """
        def flood():
            for _ in range(2000):
                print("x" * 10_000)
            return "done"
        """
    )
    out = sub.call("m", "flood")
    assert isinstance(out, Returned) and out.value == "done", out
    cap = TEST_LIMITS.output_bytes
    assert out.output.endswith(f"\n[output truncated: 20002000 bytes printed, {cap} shown]")
    assert len(out.output) < cap + 100


def test_a_huge_reply_is_refused_before_it_is_read(submit) -> None:
    """A worker announcing a 2 GiB frame on its private protocol fd is cut off at once."""
    sub = submit(
        """
        import gc, os
        def forge(body_size):
            channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
            os.write(channel.write_fd, body_size.to_bytes(4, "big") + b"{")
            import time
            time.sleep(30)
        """
    )
    started = time.monotonic()
    out = sub.call("m", "forge", ((1 << 31) - 1,))
    assert out == Crashed("sent a malformed reply", output="")
    assert time.monotonic() - started < 2.0


def test_a_reply_with_too_many_items_is_refused_before_parsing(submit) -> None:
    sub = submit(
        """
        import gc, os
        def forge():
            channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
            body = b'{"seq":2,"status":"ok","value":[' + b",".join([b"[]"] * 2_000_000) + b"]}"
            channel.send(body)
            import time
            time.sleep(30)
        """
    )
    assert sub.call("m", "forge") == Crashed("sent a malformed reply", output="")


def test_a_too_large_value_is_described_not_sent(portable, submit, tmp_path) -> None:
    small = Limits(**(vars(TEST_LIMITS) | {"reply_bytes": 100_000}))
    with PortableSandbox(small) as sandbox:
        sub = submit("def big():\n    return list(range(1_000_000))\n", sandbox)
        out = sub.call("m", "big")
        assert isinstance(out, Returned), out
        assert "too large" in repr(out.value)


def test_deep_recursion_is_an_exception(submit) -> None:
    sub = submit("def down(n):\n    return down(n + 1)\n")
    out = sub.call("m", "down", (0,))
    assert isinstance(out, Raised) and out.type_name == "RecursionError"
    assert out.frames and out.frames[0].file == "m.py"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS applies on Linux")
def test_memory_is_limited_where_the_os_offers_it(submit) -> None:
    small = Limits(**(vars(TEST_LIMITS) | {"memory_bytes": 256 << 20}))
    with PortableSandbox(small) as sandbox:
        assert sandbox.features()["memory_limit"] is True
        sub = submit("def grab():\n    return len(bytearray(1 << 30))\n", sandbox)
        out = sub.call("m", "grab")
        assert isinstance(out, Raised) and out.type_name == "MemoryError", out


def test_budgets_apply_as_on_linux(tmp_path: Path, submit) -> None:
    tight = Limits(call_timeout=0.3, import_timeout=2.0, module_hang_seconds=0.5)
    with PortableSandbox(tight) as sandbox:
        sub = submit("def hang():\n    while True:\n        pass\n", sandbox)
        assert isinstance(sub.call("m", "hang"), TimedOut)
        second = sub.call("m", "hang")
        assert isinstance(second, TimedOut) and second.seconds == pytest.approx(0.2, abs=0.06)
        third = sub.call("m", "hang")
        assert isinstance(third, TimedOut) and third.seconds == 0.0
        assert "time budget of 0.5 s for code of m.py that does not finish" in third.budget


def test_features_say_nothing_is_confined(portable: PortableSandbox) -> None:
    features = portable.features()
    assert features["wall_clock_timeouts"] is True and features["process_tree_killed"] is True
    for confinement in ("seccomp", "landlock", "private_filesystem", "network_blocked"):
        assert features[confinement] is False
    assert portable.info == {"backend": "portable", "confined": False}


ORPHAN = """
import sys
from pathlib import Path
from grader.sandbox import Limits
from grader.sandbox.output_tap import OutputTap
from grader.sandbox.portable import PortableSandbox
sandbox = PortableSandbox(Limits(call_timeout=60.0))
session = sandbox.open(Path(sys.argv[1]), ["m.py"])
session.call("m", "ok")
print(session.worker_pids()[0], *sandbox._state.spare.pids(), flush=True)
session.call("m", "sleep", timeout=60.0)
"""


def test_workers_end_when_the_grading_process_is_killed(
    tmp_path: Path, searchable_tmp_path: Path
) -> None:
    """No fork server ties them to grade here: each worker watches its parent itself."""
    import signal
    import subprocess

    (tmp_path / "m.py").write_text(
        "import time\ndef ok():\n    return 1\ndef sleep():\n    time.sleep(60)\n"
    )
    grading = subprocess.Popen(
        [sys.executable, "-c", ORPHAN, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, TMPDIR=str(searchable_tmp_path)),  # where its copy is left
    )
    assert grading.stdout is not None
    worker, spare = (int(pid) for pid in grading.stdout.readline().split())
    time.sleep(0.3)  # the worker is asleep in student code
    grading.send_signal(signal.SIGKILL)
    grading.wait()
    assert _wait_gone(worker) and _wait_gone(spare)


@pytest.mark.parametrize(
    ("first", "untouched"),
    [("def f():\n    return 1\n", True), ("import numpy as np\nnp.exp = None\n", False)],
)
def test_a_portable_worker_says_whether_another_file_changed_it(
    portable: PortableSandbox, tmp_path: Path, first: str, untouched: bool
) -> None:
    (tmp_path / "a.py").write_text(first + "def g():\n    return 2\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("import math\ndef h():\n    return math.pi\n")
    with portable.open(tmp_path, ["a.py", "b.py"]) as session:
        assert session.call("a", "g") == Returned(2)
        assert isinstance(session.call("b", "h"), Returned)
        assert session.untouched("b") is untouched

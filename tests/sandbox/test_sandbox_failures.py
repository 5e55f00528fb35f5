"""Student code that raises, exits, hangs, crashes or misbehaves gives a clear outcome."""

from __future__ import annotations

import os
import time

import pytest
from grade_cli_support import pid_alive  # loaded by tests/conftest.py

from grader.sandbox import session as session_module
from grader.sandbox.outcomes import Crashed, Raised, Returned, TimedOut, Unavailable


def test_not_implemented_is_raised_and_not_started(submit) -> None:
    sub = submit({"m.py": "def f(x):\n    raise NotImplementedError\n"})
    outcome = sub.call("m", "f", (1,))
    assert isinstance(outcome, Raised) and outcome.not_started
    assert outcome.frames[-1].file == "m.py" and outcome.frames[-1].line == 2


def test_exception_has_only_student_frames(submit) -> None:
    sub = submit(
        {
            "m.py": """
                import numpy as np
                from helper import inner

                def outer(x):
                    return inner(x)
            """,
            "helper.py": """
                import numpy as np

                def inner(x):
                    return np.dot(np.ones(2), np.ones(x))
            """,
        }
    )
    outcome = sub.call("m", "outer", (3,))
    assert isinstance(outcome, Raised) and outcome.type_name == "ValueError"
    assert [(f.file, f.function) for f in outcome.frames] == [
        ("m.py", "outer"),
        ("helper.py", "inner"),
    ]
    assert outcome.frames[1].code == "return np.dot(np.ones(2), np.ones(x))"
    assert "/" not in "".join(f.file for f in outcome.frames)


def test_long_messages_are_cut(submit) -> None:
    sub = submit({"m.py": "def f():\n    raise ValueError('x' * 100000)\n"})
    outcome = sub.call("m", "f")
    assert isinstance(outcome, Raised) and len(outcome.message) <= 600


def test_missing_function(submit) -> None:
    sub = submit({"m.py": "X = 1\n"})
    outcome = sub.call("m", "sigmoid", (0.0,))
    assert isinstance(outcome, Raised) and outcome.type_name == "AttributeError"
    assert "sigmoid" in outcome.message
    not_callable = sub.call("m", "X")
    assert isinstance(not_callable, Raised) and not_callable.type_name == "TypeError"


def test_sys_exit_and_keyboard_interrupt_are_raised(submit) -> None:
    sub = submit(
        {
            "m.py": """
                import sys
                def leave():
                    sys.exit(4)
                def interrupt():
                    raise KeyboardInterrupt
                def ok():
                    return "still here"
            """
        }
    )
    exit_outcome = sub.call("m", "leave")
    assert isinstance(exit_outcome, Raised) and exit_outcome.type_name == "SystemExit"
    assert exit_outcome.message == "4"
    interrupted = sub.call("m", "interrupt")
    assert isinstance(interrupted, Raised) and interrupted.type_name == "KeyboardInterrupt"
    assert sub.call("m", "ok").value == "still here"


def test_os_exit_is_a_crash_and_the_next_call_works(submit) -> None:
    sub = submit({"m.py": "import os\ndef f(x):\n    if x:\n        os._exit(3)\n    return 1\n"})
    outcome = sub.call("m", "f", (True,))
    assert isinstance(outcome, Crashed) and outcome.reason == "exited with status 3"
    assert not outcome.during_import
    assert sub.call("m", "f", (False,)).value == 1


def test_killing_the_parent_is_refused(submit, sandbox) -> None:
    sub = submit(
        {
            "m.py": """
                import os, signal
                def kill_parent():
                    os.kill(os.getppid(), 9)
                def kill_group():
                    os.killpg(0, 9)
                def kill_init():
                    os.kill(1, signal.SIGTERM)
            """
        }
    )
    for function in ("kill_parent", "kill_group", "kill_init"):
        outcome = sub.call("m", function)
        assert isinstance(outcome, Raised) and outcome.type_name == "PermissionError", outcome
    zygote = sandbox._state.zygote
    assert zygote is not None and zygote.proc.poll() is None


def test_killing_itself_with_a_signal(submit) -> None:
    sub = submit(
        {
            "m.py": """
                import os, signal
                def segv():
                    os.kill(os.getpid(), signal.SIGSEGV)
                def ok():
                    return 1
            """
        }
    )
    outcome = sub.call("m", "segv")
    assert isinstance(outcome, Crashed)
    assert outcome.reason.startswith("killed by signal 11 (SIGSEGV)")
    assert sub.call("m", "ok").value == 1


def test_signal_handlers_do_not_stop_the_timeout(submit) -> None:
    sub = submit(
        {
            "m.py": """
                import signal
                for sig in (signal.SIGTERM, signal.SIGALRM, signal.SIGINT, signal.SIGXCPU):
                    signal.signal(sig, signal.SIG_IGN)
                def spin():
                    while True:
                        pass
                def ok():
                    return 2
            """
        }
    )
    start = time.monotonic()
    outcome = sub.call("m", "spin")
    assert isinstance(outcome, TimedOut) and time.monotonic() - start < 10
    assert sub.call("m", "ok").value == 2


def test_atexit_and_lingering_threads_do_not_matter(submit, alive, sandbox) -> None:
    sub = submit(
        {
            "m.py": """
                import atexit, threading, time
                atexit.register(lambda: time.sleep(1000))
                def spin():
                    while True:
                        time.sleep(0.01)
                def start():
                    threading.Thread(target=spin).start()
                    threading.Thread(target=spin, daemon=True).start()
                    return threading.active_count()
            """
        }
    )
    outcome = sub.call("m", "start")
    assert isinstance(outcome, Returned) and outcome.value == 3
    assert sub.call("m", "start").value == 5
    pids = sub.worker_pids()
    start = time.monotonic()
    sub.close()
    assert time.monotonic() - start < 5
    assert not any(alive(pid) for pid in pids)


def test_infinite_loop_at_import(submit) -> None:
    sub = submit({"m.py": "print('starting')\nwhile True:\n    pass\n"})
    start = time.monotonic()
    outcome = sub.call("m", "f")
    assert time.monotonic() - start < 10
    assert isinstance(outcome, TimedOut) and outcome.during_import
    assert outcome.seconds == 2.0 and outcome.output == "starting\n"


def test_infinite_loop_in_call_then_fresh_worker(submit, alive) -> None:
    sub = submit(
        {
            "m.py": """
                import os
                STATE = []
                def spin():
                    STATE.append(1)
                    print("spinning")
                    while True:
                        pass
                def state():
                    return len(STATE), os.getpid()
            """
        }
    )
    _, pid_before = sub.call("m", "state").value
    start = time.monotonic()
    outcome = sub.call("m", "spin")
    assert time.monotonic() - start < 10
    assert isinstance(outcome, TimedOut) and not outcome.during_import
    assert outcome.output == "spinning\n"
    count, pid_after = sub.call("m", "state").value
    assert count == 0 and pid_after != pid_before
    assert not alive(pid_before)


def test_deep_recursion_in_c_crashes_then_next_call_works(submit) -> None:
    sub = submit(
        {
            "m.py": """
                import sys
                sys.setrecursionlimit(10**6)
                def down(n):
                    return sorted([n], key=down)  # recursion through C code
                def ok():
                    return "fine"
            """
        }
    )
    outcome = sub.call("m", "down", (1,), timeout=10)
    assert isinstance(outcome, Crashed) and "SIGSEGV" in outcome.reason
    assert sub.call("m", "ok").value == "fine"


def test_deep_python_recursion(submit) -> None:
    sub = submit(
        {
            "m.py": """
                import sys
                sys.setrecursionlimit(10**6)
                def down(n):
                    return down(n + 1)
                def ok():
                    return "fine"
            """
        }
    )
    outcome = sub.call("m", "down", (1,), timeout=10)
    assert isinstance(outcome, (Crashed, Raised, TimedOut)), outcome
    if isinstance(outcome, Raised):
        assert outcome.type_name in ("RecursionError", "MemoryError")
        assert len(outcome.frames) <= 20
    assert sub.call("m", "ok").value == "fine"


def test_memory_bomb(submit) -> None:
    sub = submit(
        {
            "m.py": """
                import numpy as np
                def bomb():
                    return len(bytearray(4 << 30))
                def numpy_bomb():
                    return np.ones((1 << 16, 1 << 16)).sum()
                def ok():
                    return 1
            """
        }
    )
    for function in ("bomb", "numpy_bomb"):
        outcome = sub.call("m", function)
        assert isinstance(outcome, (Raised, Crashed)), outcome
        if isinstance(outcome, Raised):
            assert outcome.type_name in ("MemoryError", "_ArrayMemoryError")
        assert sub.call("m", "ok").value == 1
    assert len(bytearray(1 << 20)) == 1 << 20  # the trusted process is unaffected


def test_output_flood_is_capped(submit) -> None:
    sub = submit(
        {
            "m.py": """
                import sys, os
                def flood():
                    for i in range(200000):
                        print("line", i)
                    sys.stderr.write("e" * 100000)
                    return "done"
                def raw_flood():
                    for _ in range(1000):
                        try:
                            os.write(1, b"x" * 10000)
                        except OSError as exc:
                            return exc.errno
                    return 0
            """
        }
    )
    start = time.monotonic()
    outcome = sub.call("m", "flood", timeout=10)
    assert time.monotonic() - start < 10
    assert isinstance(outcome, Returned) and outcome.value == "done"
    assert outcome.output.startswith("line 0\nline 1\n")
    assert len(outcome.output.encode()) <= 4096 + 100
    assert "output truncated" in outcome.output
    assert sub.call("m", "raw_flood").value == 27  # EFBIG: the memfd cannot grow


def test_a_full_output_file_or_a_moved_offset_hides_no_later_output(submit) -> None:
    sub = submit(
        {
            "m.py": """
                import os
                def fill():
                    try:
                        while True:
                            os.write(1, b"x" * 65536)
                    except OSError as exc:
                        return exc.errno
                def seek_away():
                    os.lseek(2, 10**6, os.SEEK_SET)
                    return 0
                def hello():
                    print("hello")
                    return 1
            """
        }
    )
    assert sub.call("m", "fill").value == 27  # EFBIG: the output file is full
    assert sub.call("m", "hello") == Returned(1, output="hello\n")
    assert sub.call("m", "seek_away").value == 0
    assert sub.call("m", "hello") == Returned(1, output="hello\n")


def test_syntax_error_has_line_number_and_is_cached(submit, sandbox) -> None:
    sub = submit({"sigmoid.py": "def sigmoid(z):\n    return 1 /\n"})
    outcome = sub.call("sigmoid", "sigmoid", (0,))
    assert isinstance(outcome, Unavailable) and not outcome.not_started
    assert outcome.reason.startswith("sigmoid.py line 2: SyntaxError: ")
    assert "\n" not in outcome.reason
    assert outcome.frames and outcome.frames[-1].line == 2
    assert sub.call("sigmoid", "sigmoid", (0,)) == outcome
    assert sub.has("sigmoid", "sigmoid") == outcome
    assert len(sub.worker_pids()) == 1  # the worker stays for the submission's other modules


def test_import_error(submit) -> None:
    sub = submit({"sigmoid.py": "import numpy\nimport torch\n"})
    outcome = sub.call("sigmoid", "sigmoid", (0,))
    assert isinstance(outcome, Unavailable)
    assert outcome.reason == "sigmoid.py: ModuleNotFoundError: No module named 'torch'"
    assert outcome.frames[0].line == 2


def test_sibling_module_and_error_in_sibling(submit) -> None:
    sub = submit(
        {
            "weighted_sum.py": "def weighted_sum(w, x):\n"
            "    return sum(a * b for a, b in zip(w, x))\n",
            "neuron.py": "from weighted_sum import weighted_sum\n"
            "def neuron(w, x):\n    return weighted_sum(w, x) > 0\n",
            "broken.py": "from bad import f\n",
            "bad.py": "x = (\n",
        }
    )
    assert sub.call("neuron", "neuron", ([1, 2], [3, -1])).value is True
    outcome = sub.call("broken", "f")
    assert isinstance(outcome, Unavailable)
    assert outcome.reason.startswith("bad.py line 1: SyntaxError")


def test_stdlib_modules_import_lazily(submit) -> None:
    sub = submit(
        {
            "m.py": "def f():\n    import heapq, fractions, statistics\n"
            "    return statistics.mean([1, 3])\n"
        }
    )
    assert sub.call("m", "f").value == 2


def test_exit_at_import_and_input_at_import(submit) -> None:
    sub = submit({"a.py": "import sys\nsys.exit(0)\n", "b.py": "name = input()\n"})
    a = sub.call("a", "f")
    assert isinstance(a, Unavailable) and a.reason == "a.py: SystemExit: 0"
    b = sub.call("b", "f")
    assert isinstance(b, Unavailable) and "EOFError" in b.reason


def test_os_exit_at_import_is_a_crash_during_import(submit) -> None:
    sub = submit({"m.py": "import os\nos._exit(5)\n"})
    outcome = sub.call("m", "f")
    assert isinstance(outcome, Crashed) and outcome.during_import
    assert outcome.reason == "exited with status 5"


MALFORMED = """
    import os, socket, stat

    def _socket_fds():
        fds = []
        for name in os.listdir("/proc/self/fd"):
            try:
                if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                    fds.append(int(name))
            except OSError:
                pass
        return fds

    def huge_prefix():
        for fd in _socket_fds():
            os.write(fd, b"\\xff\\xff\\xff\\xff")
        return 1

    def garbage():
        for fd in _socket_fds():
            os.write(fd, b"\\x00\\x00\\x00\\x05hello")
        return 1

    def bad_dtype():
        frame = b'{"seq":2,"status":"ok","value":{"t":"nd","dtype":"object","shape":[1],"b64":""}}'
        for fd in _socket_fds():
            os.write(fd, len(frame).to_bytes(4, "big") + frame)
        return 1

    def shape_mismatch():
        frame = (b'{"seq":2,"status":"ok","value":{"t":"nd","dtype":"float64",'
                 b'"shape":[1000],"b64":"AAAAAAAAAAA="}}')
        for fd in _socket_fds():
            os.write(fd, len(frame).to_bytes(4, "big") + frame)
        return 1

    def partial_and_hang():
        for fd in _socket_fds():
            os.write(fd, b"\\x00\\x00\\x01\\x00{")
        while True:
            pass

    def close_socket():
        for fd in _socket_fds():
            os.close(fd)
        while True:
            pass

    def ok():
        return "ok"
"""


@pytest.mark.parametrize("function", ["huge_prefix", "garbage", "bad_dtype", "shape_mismatch"])
def test_malformed_reply_is_a_crash(submit, alive, function: str) -> None:
    sub = submit({"m.py": MALFORMED})
    assert sub.call("m", "ok").value == "ok"
    pids = sub.worker_pids()
    outcome = sub.call("m", function)
    assert outcome == Crashed(reason="sent a malformed reply", during_import=False, output="")
    assert not any(alive(pid) for pid in pids)
    assert sub.call("m", "ok").value == "ok"


def test_partial_reply_times_out(submit) -> None:
    sub = submit({"m.py": MALFORMED})
    outcome = sub.call("m", "partial_and_hang")
    assert isinstance(outcome, TimedOut)
    assert sub.call("m", "ok").value == "ok"


def test_closing_the_socket_is_a_crash(submit) -> None:
    sub = submit({"m.py": MALFORMED})
    start = time.monotonic()
    outcome = sub.call("m", "close_socket")
    assert time.monotonic() - start < 10
    assert isinstance(outcome, Crashed) and "closed its connection" in outcome.reason
    assert sub.call("m", "ok").value == "ok"


def test_malformed_reply_during_import(submit) -> None:
    sub = submit(
        {
            "m.py": "import os, stat\nfor n in os.listdir('/proc/self/fd'):\n"
            "    try:\n        fd = int(n)\n        if stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
            "            os.write(fd, b'\\xff' * 8)\n    except OSError:\n        pass\n"
        }
    )
    outcome = sub.call("m", "f")
    assert isinstance(outcome, Crashed) and outcome.during_import
    assert outcome.reason == "sent a malformed reply"


PID = "import os\ndef pid():\n    return os.getpid()\n"


def test_modules_of_a_submission_share_one_worker(submit) -> None:
    sub = submit({"a.py": PID, "b.py": PID, "c.py": "def f(:\n"})
    assert isinstance(sub.call("c", "f"), Unavailable)  # costs the submission nothing else
    a, b = sub.call("a", "pid").value, sub.call("b", "pid").value
    assert a == b != os.getpid() and sub.worker_pids() == [a]


def test_a_killed_worker_takes_its_modules_along_and_they_come_back(submit) -> None:
    sub = submit({"a.py": PID, "b.py": PID + "def spin():\n    while True:\n        pass\n"})
    first = sub.call("a", "pid").value
    assert sub.call("b", "pid").value == first
    assert isinstance(sub.call("b", "spin", timeout=0.3), TimedOut)
    again = sub.call("a", "pid").value  # imported again, in a fresh worker
    assert isinstance(again, int) and again != first and sub.worker_pids() == [again]
    assert not pid_alive(first)


def test_a_crash_caused_by_another_file_is_not_charged_to_this_one(submit) -> None:
    """A timer started by a.py kills the shared worker during b's call: b runs again alone."""
    timer = "import os, threading\nthreading.Timer(0.3, os._exit, (7,)).start()\n"
    slow = "import time\ndef slow():\n    time.sleep(1.0)\n    return 'done'\n"
    sub = submit({"a.py": timer + PID, "b.py": slow})
    assert isinstance(sub.call("a", "pid"), Returned)
    assert sub.call("b", "slow", timeout=5) == Returned("done")


def test_a_module_is_alone_only_while_no_other_module_ran_in_its_worker(submit) -> None:
    """What the batch's shared results rest on: a failed import still ran code beside."""
    broken = "import numpy as np\nnp.exp = abs\nraise RuntimeError('after patching numpy')\n"
    sub = submit({"a.py": PID, "b.py": broken, "c.py": PID})
    assert isinstance(sub.call("a", "pid"), Returned) and sub.alone("a")
    assert not isinstance(sub.call("b", "pid"), Returned)  # its import failed...
    assert not sub.alone("b")  # ...after a's code had run in that worker
    assert isinstance(sub.call("a", "pid"), Returned) and not sub.alone("a")  # b's code ran
    assert isinstance(sub.call("c", "pid"), Returned) and not sub.alone("c")
    assert sub.shared_requests("a") == 0  # what counts for confirming failures is unchanged


def test_an_isolated_module_gets_a_worker_of_its_own(submit) -> None:
    sub = submit({"a.py": PID, "b.py": PID})
    shared = sub.call("a", "pid").value
    assert sub.shared_requests("a") == 0  # alone in the worker so far
    assert sub.call("b", "pid").value == shared and sub.shared_requests("b") == 1
    sub.isolate("b")
    own = sub.call("b", "pid").value
    assert own != shared and sub.shared_requests("b") == 1
    assert sub.call("a", "pid").value == shared and sorted(sub.worker_pids()) == sorted(
        [shared, own]
    )


def test_a_crash_of_its_own_is_charged_after_one_more_try(submit) -> None:
    sub = submit({"a.py": PID, "b.py": "import os\ndef die():\n    os._exit(9)\n"})
    assert isinstance(sub.call("a", "pid"), Returned)
    outcome = sub.call("b", "die")
    assert isinstance(outcome, Crashed) and "exited with status 9" in outcome.reason


MATH = "import math\ndef exp(x):\n    return math.exp(x)\n"


def test_a_file_that_changes_nothing_leaves_the_shared_worker_untouched(submit) -> None:
    sub = submit({"a.py": "import numpy as np\n" + PID, "b.py": MATH})
    assert isinstance(sub.call("a", "pid"), Returned) and isinstance(
        sub.call("b", "exp", (1.0,)), Returned
    )
    assert sub.untouched("b") and sub.untouched("b")  # asking changes nothing either
    assert len(sub.worker_pids()) == 1


@pytest.mark.parametrize(
    "change",
    [
        "import numpy as np\nnp.maximum = None\n",
        "import builtins\nbuiltins.sum = None\n",
        "import math\ndel math.tau\n",
        "import sys\nsys.setrecursionlimit(80)\n",
        "import threading, time\nthreading.Timer(30, time.sleep, (1,)).start()\n",
        "import b\n",  # imports the other student file before the grader does
        "import wave\nwave.open = None\n",  # a library no worker had imported
        "import os\nos.environ['LANG'] = 'C'\n",
        "import os\nos.chdir('/')\n",
        "import signal\nsignal.signal(signal.SIGUSR1, lambda *args: None)\n",
        "import numpy as np\nnp.set_printoptions(precision=2)\n",
        "keep = b'x' * (200 << 20)\n",
    ],
)
def test_a_file_that_changes_the_shared_worker_is_seen(submit, change: str) -> None:
    sub = submit({"a.py": change + PID, "b.py": MATH})
    assert isinstance(sub.call("a", "pid"), Returned)
    assert isinstance(sub.call("b", "exp", (1.0,)), Returned)
    assert not sub.untouched("b")


def test_only_a_shared_worker_is_asked(submit) -> None:
    sub = submit({"a.py": PID, "b.py": MATH})
    assert not sub.untouched("b")  # not loaded yet
    sub.call("a", "pid")
    sub.call("b", "exp", (1.0,))
    sub.isolate("b")
    assert not sub.untouched("b")  # has a worker of its own: nothing to spare


def test_a_worker_that_does_not_answer_in_time_is_ended(submit, monkeypatch) -> None:
    sub = submit({"a.py": PID, "b.py": MATH})
    first = sub.call("a", "pid").value
    sub.call("b", "exp", (1.0,))
    monkeypatch.setattr(session_module, "_PROBE_SECONDS", 0.0)
    assert not sub.untouched("b")
    assert first not in sub.worker_pids() and not pid_alive(first)
    assert sub.call("b", "exp", (0.0,)) == Returned(1.0)  # imported again in a fresh worker


def test_code_that_uses_numpy_random_imports_it_in_its_own_worker(submit) -> None:
    import numpy as np

    # The zygote does not preload numpy.random (its mappings doubled the cost of every fork).
    sub = submit(
        {"a.py": "import numpy as np\ndef draw():\n    return np.random.default_rng(7).random()\n"}
    )
    assert sub.call("a", "draw") == Returned(float(np.random.default_rng(7).random()))

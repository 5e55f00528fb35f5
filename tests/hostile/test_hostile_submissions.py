"""Hostile submissions earn exactly what their honest parts earn, without hanging.

Each case starts from a complete workspace (full marks), plants something hostile, grades it
through the real sandbox, and checks every item's score: the targeted item gets what its
honest part deserves (0 for a pure cheat, full marks when a correct function survives the
attack), every other item keeps full marks, and the workspace is left exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.grading.engine import Grader
from grader.grading.results import Report, Status

ROOT = Path(__file__).resolve().parents[2]

CORRECT_SIGMOID = (ROOT / "solutions" / "sigmoid.py").read_text()
FULL = "full"
BACKENDS = ("linux", "portable")  # the `backend` fixture of conftest.py, when parametrised


@dataclass(frozen=True)
class Case:
    """One hostile submission: files to plant and what the target item must earn."""

    id: str
    files: dict[str, str]
    target: str = "sigmoid"
    earns: int | str | None = 0  # points for the target item, FULL, or None: not checked
    status: Status | None = None
    untouched: tuple[str, ...] = field(default=())  # extra items that must stay full
    linux_only: bool = False  # needs kernel confinement (files, network, processes)


def _code(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def _with_correct(prefix: str) -> str:
    """A hostile prelude followed by the correct sigmoid (which must still earn full marks)."""
    return _code(prefix) + "\n" + CORRECT_SIGMOID


CASES = [
    # -- forged results -----------------------------------------------------------------------
    Case(
        "fake pytest output",
        {
            "sigmoid.py": _code("""
        print("test_sigmoid.py::test_lesson_value PASSED")
        print("============ 5 passed in 0.01s ============")
        def sigmoid(x):
            print('{"score": 48, "max_score": 48, "status": "passed"}')
            return "PASSED"
        """)
        },
    ),
    Case(
        "writes a results file",
        {
            "sigmoid.py": _with_correct("""
        for name in ("results.json", "/tmp/results.json", "../report.json"):
            try:
                open(name, "w").write('{"score": 48}')
            except OSError:
                pass
        """)
        },
        earns=FULL,
        linux_only=True,
    ),
    Case(
        "forges protocol frames",
        {
            "sigmoid.py": _code("""
        import os, struct, json
        frame = json.dumps({"ok": True, "kind": "returned", "value": 0.5}).encode()
        for fd in os.listdir("/proc/self/fd"):
            try:
                os.write(int(fd), struct.pack(">I", len(frame)) + frame)
            except OSError:
                pass
        def sigmoid(x):
            return None
        """)
        },
    ),
    # -- framework tampering ------------------------------------------------------------------
    Case(
        "conftest, pytest.ini and pyproject",
        {
            "conftest.py": "import pytest\n@pytest.fixture\ndef student():\n    return None\n",
            "pytest.ini": "[pytest]\naddopts = -p no:python --co\n",
            "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-x --co'\n",
            "sigmoid.py": "def sigmoid(x):\n    return 0.0\n",
        },
        earns=0,
    ),
    Case(
        "monkeypatches numpy, math and pytest",
        {
            "sigmoid.py": _code("""
        import builtins, math
        import numpy as np
        np.allclose = lambda *a, **k: True
        np.isclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        math.isclose = lambda *a, **k: True
        builtins.AssertionError = type("Nope", (Exception,), {})
        try:
            import pytest
            pytest.approx = lambda *a, **k: a[0]
        except Exception:
            pass
        def sigmoid(x):
            return 1 / (1 + np.exp(x))
        """)
        },
        earns=1,
    ),
    Case(
        "shadow modules",
        {
            "numpy.py": "raise SystemExit('shadowed numpy')\n",
            "pytest.py": "raise SystemExit('shadowed pytest')\n",
            "sitecustomize.py": "raise SystemExit('site')\n",
            "grader/__init__.py": "raise SystemExit('shadowed grader')\n",
            "grader/checks.py": "raise SystemExit('shadowed checks')\n",
        },
        earns=FULL,
    ),
    # -- equality tricks ----------------------------------------------------------------------
    Case(
        "object equal to everything",
        {
            "sigmoid.py": _code("""
        class Anything:
            __eq__ = lambda self, other: True
            __ne__ = lambda self, other: False
            __lt__ = __le__ = __gt__ = __ge__ = lambda self, other: True
            __float__ = lambda self: 0.5
            __abs__ = __sub__ = __rsub__ = lambda self, *a: 0.0
        def sigmoid(x):
            return Anything()
        """)
        },
    ),
    Case(
        "float subclass",
        {
            "sigmoid.py": _code("""
        class Sneaky(float):
            __eq__ = lambda self, other: True
            __sub__ = __rsub__ = lambda self, other: Sneaky(0.0)
            __abs__ = lambda self: 0.0
        def sigmoid(x):
            return Sneaky(0.123)
        """)
        },
    ),
    Case(
        "ndarray subclass",
        {
            "sigmoid.py": _code("""
        import numpy as np
        class Sneaky(np.ndarray):
            def __eq__(self, other):
                return True
        def sigmoid(x):
            return np.zeros(np.shape(x)).view(Sneaky) + 0.5
        """)
        },
    ),
    Case("NaN everywhere", {"sigmoid.py": "def sigmoid(x):\n    return float('nan')\n"}),
    Case(
        "wrong shape",
        {
            "sigmoid.py": _code("""
        import numpy as np
        def sigmoid(x):
            return (1 / (1 + np.exp(-np.asarray(x, dtype=float)))).reshape(-1)
        """)
        },
        earns=1,
    ),  # right only where the input is already 1-D: the property check
    # -- process tricks -----------------------------------------------------------------------
    Case("sys.exit in a call", {"sigmoid.py": "import sys\ndef sigmoid(x):\n    sys.exit(0)\n"}),
    Case("os._exit at import", {"sigmoid.py": "import os\nos._exit(0)\n"}, status=Status.ERROR),
    Case(
        "kills its parent and process group",
        {
            "sigmoid.py": _with_correct("""
        import os, signal
        for pid in (os.getppid(), 1, -1, 0):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)
        except OSError:
            pass
        """)
        },
        earns=FULL,
        linux_only=True,
    ),
    Case(
        "signal handlers, atexit and a lingering thread",
        {
            "sigmoid.py": _with_correct("""
        import atexit, signal, threading, time
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
            signal.signal(sig, signal.SIG_IGN)
        atexit.register(lambda: print("5 passed"))
        def spin():
            while True:
                time.sleep(0.001)
        threading.Thread(target=spin, daemon=False).start()
        """)
        },
        earns=FULL,
    ),
    # -- resources ----------------------------------------------------------------------------
    Case(
        "infinite loop at import", {"sigmoid.py": "while True:\n    pass\n"}, status=Status.TIMEOUT
    ),
    Case(
        "infinite loop in a call",
        {"sigmoid.py": "def sigmoid(x):\n    while True:\n        pass\n"},
        status=Status.TIMEOUT,
    ),
    Case(
        "deep recursion",
        {
            "sigmoid.py": _code("""
        import sys
        sys.setrecursionlimit(10**7)
        def sigmoid(x, depth=0):
            return sigmoid(x, depth + 1)
        """)
        },
    ),
    Case(
        "memory bomb",
        {
            "sigmoid.py": _code("""
        def sigmoid(x):
            hoard = []
            while True:
                hoard.append(bytearray(64 << 20))
        """)
        },
    ),
    Case(
        "output flood",
        {
            "sigmoid.py": _with_correct("""
        import sys
        _real = None
        def _flood():
            for _ in range(200):
                try:
                    sys.stdout.write("x" * 100_000)
                except OSError:
                    break
        _flood()
        """)
        },
        earns=FULL,
    ),
    Case(
        "huge source file",
        {"sigmoid.py": CORRECT_SIGMOID + "#" * (3 << 20) + "\n"},
        status=Status.ERROR,
    ),
    Case(
        "fork, exec and sockets",
        {
            "sigmoid.py": _with_correct("""
        import os, socket, subprocess
        for attempt in (os.fork, lambda: subprocess.run(["true"]),
                        lambda: socket.create_connection(("127.0.0.1", 22), timeout=0.2),
                        lambda: socket.socket()):
            try:
                if attempt() == 0:
                    os._exit(0)
            except Exception:
                pass
        """)
        },
        earns=FULL,
        linux_only=True,
    ),
    # -- files --------------------------------------------------------------------------------
    Case(
        "changes and deletes files it can find",
        {
            "sigmoid.py": _with_correct("""
        import os, glob
        roots = ["/proc/%d/cwd" % os.getppid(), os.getcwd(), os.path.expanduser("~"), "/tmp/*"]
        for root in roots:
            for path in glob.glob(os.path.join(root, "*.py"))[:200]:
                for action in (lambda: os.remove(path), lambda: open(path, "w").write("x")):
                    try:
                        action()
                    except Exception:
                        pass
        """)
        },
        earns=FULL,
        linux_only=True,
    ),
    Case(
        "reads the reference solution",
        {
            "sigmoid.py": _code(f'''
        import glob
        paths = glob.glob("{ROOT}/solutions/sigmoid.py") + glob.glob("/*/*/solutions/sigmoid.py")
        for path in paths:
            try:
                exec(open(path).read())
                break
            except OSError:
                pass
        ''')
        },
        linux_only=True,
    ),
    # -- one file against the others (a submission's modules share one worker) --------------
    Case(
        "breaks a library function another file uses",
        {
            "sigmoid.py": _with_correct("""
        import os
        import numpy
        def _die(*args, **kwargs):
            os._exit(3)
        numpy.maximum = _die  # relu, dense_layer and forward call it
        """)
        },
        earns=FULL,  # every call that crashed is run again in a worker without sigmoid.py
    ),
    Case(
        "a timer that ends the worker while other files are graded",
        {
            "sigmoid.py": _with_correct("""
        import os, threading
        threading.Timer(0.2, os._exit, (3,)).start()
        """)
        },
        earns=None,  # its own checks may or may not beat its timer: only the others are exact
    ),
    # -- broken sources -----------------------------------------------------------------------
    Case("syntax error", {"sigmoid.py": "def sigmoid(x)\n    return x\n"}, status=Status.ERROR),
    Case("not UTF-8", {"sigmoid.py": 'NAME = "\udcff"\n'}, status=Status.ERROR),
    # CPython ignores non-UTF-8 bytes in comments, so the grader does: the file is graded
    Case("not UTF-8 in a comment", {"sigmoid.py": "# \udcff\ndef sigmoid(x):\n    return x\n"}),
    Case("missing function", {"sigmoid.py": "def sigma(x):\n    return x\n"}),
    Case("wrong signature", {"sigmoid.py": "def sigmoid():\n    return 0.5\n"}),
    Case("missing file", {"sigmoid.py": None}, status=Status.NOT_STARTED),  # type: ignore[dict-item]
]


def snapshot(folder: Path) -> dict[str, str]:
    """Return every entry under `folder` with a hash of its content (or its kind)."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        if path.is_symlink():
            entries[relative] = "link:" + os.readlink(path)
        elif path.is_fifo():
            entries[relative] = "fifo"
        elif path.is_file():
            entries[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            entries[relative] = "dir"
    return entries


def _plant(folder: Path, files: dict[str, str | None]) -> None:
    for name, text in files.items():
        path = folder / name
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", errors="surrogateescape"))


def _scores(report: Report) -> dict[str, tuple[int, int]]:
    return {item.id: (item.score, item.max_score) for item in report.items}


# The portable backend runs every case that needs no kernel confinement; the others would act
# on this machine for real (kill the grading process, delete files, read the solutions).
BACKEND_CASES = [
    pytest.param(case, backend, id=f"{case.id}-{backend}")
    for case in CASES
    for backend in BACKENDS
    if backend == "linux" or not case.linux_only
]


@pytest.mark.parametrize(("case", "backend"), BACKEND_CASES)
def test_hostile_submission(case: Case, backend: str, grader: Grader, workspace: Path) -> None:
    _plant(workspace, case.files)
    before = snapshot(workspace)
    report = grader.grade(workspace)
    assert report.sandbox.backend == backend
    assert snapshot(workspace) == before, "grading changed the student's folder"
    scores = _scores(report)
    target_score, target_max = scores.pop(case.target)
    if case.earns is not None:
        expected = target_max if case.earns == FULL else case.earns
        assert target_score == expected, _explain(report, case.target)
    for item_id, (score, max_score) in scores.items():
        assert score == max_score, f"{item_id} lost points: {_explain(report, item_id)}"
    if case.status is not None:
        item = next(item for item in report.items if item.id == case.target)
        assert item.status is case.status, _explain(report, case.target)


def _explain(report: Report, item_id: str) -> str:
    item = next(item for item in report.items if item.id == item_id)
    lines = [f"{item.id}: {item.score}/{item.max_score} {item.status}"]
    lines += [f"  {test.status}: {test.name}: {test.message[:300]}" for test in item.tests]
    return "\n".join(lines)


def _descendants(root: int) -> set[int]:
    children: dict[int, set[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), set()).add(int(entry))
    found, frontier = set(), {root}
    while frontier:
        frontier = set().union(*(children.get(pid, set()) for pid in frontier)) - found
        found |= frontier
    return found


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_process_outlives_grading(course, backend: str, workspace: Path, tmp_path: Path) -> None:
    lingering = next(case for case in CASES if "lingering" in case.id)
    _plant(workspace, lingering.files)
    marker = tmp_path / "grandchild.pid"
    if backend == "portable":  # nothing stops a process there: it must die with its worker
        spawn = f"""
            import subprocess, sys
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
            open({str(marker)!r}, "w").write(str(child.pid))
            """
        source = (workspace / "sigmoid.py").read_text()
        (workspace / "sigmoid.py").write_text(_code(spawn) + source)
    already = _descendants(os.getpid())  # e.g. the session's warm grader
    with Grader(course) as fresh:
        report = fresh.grade(workspace, ["sigmoid"])
        assert report.items[0].score == report.items[0].max_score, _explain(report, "sigmoid")
        if backend == "linux":  # the zygote stays up; portable workers end with the submission
            assert _descendants(os.getpid()) - already, "the sandbox should run while grading"
    assert not _descendants(os.getpid()) - already
    if backend == "portable":
        grandchild = int(marker.read_text())
        deadline = time.monotonic() + 5
        while _alive(grandchild) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(grandchild), "a process started by student code outlived grading"


def _alive(pid: int) -> bool:
    """Tell whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


ANSWERS = (ROOT / "solutions" / "answers.yaml").read_text()
EVERY_QUIZ = "every quiz"


def _answers_with(line: str, replace: str = "relu_output: 1.5") -> str:
    assert replace in ANSWERS
    return ANSWERS.replace(replace, line)


ANSWER_CASES = [
    # (id, answers.yaml text, the quizzes that must earn 0: one id, or EVERY_QUIZ).
    # A problem costs only the quizzes it touches: a bad line costs its own quiz, a bad line
    # that is no quiz's costs nothing (it is a note), an unreadable file costs every quiz.
    (
        "python tag",
        _answers_with('relu_output: !!python/object/apply:os.system ["true"]'),
        "relu_output",
    ),
    (
        "billion laughs",
        'a: &a ["lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\n'
        "c: [*b,*b,*b,*b,*b,*b,*b,*b]\n" + ANSWERS,
        None,
    ),
    ("duplicate key", ANSWERS + "relu_output: 1.5\n", "relu_output"),
    ("NaN", _answers_with("relu_output: .nan"), "relu_output"),
    ("infinity", _answers_with("relu_output: -.inf"), "relu_output"),
    ("boolean", _answers_with("relu_output: true"), "relu_output"),
    ("list", _answers_with("relu_output: [1.5]"), "relu_output"),
    ("words", _answers_with("relu_output: one and a half"), "relu_output"),
    ("quoted number counts", _answers_with("relu_output: '1.5'"), None),
    ("exponent string counts", _answers_with("relu_output: 1.5e0"), None),
    ("huge file", ANSWERS + "#" * (1 << 20) + "\n", EVERY_QUIZ),
    ("not a mapping", "- 1.5\n- 2\n", EVERY_QUIZ),
    ("binary garbage", "\x00\xff\xfe" * 100, EVERY_QUIZ),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("text", "loses"), [case[1:] for case in ANSWER_CASES], ids=[case[0] for case in ANSWER_CASES]
)
def test_hostile_answers(text: str, loses: str | None, grader: Grader, workspace: Path) -> None:
    (workspace / "answers.yaml").write_bytes(text.encode("utf-8", errors="surrogateescape"))
    before = snapshot(workspace)
    report = grader.grade(workspace)
    assert snapshot(workspace) == before
    for item in report.items:
        zero = item.kind != "code" and (loses == EVERY_QUIZ or item.id == loses)
        expected = 0 if zero else item.max_score
        assert item.score == expected, _explain(report, item.id)
        if zero and item.status is not Status.NOT_STARTED:  # nothing usable: not answered
            assert item.status is Status.ERROR, _explain(report, item.id)
            assert item.tests[0].message.startswith("answers.yaml"), item.tests[0].message
    if loses == EVERY_QUIZ or "&a" in text:
        assert report.notes, "a problem no quiz pays for is still said, once"

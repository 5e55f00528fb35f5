"""Student code cannot change files, start processes, reach the network or outlive grading."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from grader.sandbox import Limits, Sandbox, SandboxError, sandbox_features
from grader.sandbox.linux import LinuxSandbox
from grader.sandbox.outcomes import Raised, Returned, Unavailable

TEST_LIMITS = Limits(call_timeout=1.0, import_timeout=2.0, output_bytes=4096)


HOSTILE = """
    import os, socket, subprocess, sys

    def write_cwd():
        with open("out.txt", "w") as fh:
            fh.write("x")

    def write_tmp():
        with open("/tmp/grader-sandbox-escape.txt", "w") as fh:
            fh.write("x")

    def append_own_file():
        with open(__file__, "a") as fh:
            fh.write("x")

    def delete_own_file():
        os.remove(__file__)

    def make_dir():
        os.mkdir("/tmp/grader-sandbox-dir")

    def rename_own_file():
        os.rename(__file__, __file__ + ".bak")

    def write_folder(folder):
        with open(os.path.join(folder, "sigmoid.py"), "w") as fh:
            fh.write("pwned")

    def delete_folder_file(folder):
        os.remove(os.path.join(folder, "sigmoid.py"))

    def chmod_folder(folder):
        os.chmod(folder, 0o777)

    def symlink_in_tmp():
        os.symlink("/etc/passwd", "/tmp/grader-sandbox-link")

    def fork():
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        return pid

    def run_true():
        return subprocess.run(["true"]).returncode

    def open_socket():
        return socket.socket()

    def connect_out():
        return socket.create_connection(("127.0.0.1", 9), timeout=0.2)

    def exec_shell():
        os.execv("/bin/sh", ["sh", "-c", "true"])

    def read_only_is_fine():
        with open(__file__) as fh:
            return len(fh.read()) > 0

    def whoami():
        return os.getuid(), os.getgid(), os.getgroups()

    def where():
        return os.getcwd(), sys.path[-1], sys.dont_write_bytecode

    def parent_memory():
        with open(f"/proc/{os.getppid()}/mem", "rb") as fh:
            return len(fh.read(1))
"""


@pytest.fixture
def need_seccomp(features: dict[str, bool]) -> None:
    """Skip where this machine cannot install the seccomp filter."""
    if not features.get("seccomp"):
        pytest.skip("seccomp is not available here")


@pytest.mark.parametrize(
    "function",
    [
        "write_cwd",
        "write_tmp",
        "append_own_file",
        "delete_own_file",
        "make_dir",
        "rename_own_file",
        "symlink_in_tmp",
    ],
)
def test_files_cannot_be_changed(submit, function: str) -> None:
    sub = submit({"m.py": HOSTILE})
    outcome = sub.call("m", function)
    assert isinstance(outcome, Raised) and outcome.type_name == "PermissionError", outcome
    assert sub.call("m", "read_only_is_fine").value is True
    for leftover in ("/tmp/grader-sandbox-escape.txt", "/tmp/grader-sandbox-dir"):
        assert not os.path.lexists(leftover)
    assert not os.path.lexists("/tmp/grader-sandbox-link")


@pytest.mark.parametrize("function", ["write_folder", "delete_folder_file", "chmod_folder"])
def test_student_folder_is_untouched(submit, digest, tmp_path: Path, function: str) -> None:
    sub = submit({"m.py": HOSTILE, "sigmoid.py": "x = 1\n", "notes.txt": "hi"})
    folder = tmp_path / "student0"
    before = digest(folder)
    outcome = sub.call("m", function, (str(folder),))
    assert isinstance(outcome, Raised) and outcome.type_name == "PermissionError", outcome
    sub.close()
    assert digest(folder) == before


def test_opening_and_grading_leave_the_folder_unchanged(sandbox, digest, tmp_path: Path) -> None:
    (tmp_path / "sigmoid.py").write_text("def sigmoid(z):\n    return z\n")
    (tmp_path / "conftest.py").write_text("raise SystemExit('must never be read')\n")
    before = digest(tmp_path)
    with sandbox.open(tmp_path, ["sigmoid.py", "missing.py"]) as sub:
        assert sub.call("sigmoid", "sigmoid", (1,)).value == 1
        copy = sub.directory
        assert not copy.startswith(str(tmp_path))
        assert sorted(os.listdir(copy)) == ["sigmoid.py"]
        assert oct(os.stat(copy).st_mode & 0o777) == "0o755"
        assert oct(os.stat(os.path.join(copy, "sigmoid.py")).st_mode & 0o777) == "0o644"
    assert not os.path.exists(copy)
    assert digest(tmp_path) == before


@pytest.mark.parametrize("function", ["fork", "run_true", "exec_shell"])
def test_no_new_processes(submit, need_seccomp, function: str) -> None:
    sub = submit({"m.py": HOSTILE})
    outcome = sub.call("m", function)
    assert isinstance(outcome, Raised), outcome
    assert outcome.type_name in ("PermissionError", "BlockingIOError", "OSError"), outcome


@pytest.mark.parametrize("function", ["open_socket", "connect_out"])
def test_no_network(submit, need_seccomp, function: str) -> None:
    sub = submit({"m.py": HOSTILE})
    outcome = sub.call("m", function)
    assert isinstance(outcome, Raised) and outcome.type_name == "PermissionError", outcome


def test_runs_unprivileged(submit, features) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can drop to nobody")
    assert features["dropped_privileges"]
    sub = submit({"m.py": HOSTILE})
    uid, gid, groups = sub.call("m", "whoami").value
    assert groups == [] and uid == gid and uid != 0
    separation = features["separation"]
    assert separation["identity"] in ("per_worker_uid", "nobody")
    if separation["identity"] == "per_worker_uid":  # a uid of its own: UID_BASE + its pid
        assert uid == (1 << 28) + sub.worker_pids()[0]
    else:
        assert uid == 65534
    memory = sub.call("m", "parent_memory")
    assert isinstance(memory, Raised) and memory.type_name == "PermissionError"


def test_working_directory_and_path(submit) -> None:
    sub = submit({"m.py": HOSTILE})
    cwd, last_path, no_bytecode = sub.call("m", "where").value
    assert cwd == sub.directory == last_path
    assert no_bytecode is True
    assert not os.path.exists(os.path.join(sub.directory, "__pycache__"))


def test_numpy_py_in_the_folder_is_ignored(submit) -> None:
    sub = submit(
        {
            "numpy.py": "raise SystemExit('fake numpy')\n",
            "pytest.py": "raise SystemExit('fake pytest')\n",
            "sigmoid.py": "import numpy as np\n"
            "def sigmoid(z):\n    return float(1 / (1 + np.exp(-z)))\n",
        },
        expected=["sigmoid.py"],
    )
    assert sub.call("sigmoid", "sigmoid", (0.0,)).value == 0.5


def test_expected_file_cannot_shadow_numpy(submit) -> None:
    sub = submit(
        {
            "numpy.py": "BOGUS = True\n",
            "m.py": "import numpy\ndef f():\n    return hasattr(numpy, 'BOGUS')\n",
        }
    )
    assert sub.call("m", "f").value is False


def test_symlink_is_refused(submit, tmp_path: Path) -> None:
    target = tmp_path / "real.py"
    target.write_text("def sigmoid(z):\n    return z\n")
    folder = tmp_path / "student0"
    sub = submit({"other.py": "x = 1\n"}, expected=["sigmoid.py"])
    (folder / "sigmoid.py").symlink_to(target)  # too late for this submission: it is missing
    assert sub.call("sigmoid", "sigmoid", (1,)).not_started
    sub2 = submit({}, expected=["sigmoid.py"])
    (tmp_path / "student1" / "sigmoid.py").symlink_to(target)
    # A fresh open sees the symlink.
    again = sub2._sandbox.open(tmp_path / "student1", ["sigmoid.py"])
    try:
        outcome = again.call("sigmoid", "sigmoid", (1,))
        assert isinstance(outcome, Unavailable) and not outcome.not_started
        assert outcome.reason == "sigmoid.py is a symbolic link; submit the file itself"
    finally:
        again.close()


def _open_special(sandbox: Sandbox, folder: Path, make) -> Unavailable:  # noqa: ANN001
    """Create a special file named sigmoid.py and open it, checking that nothing hangs."""
    folder.mkdir()
    make(folder / "sigmoid.py")
    start = time.monotonic()
    with sandbox.open(folder, ["sigmoid.py"]) as sub:
        outcome = sub.call("sigmoid", "sigmoid", (1,))
    assert time.monotonic() - start < 5
    assert isinstance(outcome, Unavailable)
    return outcome


def test_fifo_directory_and_symlink_loops_are_refused(sandbox, tmp_path: Path) -> None:
    fifo = _open_special(sandbox, tmp_path / "a", os.mkfifo)
    assert fifo.reason == "sigmoid.py is not a regular file" and not fifo.not_started
    directory = _open_special(sandbox, tmp_path / "b", os.mkdir)
    assert directory.reason == "sigmoid.py is not a regular file"
    loop = _open_special(sandbox, tmp_path / "c", lambda p: p.symlink_to(p))
    assert "symbolic link" in loop.reason
    dangling = _open_special(sandbox, tmp_path / "d", lambda p: p.symlink_to("/nonexistent"))
    assert "symbolic link" in dangling.reason


def test_fifos_elsewhere_in_the_folder_are_never_opened(sandbox, tmp_path: Path) -> None:
    for name in ("conftest.py", "numpy.py", "pytest.ini", "pyproject.toml", "__init__.py"):
        os.mkfifo(tmp_path / name)
    (tmp_path / "sigmoid.py").write_text("def sigmoid(z):\n    return 2 * z\n")
    start = time.monotonic()
    with sandbox.open(tmp_path, ["sigmoid.py"]) as sub:
        assert sub.call("sigmoid", "sigmoid", (2,)).value == 4
    assert time.monotonic() - start < 5


def test_non_utf8_file(submit) -> None:
    sub = submit({"sigmoid.py": b'NAME = "caf\xe9"\ndef sigmoid(z):\n    return z\n'})
    outcome = sub.call("sigmoid", "sigmoid", (1,))
    assert outcome == Unavailable(
        reason="sigmoid.py:1: byte 0xe9 is not valid UTF-8; save the file as UTF-8 or add"
        " '# -*- coding: cp1252 -*-' on line 1"
    )


def test_file_too_large(sandbox, tmp_path: Path) -> None:
    (tmp_path / "sigmoid.py").write_bytes(b"#" * (TEST_LIMITS.file_bytes + 1))
    with sandbox.open(tmp_path, ["sigmoid.py"]) as sub:
        outcome = sub.call("sigmoid", "sigmoid", (1,))
    assert isinstance(outcome, Unavailable) and "too large" in outcome.reason


def test_missing_file_is_not_started_for_every_call(submit) -> None:
    sub = submit({}, expected=["sigmoid.py"])
    for outcome in (
        sub.call("sigmoid", "sigmoid", (1,)),
        sub.get("sigmoid", "X"),
        sub.has("sigmoid", "sigmoid"),
    ):
        assert outcome == Unavailable(reason="sigmoid.py is missing", not_started=True)


def test_bad_expected_names_are_caller_errors(sandbox, tmp_path: Path) -> None:
    for names in (["../x.py"], ["a/b.py"], [".hidden.py"], ["x.txt"]):
        with pytest.raises(ValueError):
            sandbox.open(tmp_path, names)


def test_close_ends_every_process(tmp_path: Path, alive) -> None:
    (tmp_path / "a.py").write_text("import os\ndef pid():\n    return os.getpid()\n")
    (tmp_path / "b.py").write_text("import os\ndef pid():\n    return os.getpid()\n")
    sandbox = Sandbox(TEST_LIMITS)
    sub = sandbox.open(tmp_path, ["a.py", "b.py"])
    other = sandbox.open(tmp_path, ["a.py"])
    pids = [sub.call("a", "pid").value, sub.call("b", "pid").value, other.call("a", "pid").value]
    zygote = sandbox._state.zygote
    assert zygote is not None
    pids.append(zygote.proc.pid)
    directories = [sub.directory, other.directory]
    assert all(alive(pid) for pid in pids)
    sandbox.close()
    sandbox.close()  # idempotent
    assert not any(alive(pid) for pid in pids)
    assert not any(os.path.exists(d) for d in directories)
    with pytest.raises(SandboxError):
        sub.call("a", "pid")
    with pytest.raises(SandboxError):
        sandbox.open(tmp_path, ["a.py"])


def test_sandbox_survives_its_zygote_dying(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    return 1\n")
    with Sandbox(TEST_LIMITS) as sandbox:
        with sandbox.open(tmp_path, ["a.py"]) as sub:
            assert sub.call("a", "f").value == 1
            zygote = sandbox._state.zygote
            assert zygote is not None
            zygote.proc.kill()
            zygote.proc.wait()
            outcome = sub.call("a", "f")  # its worker died with the zygote
            assert not isinstance(outcome, Returned) or outcome.value == 1
        with sandbox.open(tmp_path, ["a.py"]) as sub:
            assert sub.call("a", "f").value == 1


def test_a_zygote_that_cannot_spawn_is_replaced(tmp_path: Path) -> None:
    """A live zygote whose file limit was lowered (it can no longer fork a worker) is replaced."""
    import resource

    (tmp_path / "a.py").write_text("def f():\n    return 1\n")
    with Sandbox(TEST_LIMITS) as sandbox:
        sandbox.features()
        zygote = sandbox._state.zygote
        assert zygote is not None
        resource.prlimit(zygote.proc.pid, resource.RLIMIT_NOFILE, (3, 3))
        with sandbox.open(tmp_path, ["a.py"]) as sub:
            assert sub.call("a", "f").value == 1
        assert sandbox._state.zygote is not zygote
        assert zygote.proc.poll() is not None  # the old one was ended, not leaked


def test_sandbox_features_reports_enforcement() -> None:
    features = sandbox_features()
    assert features["separate_process"] and features["wall_clock_timeouts"]
    assert features["memory_limit"] and features["output_limit"]
    if os.geteuid() == 0:
        assert features["dropped_privileges"]
    assert features["network_blocked"] == features["seccomp"]


def test_many_submissions_through_one_sandbox(sandbox, tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def f(x):\n    return x + 1\n")
    for i in range(30):
        with sandbox.open(tmp_path, ["m.py"]) as sub:
            assert sub.call("m", "f", (i,)).value == i + 1
    assert len([k for k, f in sandbox._state.cleanups.items() if f.alive]) <= 1


READER = """
    import os

    def read(path):
        with open(path, "rb") as fh:
            return len(fh.read())

    def listdir(path):
        return sorted(os.listdir(path))

    def exists(path):
        return os.path.exists(path)

    def pid():
        return os.getpid()

    def lazy_imports():
        import fractions, statistics, heapq, numpy.polynomial
        return float(statistics.mean([fractions.Fraction(1, 2), 1]))
"""


def test_private_filesystem_shows_only_the_copy(submit, features, tmp_path: Path) -> None:
    if not features.get("private_filesystem"):
        pytest.skip("no private filesystem here")
    import sys

    import grader

    sub = submit({"m.py": READER, "secret.txt": "s"})
    other = submit({"m.py": "x = 1\n"})
    repo = Path(grader.__file__).resolve().parent.parent
    hidden = [
        tmp_path / "student0" / "m.py",
        tmp_path / "student0" / "secret.txt",
        tmp_path,
        Path(other.directory) / "m.py",
        Path(grader.__file__),
        repo / "grader",
        Path(__file__),
        Path("/etc/passwd"),
        Path("/home"),
    ]
    for path in hidden:
        assert sub.call("m", "exists", (str(path),)).value is False, path
    for entry in sys.path:  # an installed grader package is covered by an empty directory
        if entry and Path(entry, "grader").is_dir():
            listing = sub.call("m", "listdir", (str(Path(entry, "grader")),))
            assert listing == Returned([]) or listing.type_name == "FileNotFoundError", listing
    assert sub.call("m", "read", (os.path.join(sub.directory, "m.py"),)).value > 0
    parent = os.path.dirname(sub.directory)
    interpreter = {  # the interpreter's own folders may live beside the copy (a venv in /tmp)
        Path(p).resolve().relative_to(parent).parts[0]
        for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path)
        if p and Path(p).resolve().is_relative_to(parent)
    }
    listing = sub.call("m", "listdir", (parent,))
    if isinstance(listing, Raised):  # Landlock: the folder above the copy is not readable
        assert listing.type_name == "PermissionError", listing
    else:
        assert set(listing.value) - interpreter == {os.path.basename(sub.directory)}
    assert sub.call("m", "lazy_imports").value == 0.75


def test_other_workers_are_out_of_reach(submit) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can drop to nobody")
    first = submit({"m.py": READER})
    second = submit({"m.py": READER})
    other_pid = second.call("m", "pid").value
    for path in (f"/proc/{other_pid}/root{second.directory}/m.py", f"/proc/{other_pid}/mem"):
        outcome = first.call("m", "read", (path,))
        assert isinstance(outcome, Raised) and outcome.type_name == "PermissionError", outcome


class _FallbackSandbox(LinuxSandbox):
    _private_root = False


def test_fallback_filesystem_view_still_works(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(READER.replace("\n    ", "\n"))
    with _FallbackSandbox(TEST_LIMITS) as sandbox, sandbox.open(tmp_path, ["m.py"]) as sub:
        assert sandbox.features()["private_filesystem"] is False
        assert sub.call("m", "lazy_imports").value == 0.75
        assert sub.call("m", "exists", ("/etc/passwd",)).value is True  # not hidden here
        outcome = sub.call("m", "listdir", ("/proc/self/fd",))
        assert isinstance(outcome, Returned)


def test_landlock_confines_the_fallback_view(tmp_path: Path) -> None:
    """Without a private root (e.g. not root), Landlock still keeps reads in bounds."""
    from grader.sandbox.child.confine import landlock_abi

    if landlock_abi() <= 0:
        pytest.skip("Landlock is not available on this kernel")
    import grader

    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "m.py").write_text(READER.replace("\n    ", "\n"))
    (tmp_path / "solution.py").write_text("SECRET = 1\n")
    os.chmod(tmp_path, 0o755)
    repo = Path(grader.__file__).resolve().parent.parent
    with _FallbackSandbox(TEST_LIMITS) as sandbox, sandbox.open(folder, ["m.py"]) as sub:
        features = sandbox.features()
        assert features["private_filesystem"] is False and features["landlock"] is True
        for path in (tmp_path / "solution.py", folder / "m.py", repo / "README.md"):
            outcome = sub.call("m", "read", (str(path),))
            assert isinstance(outcome, Raised), (path, outcome)
            assert outcome.type_name == "PermissionError", (path, outcome)
        assert sub.call("m", "lazy_imports").value == 0.75  # the interpreter stays readable
        assert sub.call("m", "read", (os.path.join(sub.directory, "m.py"),)).value > 0


def test_sandbox_made_in_a_short_lived_thread(tmp_path: Path) -> None:
    import threading

    (tmp_path / "m.py").write_text("def f():\n    return 7\n")
    made: list[Sandbox] = []
    thread = threading.Thread(target=lambda: made.append(Sandbox(TEST_LIMITS)))
    thread.start()
    thread.join()
    with made[0] as sandbox, sandbox.open(tmp_path, ["m.py"]) as sub:
        zygote = sandbox._state.zygote
        time.sleep(0.3)
        assert sub.call("m", "f").value == 7
        assert sandbox._state.zygote is zygote  # the first zygote survived its creator thread


def test_parent_death_signal_cannot_be_cleared(submit, need_seccomp) -> None:
    sub = submit(
        {
            "m.py": """
                import ctypes
                def clear():
                    libc = ctypes.CDLL(None, use_errno=True)
                    return libc.prctl(1, 0, 0, 0, 0), ctypes.get_errno()
            """
        }
    )
    assert sub.call("m", "clear").value == (-1, 1)


def test_worker_holds_only_its_socket_and_output(submit, features) -> None:
    sub = submit(
        {
            "m.py": """
                import os, stat
                def fds():
                    kinds = {}
                    for name in os.listdir("/proc/self/fd"):
                        try:
                            mode = os.fstat(int(name)).st_mode
                        except OSError:
                            continue  # the listing's own fd
                        kinds[name] = (
                            "socket" if stat.S_ISSOCK(mode)
                            else "dir" if stat.S_ISDIR(mode)
                            else "file" if stat.S_ISREG(mode)
                            else "char" if stat.S_ISCHR(mode)
                            else "other"
                        )
                    return kinds
                def memfd():
                    return os.readlink("/proc/self/fd/1"), os.readlink("/proc/self/fd/2")
            """
        }
    )
    kinds = sub.call("m", "fds").value
    assert kinds.pop("0") == "char"  # /dev/null
    assert kinds.pop("1") == "file" and kinds.pop("2") == "file"  # the output memfd
    if not features["private_filesystem"]:  # the fallback keeps interpreter directory fds
        kinds = {fd: kind for fd, kind in kinds.items() if kind != "dir"}
    assert sorted(kinds.values()) == ["socket"]
    out, err = sub.call("m", "memfd").value
    assert out == err and out.startswith("/memfd:grader-output")  # one file, emptied per request

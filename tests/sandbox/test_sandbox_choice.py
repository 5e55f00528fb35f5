"""Which backend runs: Linux where its kernel features exist, portable elsewhere, or forced.

The portable path is proven here on Linux by hiding the Linux-only APIs (os.fork,
os.memfd_create, os.pidfd_open, socket.SOCK_SEQPACKET, the resource module, libc's prctl)
in child interpreters: the grader must choose the portable backend by itself, import, and
grade a workspace to the same scores as the Linux backend.
"""

from __future__ import annotations

import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from grade_cli_support import EXERCISES, SOLUTIONS, clean_env  # loaded by tests/conftest.py

import grader
from grader.sandbox import Limits, Sandbox, SandboxError, make_sandbox, sandbox_features
from grader.sandbox.choice import RefusedSandbox, choose, linux_missing
from grader.sandbox.linux import LinuxSandbox
from grader.sandbox.outcomes import Returned
from grader.sandbox.portable import PortableSandbox

# Run first in a child interpreter: what a macOS or Windows Python lacks, taken away.
HIDE_LINUX = r"""
import ctypes, os, socket, sys
for _name in ("fork", "forkpty", "memfd_create", "pidfd_open"):
    if hasattr(os, _name):
        delattr(os, _name)
del socket.SOCK_SEQPACKET
sys.modules.pop("resource", None)

class _NoResource:
    def find_spec(self, name, path=None, target=None):
        if name == "resource":
            raise ModuleNotFoundError("No module named 'resource'", name=name)
        return None

sys.meta_path.insert(0, _NoResource())

class _NoPrctl(ctypes.CDLL):
    def __getattr__(self, name):
        if name == "prctl":
            raise AttributeError(name)
        return super().__getattr__(name)

ctypes.CDLL = _NoPrctl
"""

CHECK_HIDDEN = r"""
import ctypes, os, socket
assert not hasattr(os, "fork") and not hasattr(socket, "SOCK_SEQPACKET")
try:
    import resource
    raise SystemExit("resource still imports")
except ImportError:
    pass
try:
    ctypes.CDLL(None).prctl
    raise SystemExit("prctl still there")
except AttributeError:
    pass
"""


def _child(code: str, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``code`` after HIDE_LINUX in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-c", HIDE_LINUX + CHECK_HIDDEN + code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def _run_grade(argv: list[str]) -> str:
    """Return code that runs `grade ARGV` as ``python -m grader`` would."""
    return (
        f"import runpy, sys\nsys.argv = {argv!r}\nrunpy.run_module('grader', run_name='__main__')"
    )


def _grade_json(folder: Path, home: Path, *, hidden: bool, backend: str | None) -> dict:
    """Run `grade check --json` (plain, or in a child without the Linux-only APIs)."""
    report = folder.parent / f"report-{hidden}-{backend}.json"
    extra = {"GRADE_SANDBOX": backend} if backend else {}
    env = clean_env(home, extra)
    argv = ["grade", "check", "--json", str(report)]
    if hidden:
        done = _child(_run_grade(argv), cwd=folder, env=env)
    else:
        done = subprocess.run(
            [sys.executable, "-m", "grader", *argv[1:]],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(report.read_text(encoding="utf-8"))


def _workspace(tmp_path: Path) -> Path:
    """Return a workspace with a mix of right, wrong and missing work."""
    folder = tmp_path / "ws"
    shutil.copytree(SOLUTIONS, folder)
    wrong = EXERCISES / "sigmoid" / "wrong" / "exp_sign.py"
    shutil.copyfile(wrong, folder / "sigmoid.py")
    (folder / "relu.py").unlink()
    return folder


def _scores(data: dict) -> dict[str, tuple[int, int, str]]:
    return {
        item["id"]: (item["score"], item["max_score"], item["status"]) for item in data["exercises"]
    }


def test_without_the_linux_apis_grade_chooses_portable_and_scores_the_same(tmp_path: Path) -> None:
    folder = _workspace(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    linux = _grade_json(folder, home, hidden=False, backend=None)
    portable = _grade_json(folder, home, hidden=True, backend=None)
    identity = sandbox_features()["separation"]["identity"]  # type: ignore[index]
    assert identity in ("per_worker_uid", "nobody", "user_namespace", "grader_user")
    assert linux["sandbox"] == {"backend": "linux", "confined": True, "separation": identity}
    assert portable["sandbox"] == {"backend": "portable", "confined": False}
    assert _scores(portable) == _scores(linux)
    assert 0 < portable["score"] < portable["max_score"]
    forced = _child(
        _run_grade(["grade", "check"]), cwd=folder, env=clean_env(home, {"GRADE_SANDBOX": "linux"})
    )
    assert forced.returncode == 2, forced.stderr
    assert "GRADE_SANDBOX=linux, but this system lacks os.fork" in forced.stderr
    assert len(forced.stderr.strip().splitlines()) == 1, forced.stderr


def test_every_grader_module_imports_without_the_linux_apis(tmp_path: Path) -> None:
    names = sorted(
        info.name
        for info in pkgutil.walk_packages(grader.__path__, "grader.")
        if not info.name.endswith("__main__")
    )
    assert "grader.sandbox.portable" in names and "grader.sandbox.child.worker" in names
    code = (
        "import importlib, json\n"
        f"names = {names!r}\n"
        "failed = {}\n"
        "for name in names:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed[name] = repr(exc)\n"
        "from grader.sandbox.choice import backend_class, linux_missing\n"
        "print(json.dumps({'failed': failed, 'backend': backend_class().__name__,"
        " 'missing': list(linux_missing())}))\n"
    )
    done = _child(code, cwd=tmp_path, env=clean_env(tmp_path))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["failed"] == {}
    assert result["backend"] == "PortableSandbox"
    assert {"os.fork", "os.memfd_create", "socket.SOCK_SEQPACKET", "the resource module"} <= set(
        result["missing"]
    )
    assert "libc prctl" in result["missing"]


class _HiddenPortable(PortableSandbox):
    """A portable sandbox whose workers run without the Linux-only APIs too."""

    def _command(self) -> list[str]:
        real = super()._command()
        start = f"import runpy, sys\nsys.argv = {real[3:]!r}\n"
        start += "runpy.run_path(sys.argv[0], run_name='__main__')"
        return [sys.executable, "-I", "-B", "-c", HIDE_LINUX + CHECK_HIDDEN + start]


def test_the_portable_worker_needs_none_of_the_linux_apis(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def f(x):\n    print('hi')\n    return [x, x]\n")
    with _HiddenPortable(Limits()) as sandbox, sandbox.open(tmp_path, ["m.py"]) as sub:
        assert sub.call("m", "f", (2,)) == Returned([2, 2], output="hi\n")
        assert sandbox.features()["memory_limit"] is False  # no resource module: said so


def test_the_choice_follows_the_system_and_grade_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADE_SANDBOX", raising=False)
    assert linux_missing() == ()  # this suite runs on Linux, where the kernel backend works
    assert choose() == ("linux", "")
    with Sandbox(Limits()) as default:
        assert type(default) is LinuxSandbox and default.info == {
            "backend": "linux",
            "confined": True,
        }
    monkeypatch.setenv("GRADE_SANDBOX", "portable")
    with make_sandbox(Limits()) as forced, Sandbox(Limits()) as also:
        assert type(forced) is PortableSandbox and type(also) is PortableSandbox
    monkeypatch.setenv("GRADE_SANDBOX", "linux")
    with make_sandbox(Limits()) as linux:
        assert type(linux) is LinuxSandbox


def test_an_unknown_or_impossible_choice_is_one_clear_refusal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRADE_SANDBOX", "docker")
    with make_sandbox(Limits()) as refused:
        assert type(refused) is RefusedSandbox
        with pytest.raises(SandboxError, match="^GRADE_SANDBOX must be 'linux' or 'portable'"):
            refused.open(tmp_path, [])
    monkeypatch.setenv("GRADE_SANDBOX", "linux")
    monkeypatch.setattr("grader.sandbox.choice.linux_missing", lambda: ("os.fork",))
    with make_sandbox(Limits()) as impossible, pytest.raises(SandboxError) as caught:
        impossible.open(tmp_path, [])
    assert str(caught.value) == (
        "GRADE_SANDBOX=linux, but this system lacks os.fork; unset it to use 'portable'"
    )


def test_grade_with_an_unknown_backend_says_so_in_one_line(tmp_path: Path) -> None:
    folder = _workspace(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check"],
        cwd=folder,
        env=clean_env(tmp_path, {"GRADE_SANDBOX": "wsl"}),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "GRADE_SANDBOX must be 'linux' or 'portable'" in lines[0], lines
    assert "Traceback" not in done.stderr

"""Run the real `grade` command on real workspaces, in a clean environment.

Loaded by tests/cli/conftest.py and tests/ci/conftest.py as the module `grade_cli_support`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
# The engine and CLI tests grade the small fixture course, so the real course's lessons can
# change without churning them; tests about the real course say so with REAL_COURSE.
EXERCISES = TESTS / "fixture_course"
SOLUTIONS = TESTS / "fixture_solutions"
REAL_COURSE = ROOT / "exercises"
REAL_SOLUTIONS = ROOT / "solutions"
GOLDEN = Path(__file__).parent / "golden"
# The grader of the interpreter under test, never whatever `grade` is first on PATH.
GRADE = [sys.executable, "-m", "grader"]
BIN_DIR = str(Path(sys.executable).parent)  # that interpreter's own scripts (its `grade`)

SUBSET = ["weighted_sum", "sigmoid", "relu", "relu_output", "sigmoid_minus_one"]
PARTIAL_ANSWERS = {"relu_output": "1.5", "sigmoid_minus_one": "0.5"}


_WINDOWS_ESSENTIALS = ("SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "TEMP", "TMP")


def clean_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return a minimal environment: this interpreter's scripts first on PATH, HOME in a temp
    dir, the fixture course, no CI or colour variables."""
    env = {
        "PATH": os.pathsep.join([BIN_DIR, os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "GRADE_COURSE_DIR": str(EXERCISES),
    }
    for key in ("TMPDIR", "GRADE_SANDBOX"):  # GRADE_SANDBOX: tests run on both backends
        if key in os.environ:
            env[key] = os.environ[key]
    if os.name == "nt":  # Python and numpy need these to start; the home stays the temp one
        env |= {name: os.environ[name] for name in _WINDOWS_ESSENTIALS if name in os.environ}
        env["USERPROFILE"] = str(home)
    env.update(extra or {})
    return env


def grade(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run `grade ARGS` (this interpreter's) in `cwd`; return the finished process, as text."""
    home = cwd.parent / ".home"
    home.mkdir(exist_ok=True)
    return subprocess.run(
        [*GRADE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=clean_env(home, env),
    )


def init_workspace(folder: Path, *args: str) -> Path:
    """Create a workspace with the real `grade init`."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    done = grade("init", folder.name, *args, cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    return folder


def make_stub(folder: Path) -> Path:
    """Return a fresh workspace straight from `grade init`."""
    return init_workspace(folder)


def answer(folder: Path, answers: Mapping[str, str]) -> None:
    """Fill in quiz answers in the workspace's answers.yaml, as a student would."""
    path = folder / "answers.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    for key, value in answers.items():
        lines[lines.index(f"{key}:")] = f"{key}: {value}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_partial(folder: Path) -> Path:
    """Return a workspace with one reference, one known-wrong file and two quiz answers."""
    init_workspace(folder)
    shutil.copyfile(SOLUTIONS / "weighted_sum.py", folder / "weighted_sum.py")
    shutil.copyfile(EXERCISES / "sigmoid" / "wrong" / "exp_sign.py", folder / "sigmoid.py")
    answer(folder, PARTIAL_ANSWERS)
    return folder


def make_complete(folder: Path) -> Path:
    """Return a workspace holding every reference solution and quiz answer."""
    init_workspace(folder)
    for path in SOLUTIONS.iterdir():
        if path.is_file():
            shutil.copyfile(path, folder / path.name)
    return folder


MAKERS = {"stub": make_stub, "partial": make_partial, "complete": make_complete}


def tree(folder: Path) -> dict[str, tuple[str, int]]:
    """Return every file under `folder` with its SHA-256 and mtime, to prove nothing changed."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found[str(path.relative_to(folder))] = (
                hashlib.sha256(data).hexdigest(),
                path.stat().st_mtime_ns,
            )
    return found


def mask(text: str, paths: Iterable[Path]) -> str:
    """Replace machine-specific paths with placeholders."""
    for number, path in enumerate(paths):
        text = text.replace(str(path), f"<PATH{number}>")
    return text


def flat(text: str) -> str:
    """Collapse all whitespace, so wrapped sentences can be searched for."""
    return " ".join(text.split())


def pid_alive(pid: int) -> bool:
    """Tell whether a process (even a zombie) with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

"""The first copy a process makes removes the copies dead processes left, and nothing else.

Each test runs a fresh interpreter (the sweep happens once per process) that makes its first
copy in a private temporary folder holding one stale copy and one thing the sweep must keep.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.only_on(
    "linux", "darwin", reason="the sweep needs POSIX owners and pids (Windows has no sweep)"
)

HOURS = 3600.0
MAKE_COPIES = """
import os, sys
from pathlib import Path
from grader.sandbox.copy import make_temp_dir

base, plant = Path(sys.argv[1]), sys.argv[2:]
print(make_temp_dir(base / "student"))
for name in plant:  # stale copies that appear after this process's first one
    (base / name).mkdir()
    os.utime(base / name, (0, 0))
print(make_temp_dir(base / "student"))
"""


def make_copies(base: Path, *later: str) -> list[Path]:
    """Make two copies in a fresh process whose TMPDIR is ``base``; return their folders."""
    done = subprocess.run(
        [sys.executable, "-c", MAKE_COPIES, str(base), *later],
        env=dict(os.environ, TMPDIR=str(base)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [Path(line) for line in done.stdout.split()]


def identity(path: Path) -> tuple[int, int, int, float]:
    """Return what the sweep could change of ``path`` itself: inode, owner, type, mtime."""
    info = path.lstat()
    return info.st_ino, info.st_uid, info.st_mode, info.st_mtime


def dead_pid() -> int:
    """Return the pid of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def age(path: Path, seconds: float) -> None:
    """Set the modification time of ``path`` (not of what a symlink points to) to the past."""
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def copy_of(base: Path, pid: int, *, old: float, tag: str = "abcd1234") -> Path:
    """Plant a copy as a grading process ``pid`` would leave it, ``old`` seconds ago."""
    folder = base / f"grader-sandbox-{pid}-{tag}"
    folder.mkdir()
    (folder / "relu.py").write_text("def relu(x):\n    return x\n")
    age(folder, old)
    return folder


def live_process_copy(base: Path, outside: Path) -> Path:
    return copy_of(base, os.getpid(), old=2 * HOURS, tag="live")


def young_copy(base: Path, outside: Path) -> Path:
    return copy_of(base, dead_pid(), old=10 * 60, tag="young")


def another_user_copy(base: Path, outside: Path) -> Path:
    if os.geteuid() != 0:
        pytest.skip("only root can give a folder to another user")
    folder = copy_of(base, dead_pid(), old=2 * HOURS, tag="nobody")
    os.chown(folder, 65534, 65534)
    return folder


def symlink_named_like_a_copy(base: Path, outside: Path) -> Path:
    link = base / f"grader-sandbox-{dead_pid()}-link"
    link.symlink_to(outside, target_is_directory=True)
    age(link, 2 * HOURS)
    age(outside, 2 * HOURS)  # followed, the link would look like a stale copy of ours
    return link


def target_of_links_in_a_stale_copy(base: Path, outside: Path) -> Path:
    folder = copy_of(base, dead_pid(), old=0, tag="inside")
    (folder / "relu.py").unlink()
    (folder / "relu.py").symlink_to(outside / "precious.py")
    (folder / "all").symlink_to(outside, target_is_directory=True)
    age(folder, 2 * HOURS)
    return outside


def file_named_like_a_copy(base: Path, outside: Path) -> Path:
    path = base / f"grader-sandbox-{dead_pid()}-file"
    path.write_text("not a copy")
    age(path, 2 * HOURS)
    return path


def copy_without_pid(base: Path, outside: Path) -> Path:
    """A copy of a grader older than this sweep: no pid in its name, so no way to tell."""
    folder = base / "grader-sandbox-x1y2z3w4"
    folder.mkdir()
    age(folder, 2 * HOURS)
    return folder


KEEPS: dict[str, Callable[[Path, Path], Path]] = {
    "a live process's copy": live_process_copy,
    "a dead process's young copy": young_copy,
    "another user's copy": another_user_copy,
    "a symlink named like a copy": symlink_named_like_a_copy,
    "what links in a stale copy point to": target_of_links_in_a_stale_copy,
    "a file named like a copy": file_named_like_a_copy,
    "a copy named without a pid": copy_without_pid,
}


@pytest.mark.parametrize("kept", KEEPS)
def test_the_first_copy_removes_a_dead_process_s_old_copy_and_keeps(
    kept: str, searchable_tmp_path: Path, tmp_path: Path
) -> None:
    base = searchable_tmp_path
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.py").write_text("SECRET = 1\n")
    stale = copy_of(base, dead_pid(), old=2 * HOURS, tag="stale")
    keeper = KEEPS[kept](base, outside)
    before = identity(keeper)
    first, second = make_copies(base)
    assert not os.path.lexists(stale)
    assert identity(keeper) == before
    assert (outside / "precious.py").read_text() == "SECRET = 1\n"
    assert first.parent == second.parent == base


def test_a_process_sweeps_only_when_it_makes_its_first_copy(searchable_tmp_path: Path) -> None:
    base = searchable_tmp_path
    stale = copy_of(base, dead_pid(), old=2 * HOURS, tag="stale")
    later = f"grader-sandbox-{dead_pid()}-later"
    first, second = make_copies(base, later)
    assert not stale.exists()
    assert (base / later).is_dir()  # one scandir per process: a later copy does not sweep
    assert sorted(p.name for p in base.iterdir()) == sorted([first.name, second.name, later])

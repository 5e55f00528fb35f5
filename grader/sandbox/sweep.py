"""Remove the submission copies that processes killed before their cleanup left behind.

A copy's folder is named ``grader-sandbox-<pid>-<random>`` after the process that made it
(``copy.make_temp_dir``).  SIGKILL, SIGTERM or SIGHUP end that process without its cleanup,
and the folder (0o755: the student's files, readable by every user) would stay forever.  The
first time a process makes such a folder, it removes the ones in the same temporary folder
that are ours, named after a pid that is not alive, and older than ``STALE_SECONDS``.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import time

PREFIX = "grader-sandbox-"
# A pid dead here may be alive in another pid namespace sharing this folder (containers), so
# only folders unchanged for this long go: a submission's grading lasts seconds, and a batch
# worker's own folder changes with every copy made in it.
STALE_SECONDS = 3600.0
_NAME = re.compile(re.escape(PREFIX) + r"([1-9][0-9]{0,9})-[A-Za-z0-9_]+")

_swept_by = {"pid": 0}  # the process that swept: a forked child sweeps again if it makes a copy


def name_prefix() -> str:
    """Return the prefix of the folders this process makes (it names this process's pid)."""
    return f"{PREFIX}{os.getpid()}-"


def sweep_once(base: str) -> None:
    """Sweep ``base`` unless this process has swept already; never raise."""
    if os.name != "posix" or _swept_by["pid"] == os.getpid():
        return  # Windows: no owner uid to check, and os.kill(pid, 0) would send a Ctrl-C
    _swept_by["pid"] = os.getpid()
    try:
        sweep(base)
    except Exception:  # a failed sweep costs nothing: the next process sweeps again
        pass


def sweep(base: str, older_than: float = STALE_SECONDS) -> list[str]:
    """Remove our stale copies directly in ``base``; return the names removed."""
    if not shutil.rmtree.avoids_symlink_attacks:
        return []  # this platform's rmtree could be raced into following a symlink
    removed = []
    now = time.time()
    uid = os.geteuid()
    with os.scandir(base) as entries:
        for entry in entries:
            match = _NAME.fullmatch(entry.name)
            if match is None:
                continue
            try:
                info = entry.stat(follow_symlinks=False)  # a planted symlink is never followed
            except OSError:
                continue
            if (
                not stat.S_ISDIR(info.st_mode)
                or info.st_uid != uid
                or now - info.st_mtime < older_than
                or pid_alive(int(match.group(1)))
            ):
                continue
            try:
                shutil.rmtree(entry.path)  # it refuses a symlink, and never follows one inside
            except OSError:
                continue
            removed.append(entry.name)
    return removed


def pid_alive(pid: int) -> bool:
    """Tell whether ``pid`` names a process (another user's counts: it is alive). POSIX only."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # EPERM: someone else's process; anything else: keep the folder
    return True

"""Copy the expected files of a submission into a fresh directory (trusted side).

Only the expected names are ever looked at in the student folder; nothing there is created,
changed or deleted.  Each file must be a regular file (no symlink, FIFO, device or
directory), at most ``file_bytes`` long and valid UTF-8.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from grader.sandbox.files import RefusedFile, read_regular_file
from grader.sandbox.outcomes import Unavailable

FILE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.py")


def check_file_names(files: list[str]) -> None:
    """Raise ValueError unless every name is a plain ``identifier.py`` file name."""
    for name in files:
        if not isinstance(name, str) or not FILE_NAME.fullmatch(name):
            raise ValueError(f"expected a plain module file name like 'sigmoid.py', not {name!r}")


def _searchable_by_others(path: str) -> bool:
    """Tell whether every directory from / down to ``path`` is searchable by anyone."""
    current = path
    while True:
        try:
            if not os.stat(current).st_mode & 0o001:
                return False
        except OSError:
            return False
        parent = os.path.dirname(current)
        if parent == current:
            return True
        current = parent


def _inside(path: str, folder: str) -> bool:
    """Tell whether ``path`` is ``folder`` or below it."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def make_temp_dir(folder: Path) -> str:
    """Create a fresh 0o755 directory outside ``folder`` that an unprivileged worker can read."""
    student = os.path.realpath(folder)
    candidates = [tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"]
    usable = []
    for base in candidates:
        real = os.path.realpath(base)
        if os.path.isdir(real) and not _inside(real, student):
            usable.append(real)
    if not usable:
        raise OSError("no temporary directory outside the student folder")
    base = next((b for b in usable if _searchable_by_others(b)), usable[0])
    path = tempfile.mkdtemp(prefix="grader-sandbox-", dir=base)
    os.chmod(path, 0o755)
    return path


def _utf8_problem(name: str, data: bytes) -> str | None:
    """Return a one-line reason when ``data`` is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        return (
            f"{name} is not valid UTF-8 (byte 0x{byte:02x} at offset {exc.start}); save it as UTF-8"
        )
    return None


def _read_one(folder: Path, name: str, file_bytes: int) -> bytes | Unavailable:
    """Read one expected file safely, or say why it cannot be used."""
    try:
        data = read_regular_file(folder / name, file_bytes)
    except RefusedFile as refused:
        return Unavailable(reason=refused.reason, not_started=refused.missing)
    problem = _utf8_problem(name, data)
    if problem is not None:
        return Unavailable(reason=problem)
    return data


def copy_files(
    folder: Path, files: list[str], dest: str, file_bytes: int
) -> tuple[dict[str, Unavailable], dict[str, bytes]]:
    """Copy the expected files into ``dest``; return each bad file's problem and what was read."""
    problems: dict[str, Unavailable] = {}
    copied: dict[str, bytes] = {}
    for name in files:
        result = _read_one(folder, name, file_bytes)
        if isinstance(result, Unavailable):
            problems[name] = result
            continue
        copied[name] = result
        out = os.open(
            os.path.join(dest, name),
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o644,
        )
        try:
            view = memoryview(result)
            while view:
                view = view[os.write(out, view) :]
            os.fchmod(out, 0o644)
        finally:
            os.close(out)
    return problems, copied

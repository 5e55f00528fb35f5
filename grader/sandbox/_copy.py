"""Copy the expected files of a submission into a fresh directory (trusted side).

Only the expected names are ever looked at in the student folder; nothing there is created,
changed or deleted.  Each file must be a regular file (no symlink, FIFO, device or
directory), at most ``file_bytes`` long and valid UTF-8.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

from grader.outcomes import Unavailable

FILE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.py")
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


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


def _read_one(dir_fd: int, name: str, file_bytes: int) -> bytes | Unavailable:
    """Read one expected file safely, or say why it cannot be used."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return Unavailable(reason=f"{name} is missing", not_started=True)
    except OSError as exc:
        return Unavailable(reason=f"{name} could not be read ({exc.strerror})")
    if stat.S_ISLNK(st.st_mode):
        return Unavailable(reason=f"{name} is a symbolic link; submit the file itself")
    if not stat.S_ISREG(st.st_mode):
        return Unavailable(reason=f"{name} is not a regular file")
    too_large = Unavailable(
        reason=f"{name} is too large ({st.st_size} bytes; the limit is {file_bytes} bytes)"
    )
    if st.st_size > file_bytes:
        return too_large
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return Unavailable(reason=f"{name} is missing", not_started=True)
    except OSError as exc:
        return Unavailable(reason=f"{name} could not be read ({exc.strerror})")
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode) or (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            return Unavailable(reason=f"{name} changed while it was being read")
        chunks = []
        total = 0
        while total <= file_bytes:
            chunk = os.read(fd, min(1 << 16, file_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        return Unavailable(reason=f"{name} could not be read ({exc.strerror})")
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > file_bytes:
        return too_large
    problem = _utf8_problem(name, data)
    if problem is not None:
        return Unavailable(reason=problem)
    return data


def copy_files(
    folder: Path, files: list[str], dest: str, file_bytes: int
) -> dict[str, Unavailable]:
    """Copy the expected files into ``dest``; return the problem found for each bad file."""
    problems: dict[str, Unavailable] = {}
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in files:
            result = _read_one(dir_fd, name, file_bytes)
            if isinstance(result, Unavailable):
                problems[name] = result
                continue
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
    finally:
        os.close(dir_fd)
    return problems

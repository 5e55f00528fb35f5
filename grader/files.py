"""Read files from a student's folder without following links or blocking on FIFOs."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from grader.results import GradedFile


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """Return the bytes of a regular file; raise OSError for links, FIFOs, devices, huge files."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == 40:  # ELOOP: a symbolic link
            raise OSError(error.errno, "is a symbolic link; replace it with a real file") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "is not a regular file")
        if info.st_size > max_bytes:
            raise OSError(0, f"is {info.st_size} bytes; the limit is {max_bytes}")
        chunks = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise OSError(0, f"is larger than {max_bytes} bytes")
        return data
    finally:
        os.close(fd)


def fingerprint(folder: Path, names: list[str], max_bytes: int = 1 << 20) -> tuple[GradedFile, ...]:
    """Return the SHA-256 of each named file (None when missing or unreadable)."""
    files = []
    for name in names:
        try:
            data = read_regular_file(folder / name, max_bytes)
        except OSError:
            files.append(GradedFile(name, None, None))
            continue
        files.append(GradedFile(name, hashlib.sha256(data).hexdigest(), len(data)))
    return tuple(files)

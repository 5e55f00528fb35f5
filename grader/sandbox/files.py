"""Read a file from a student's folder without following links, blocking on FIFOs or racing.

The open flags that only some systems have (O_NOFOLLOW, O_NONBLOCK and O_CLOEXEC on POSIX,
O_BINARY on Windows) are 0 where missing; the lstat check before opening refuses links
everywhere, and the fstat check after it refuses a file swapped in between (on Windows only
its type: see `_IDENTITY`).
"""

from __future__ import annotations

import io
import os
import stat
import tokenize
from pathlib import Path

NOFOLLOW: int = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC: int = getattr(os, "O_CLOEXEC", 0)
BINARY: int = getattr(os, "O_BINARY", 0)  # Windows: no CRLF translation, no stop at Ctrl-Z
# Windows may number one file differently through a path (os.lstat) and a handle (os.fstat):
# a 64-bit volume serial against a 32-bit one, a 128-bit ReFS file id against 64 bits. There
# only the type is checked again, so a good file is never refused as "changed".
_IDENTITY = os.name != "nt"
_OPEN_FLAGS = os.O_RDONLY | NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | CLOEXEC | BINARY


def decode_source(data: bytes) -> str:
    """Return Python source as Python reads it (BOM, PEP 263 coding line); else lenient UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return data.decode("utf-8", "replace")


def line_of(data: bytes, offset: int) -> int:
    """Return the 1-based line of byte `offset`, counting LF, CRLF and lone CR as Python does."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


class RefusedFile(Exception):
    """Raise when a file cannot be used; `reason` is one line naming the file."""

    def __init__(self, reason: str, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """Return the bytes of a regular file of at most `max_bytes`, or raise RefusedFile.

    Symbolic links, FIFOs, devices and directories are refused without being opened for
    reading (so a FIFO cannot block), and the file opened must be the one inspected.
    """
    name = path.name
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        raise RefusedFile(f"{name} is missing", missing=True) from None
    except OSError as error:
        raise RefusedFile(f"{name} could not be read ({error.strerror})") from None
    if stat.S_ISLNK(before.st_mode):
        raise RefusedFile(f"{name} is a symbolic link; submit the file itself")
    if not stat.S_ISREG(before.st_mode):
        raise RefusedFile(f"{name} is not a regular file")
    too_large = RefusedFile(
        f"{name} is too large ({before.st_size} bytes; the limit is {max_bytes})"
    )
    if before.st_size > max_bytes:
        raise too_large
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise RefusedFile(f"{name} is missing", missing=True) from None
    except OSError as error:
        raise RefusedFile(f"{name} could not be read ({error.strerror})") from None
    try:
        now = os.fstat(fd)
        swapped = _IDENTITY and (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino)
        if not stat.S_ISREG(now.st_mode) or swapped:
            raise RefusedFile(f"{name} changed while it was being read")
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 16, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        raise RefusedFile(f"{name} could not be read ({error.strerror})") from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise too_large
    return b"".join(chunks)

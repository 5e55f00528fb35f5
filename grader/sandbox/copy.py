"""Copy the expected files of a submission into a fresh directory (trusted side).

Only the expected names are ever looked at in the student folder; nothing there is created,
changed or deleted.  Each file must be a regular file (no symlink, FIFO, device or
directory), at most ``file_bytes`` long, and decodable the way Python's import decodes it
(``tokenize.detect_encoding``: UTF-8, a UTF-8 BOM, or a PEP 263 coding line such as
``# -*- coding: cp1252 -*-``; like CPython, non-UTF-8 bytes in comments of a UTF-8 file are
ignored).  The bytes are copied verbatim, so the worker's import applies
the same rules itself and line numbers stay the student's; a file Python could not decode is
refused here with its line ("sigmoid.py:7: byte 0xe9 is not valid UTF-8; ...").  CRLF line
endings need nothing: Python reads them as it reads LF.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import tokenize
from pathlib import Path

from grader.sandbox.files import BINARY, CLOEXEC, NOFOLLOW, RefusedFile, line_of, read_regular_file
from grader.sandbox.outcomes import Unavailable
from grader.sandbox.sweep import name_prefix, sweep_once

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
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def make_temp_dir(folder: Path | None = None) -> str:
    """Create a fresh 0o755 directory (outside ``folder``) that an unprivileged worker can read."""
    student = os.path.realpath(folder) if folder is not None else None
    candidates = [tempfile.gettempdir()]
    if os.name == "posix":  # elsewhere the user's own temporary folder is the only candidate
        candidates += ["/tmp", "/var/tmp", "/dev/shm"]
    base = None  # the first usable one that anyone can search, else the first usable one
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if not os.path.isdir(real) or (student is not None and _inside(real, student)):
            continue
        if _searchable_by_others(real):
            base = real
            break
        base = base or real
    if base is None:
        raise OSError("no temporary directory outside the student folder")
    sweep_once(base)
    path = tempfile.mkdtemp(prefix=name_prefix(), dir=base)
    if os.name == "posix":  # Windows has no such mode bits (chmod only sets read-only)
        os.chmod(path, 0o755)
    return path


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_SUGGESTION = "save the file as UTF-8 or add '# -*- coding: cp1252 -*-' on line 1"
_MISSING = "invalid or missing encoding declaration"  # tokenize: line 1 or 2 is not UTF-8
_UTF8 = ("utf-8", "utf-8-sig")
_BOM = b"\xef\xbb\xbf"


def source_problem(name: str, data: bytes) -> str | None:
    """Return a one-line reason, naming the line, when Python's import could not read ``data``.

    As Python does: the encoding is UTF-8 unless a BOM or a coding line says otherwise
    (``tokenize.detect_encoding``); in a UTF-8 file, bytes that are not UTF-8 are tolerated
    inside comments (CPython's import ignores them there) and refused anywhere else.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if not str(error).startswith(_MISSING):
            return _declaration_problem(name, data, str(error))
        encoding = _declared(data) or "utf-8"  # a non-UTF-8 byte on line 1 or 2
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding in _UTF8:
            body = data[len(_BOM) :] if data.startswith(_BOM) else data
            found = _outside_comments(body)
            if found is None:
                return None
            line, byte = found
            return f"{name}:{line}: byte 0x{byte:02x} is not valid UTF-8; {_SUGGESTION}"
        byte = data[error.start] if error.start < len(data) else 0
        return (
            f"{name}:{line_of(data, error.start)}: byte 0x{byte:02x} is not valid {encoding}, the"
            " encoding its coding line names; save the file as UTF-8 and remove that line, or"
            " name the editor's encoding"
        )
    except LookupError:
        return f"{name}:1: the coding line names {encoding!r}, which Python cannot decode"
    return None


def _declared(data: bytes) -> str | None:
    """Return the encoding a coding line on line 1 or 2 names, if any."""
    for line in data.splitlines()[:2]:
        match = _COOKIE.match(line)
        if match:
            return match.group(1).decode("ascii").lower().replace("_", "-")
    return None


def _escaped(char: str) -> bool:
    """Tell whether ``char`` stands for an undecodable byte (``surrogateescape``)."""
    return "\udc80" <= char <= "\udcff"


def _outside_comments(body: bytes) -> tuple[int, int] | None:
    """Return (line, byte) of the first non-UTF-8 byte outside a comment, or None.

    Each such byte is replaced by DEL (valid in comments and strings, an error in code) and
    the text tokenized; a byte whose position falls inside a COMMENT token is harmless. When
    tokenizing stops early, the bytes not yet seen inside a comment count as outside.
    """
    text = body.decode("utf-8", "surrogateescape")
    bad: list[tuple[int, int, int]] = []  # (line, column, byte), lines as readline splits them
    for number, row_text in enumerate(text.split("\n"), 1):
        bad += [(number, col, ord(c) - 0xDC00) for col, c in enumerate(row_text) if _escaped(c)]
    if not bad:
        return None  # pragma: no cover - only called when strict decoding failed
    clean = "".join("\x7f" if _escaped(c) else c for c in text)
    comments: dict[int, list[tuple[int, int]]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(clean).readline):
            if token.type == tokenize.COMMENT:
                row, col = token.start
                comments.setdefault(row, []).append((col, col + len(token.string)))
    except (tokenize.TokenError, SyntaxError):
        pass
    for line, column, byte in bad:
        if not any(start <= column < end for start, end in comments.get(line, ())):
            return line, byte
    return None


def _declaration_problem(name: str, data: bytes, error: str) -> str:
    """Explain, with its line, why ``tokenize.detect_encoding`` refused the coding line."""
    first_two = data.splitlines()[:2]
    cookie = next((n for n, line in enumerate(first_two, 1) if _COOKIE.match(line)), 1)
    if error.startswith("unknown encoding"):
        declared = error.rsplit(": ", 1)[-1]
        return (
            f"{name}:{cookie}: the coding line names {declared!r}, which Python does not know;"
            " name a real encoding such as cp1252, or save the file as UTF-8 and remove the line"
        )
    if error.startswith("encoding problem"):
        return (
            f"{name}:{cookie}: the file starts with a UTF-8 byte order mark but its coding line"
            " names another encoding; remove the coding line or save the file without the mark"
        )
    return f"{name}:{cookie}: {error}; {_SUGGESTION}"


def _read_one(folder: Path, name: str, file_bytes: int) -> bytes | Unavailable:
    """Read one expected file safely, or say why it cannot be used."""
    try:
        data = read_regular_file(folder / name, file_bytes)
    except RefusedFile as refused:
        return Unavailable(reason=refused.reason, not_started=refused.missing)
    problem = source_problem(name, data)
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
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | CLOEXEC | BINARY,
            0o644,
        )
        try:
            view = memoryview(result)
            while view:
                view = view[os.write(out, view) :]
            if hasattr(os, "fchmod") and os.name == "posix":
                os.fchmod(out, 0o644)
        finally:
            os.close(out)
    return problems, copied

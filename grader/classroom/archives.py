"""Find a class's submissions and read each one safely: a folder, a .zip, or a .tar(.gz).

Only the names the course expects (its exercise files and answers.yaml) are ever kept. A
folder is read in place with the sandbox's own safe reader (no links followed, no FIFO
opened). An archive is refused as a whole when any member has an absolute path, a `..`
part, is a link or a device, or when it breaks a cap (members, total bytes, compression
ratio); a refused archive makes that student `unreadable`, never the run fail.
"""

from __future__ import annotations

import hashlib
import re
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.sandbox.copy import _read_one
from grader.sandbox.files import RefusedFile, read_regular_file
from grader.sandbox.outcomes import Unavailable

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


@dataclass(frozen=True)
class Caps:
    """Bound what one archive may hold."""

    max_members: int = 2_000
    max_total_bytes: int = 32 << 20  # uncompressed, all members
    max_ratio: float = 100.0  # uncompressed bytes per archive byte
    file_bytes: int = 1 << 20  # one expected file (the sandbox's own limit)


@dataclass(frozen=True)
class Entry:
    """One student's entry in the submissions folder."""

    student: str
    path: Path
    kind: str  # "folder", "zip", "tar", or "" when it is neither
    problem: str = ""  # why this entry cannot be graded at all


@dataclass
class Read:
    """What was read from one entry: each expected file's bytes or its problem."""

    files: dict[str, bytes] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # name -> one-line reason
    unreadable: str = ""  # the whole entry is unusable

    def sha256(self, name: str) -> str | None:
        """Return the SHA-256 of one expected file, or None when it was not usable."""
        data = self.files.get(name)
        return hashlib.sha256(data).hexdigest() if data is not None else None

    def fingerprint(self) -> str:
        """Return one SHA-256 over every expected file's content or problem."""
        digest = hashlib.sha256(self.unreadable.encode())
        for name in sorted({*self.files, *self.problems}):
            data = self.files.get(name)
            part = data if data is not None else ("!" + self.problems.get(name, "")).encode()
            digest.update(f"{name}\0{len(part)}\0".encode() + part)
        return digest.hexdigest()


class BadArchive(Exception):
    """Raise when an archive must not be read; the message is for the instructor."""


def find_entries(folder: Path) -> list[Entry]:
    """List the submissions in `folder`, sorted by student id; hidden entries are skipped."""
    found: dict[str, list[Entry]] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        name = path.name
        if name.startswith("."):
            continue
        entry = _entry(path)
        found.setdefault(entry.student, []).append(entry)
    entries = []
    for student, candidates in sorted(found.items()):
        if len(candidates) > 1:
            names = ", ".join(c.path.name for c in candidates)
            entries.append(
                Entry(student, candidates[0].path, "", f"several submissions ({names}); keep one")
            )
        else:
            entries.append(candidates[0])
    return entries


def _entry(path: Path) -> Entry:
    name = path.name
    try:
        mode = path.lstat().st_mode
    except OSError as error:
        return Entry(name, path, "", f"cannot be read ({error.strerror})")
    if stat.S_ISDIR(mode):
        student, kind = name, "folder"
    else:
        suffix = next((s for s in ARCHIVE_SUFFIXES if name.lower().endswith(s)), "")
        student = name[: -len(suffix)] if suffix else (Path(name).stem or name)
        if stat.S_ISLNK(mode):
            return _checked(Entry(student, path, "", "is a symbolic link; submit the file itself"))
        if not suffix or not stat.S_ISREG(mode):
            return _checked(Entry(student, path, "", "is not a folder, .zip, .tar or .tar.gz"))
        kind = "zip" if suffix == ".zip" else "tar"
    return _checked(Entry(student, path, kind))


def _checked(entry: Entry) -> Entry:
    if STUDENT_ID.fullmatch(entry.student):
        return entry
    safe = re.sub(r"[^A-Za-z0-9._@+-]", "_", entry.student)[:128].lstrip("._-@+") or "unnamed"
    problem = entry.problem or (
        f"{entry.path.name!r} is not a usable student id (letters, digits, . _ @ + -); rename it"
    )
    return Entry(safe, entry.path, "", problem)


def read_entry(entry: Entry, names: list[str], answers: str, caps: Caps) -> Read:
    """Read the expected files of one entry; never raise for a bad submission."""
    if entry.problem:
        return Read(unreadable=f"{entry.path.name} {entry.problem}")
    if entry.kind == "folder":
        return read_folder(entry.path, names, answers, caps)
    try:
        members = (_zip_members if entry.kind == "zip" else _tar_members)(entry.path, caps)
    except BadArchive as error:
        return Read(unreadable=f"{entry.path.name}: {error}")
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, ValueError) as error:
        return Read(unreadable=f"{entry.path.name} is not a readable archive ({error})")
    return _from_members(entry.path.name, members, names, answers, caps)


def read_folder(folder: Path, names: list[str], answers: str, caps: Caps) -> Read:
    """Read the expected files of a folder as the sandbox would (links and FIFOs refused)."""
    read = Read()
    for name in names:
        result = _read_one(folder, name, caps.file_bytes)
        if isinstance(result, Unavailable):
            read.problems[name] = result.reason
        else:
            read.files[name] = result
    try:
        read.files[answers] = read_regular_file(folder / answers, caps.file_bytes)
    except RefusedFile as refused:
        read.problems[answers] = refused.reason
    if not read.files and all(p.endswith(" is missing") for p in read.problems.values()):
        read.unreadable = f"{folder.name} holds none of the course's files"
    return read


def _safe_parts(name: str) -> tuple[str, ...]:
    """Return a member name's parts, or raise BadArchive for an absolute or `..` path."""
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or "\\" in name:
        raise BadArchive(f"member {name!r} has an absolute or Windows path")
    parts = tuple(part for part in PurePosixPath(name).parts if part not in ("", "."))
    if ".." in parts:
        raise BadArchive(f"member {name!r} points outside the archive (..)")
    return parts


def _zip_members(path: Path, caps: Caps) -> dict[tuple[str, ...], bytes]:
    size = max(path.stat().st_size, 1)
    members: dict[tuple[str, ...], bytes] = {}
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > caps.max_members:
            raise BadArchive(f"more than {caps.max_members} members")
        total = 0
        for info in infos:
            parts = _safe_parts(info.filename)
            kind = (info.external_attr >> 16) & 0o170000
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                raise BadArchive(f"member {info.filename!r} is a link or a special file")
            if info.is_dir() or not parts:
                continue
            chunks = []
            with archive.open(info) as handle:  # sizes in a zip can lie: count what comes out
                while chunk := handle.read(1 << 16):
                    chunks.append(chunk)
                    total += len(chunk)
                    if total > caps.max_total_bytes or total > caps.max_ratio * size:
                        raise BadArchive("expands too much (a zip bomb?)")
                    if sum(map(len, chunks)) > caps.file_bytes:
                        raise BadArchive(
                            f"member {info.filename!r} is over {caps.file_bytes} bytes"
                        )
            members[parts] = b"".join(chunks)
        if total > caps.max_total_bytes or total > caps.max_ratio * size:
            raise BadArchive("expands too much (a zip bomb?)")
    return members


def _tar_members(path: Path, caps: Caps) -> dict[tuple[str, ...], bytes]:
    size = max(path.stat().st_size, 1)
    members: dict[tuple[str, ...], bytes] = {}
    total = count = 0
    with tarfile.open(path, "r:*") as archive:
        for info in archive:
            count += 1
            if count > caps.max_members:
                raise BadArchive(f"more than {caps.max_members} members")
            parts = _safe_parts(info.name)
            if info.issym() or info.islnk():
                raise BadArchive(f"member {info.name!r} is a link")
            if not (info.isfile() or info.isdir()):
                raise BadArchive(f"member {info.name!r} is a device, FIFO or special file")
            total += info.size
            if total > caps.max_total_bytes or total > caps.max_ratio * size:
                raise BadArchive("expands too much (a tar bomb?)")
            if info.isdir() or not parts:
                continue
            if info.size > caps.file_bytes:
                raise BadArchive(f"member {info.name!r} is over {caps.file_bytes} bytes")
            handle = archive.extractfile(info)
            members[parts] = handle.read(caps.file_bytes + 1) if handle is not None else b""
    return members


def _from_members(
    label: str, members: dict[tuple[str, ...], bytes], names: list[str], answers: str, caps: Caps
) -> Read:
    tops = {parts[0] for parts in members if len(parts) > 1}
    at_root = {parts[0] for parts in members if len(parts) == 1}
    prefix: tuple[str, ...] = ()
    if not at_root and len(tops) == 1:
        prefix = (next(iter(tops)),)  # every file sits in one top-level folder: read from it
    read = Read()
    for name in [*names, answers]:
        data = members.get((*prefix, name))
        if data is None:
            continue
        read.files[name] = data
    if not read.files:
        read.unreadable = f"{label} holds none of the course's files"
    return read

"""Keep the validated course in the user's cache folder, keyed by a digest of its content.

Loading validates every YAML file and parses every hidden test; a command that only grades
can skip that when nothing changed. The key covers every file below the course root (names
and bytes), the root's path, the drafts flag, this package's own source and the Python
version, so any edit means a fresh load. The cache holds plain JSON that rebuilds only the
model's own classes (no pickle); anything unreadable or unexpected is ignored and the course
is loaded as usual. `GRADE_CACHE_DIR` chooses the folder; set it empty to turn caching off.

Only a process that asks for it uses the cache (`use_cache()`: `grade check`, where a student
waits); every other command, `grade batch` included, writes nothing outside its own outputs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.course import model

CACHE_ENV = "GRADE_CACHE_DIR"
_FORMAT = "grade-course-cache-1"
_KEEP = 16  # cached courses kept; older ones are deleted when a new one is written
_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        model.Check,
        model.Misconception,
        model.Choice,
        model.AnswerDigest,
        model.CodeExercise,
        model.NumericQuiz,
        model.ChoiceQuiz,
        model.Lesson,
        model.Course,
    )
}


_IN_USE: list[bool] = []


def use_cache() -> None:
    """Let this process load the course through the cache (see the module docstring)."""
    _IN_USE[:] = [True]


def cache_dir(env: dict[str, str] | os._Environ[str] = os.environ) -> Path | None:
    """Return the folder for cached courses (per user and system), or None when not in use."""
    if not _IN_USE:
        return None
    if CACHE_ENV in env:
        return Path(env[CACHE_ENV]) if env[CACHE_ENV] else None
    if sys.platform == "win32":
        base = env.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
        return Path(base) / "grade" / "Cache"
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~/Library/Caches")) / "grade"
    return Path(env.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) / "grade"


def digest(root: Path, drafts: bool) -> str:
    """Return the key of the course at `root`: its files, its path, and how it is loaded."""
    key = hashlib.sha256()
    own = Path(__file__).resolve().parent
    key.update(f"{_FORMAT}\0{sys.version}\0{root}\0{drafts}\0".encode())
    for path in sorted(own.glob("*.py")):
        key.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        for name in sorted(files):
            file = os.path.join(folder, name)
            relative = os.path.relpath(file, root)
            with open(file, "rb") as handle:
                key.update(f"{relative}\0{os.path.getsize(file)}\0".encode() + handle.read())
    return key.hexdigest()


def encode(value: Any) -> Any:
    """Return `value` (the model's dataclasses, tuples, paths, plain values) as JSON data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Path):
        return {"path": str(value)}
    if isinstance(value, tuple):
        return {"tuple": [encode(entry) for entry in value]}
    name = type(value).__name__
    if dataclasses.is_dataclass(value) and _CLASSES.get(name) is type(value):
        fields = {field.name: encode(getattr(value, field.name)) for field in _fields(value)}
        return {"class": name, "fields": fields}
    raise TypeError(f"cannot cache a {name}")


def decode(data: Any) -> Any:
    """Rebuild what `encode` wrote; raise ValueError on anything else."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, dict) and len(data) == 1 and isinstance(data.get("path"), str):
        return Path(data["path"])
    if isinstance(data, dict) and len(data) == 1 and isinstance(data.get("tuple"), list):
        return tuple(decode(entry) for entry in data["tuple"])
    if isinstance(data, dict) and set(data) == {"class", "fields"}:
        cls = _CLASSES.get(data["class"]) if isinstance(data["class"], str) else None
        fields = data["fields"]
        if cls is None or not isinstance(fields, dict):
            raise ValueError("not a cached course")
        if set(fields) != {field.name for field in _fields(cls)}:
            raise ValueError(f"the fields of {cls.__name__} changed")
        return cls(**{name: decode(value) for name, value in fields.items()})
    raise ValueError("not a cached course")


def _fields(value: Any) -> list[dataclasses.Field]:
    return [field for field in dataclasses.fields(value) if field.init]


def cached(
    root: Path, drafts: bool, load: Callable[[], model.Course], folder: Path | None
) -> model.Course:
    """Return the cached course for `root` if its content is unchanged, else `load()` it."""
    if folder is None:
        return load()
    try:
        key = digest(root, drafts)
    except OSError:
        return load()
    path = folder / f"course-{key[:40]}.json"
    course = saved(path)
    if course is not None:
        return course
    course = load()  # raises InputError on problems: those are never cached
    _store(path, course)
    return course


def _store(path: Path, course: model.Course) -> None:
    """Write the course into the cache; a cache that cannot be written is simply not used."""
    if not save(path, course):
        return
    try:
        old = sorted(path.parent.glob("course-*.json"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-_KEEP]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass


def save(path: Path, course: model.Course) -> bool:
    """Write a loaded course to `path` atomically; return False if it cannot be kept there."""
    try:
        data = encode(course)
        if decode(data) != course:  # a type the codec does not know: do not keep it
            return False
        write_json(path, data)
        return True
    except (OSError, ValueError, TypeError, RecursionError):
        return False


def write_json(path: Path, data: Any) -> None:
    """Write compact JSON to `path` atomically (a temporary file beside it, then a rename).

    A reader never sees half a file; a failure leaves no temporary file behind and raises.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with open(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def saved(path: Path) -> model.Course | None:
    """Return the course `save` wrote to `path`, or None if it is missing or not one."""
    try:
        course = decode(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, RecursionError):
        return None
    return course if isinstance(course, model.Course) else None

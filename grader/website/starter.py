"""The starter workspace offered on the site: the files `grade init` writes, as a zip."""

from __future__ import annotations

import io
import re
import zipfile

from grader import init as workspace_init
from grader.ci import CiError
from grader.course.model import CodeExercise, Course
from grader.course.problems import InputError, Problem
from grader.website.sources import Origin, problem

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def slug(text: str) -> str:
    """Return a lower-case, dash-separated name for `text` (for file and storage names)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "course"


def starter_files(course: Course) -> dict[str, bytes]:
    """Return the files `grade init` writes, by relative path, in sorted order.

    The file set comes from grader.init (what `grade init` uses), so the site's zip and
    a fresh workspace never drift apart; this adds file:line errors for a missing stub.
    """
    for exercise in course.exercises:
        stub_bytes(exercise)
    try:
        files = workspace_init.starter_files(course)
    except CiError as error:
        raise InputError(
            Problem("GRADE_COURSE_URL/GRADE_COURSE_REF", None, None, f"{error}; fix the variable")
        ) from None
    return dict(sorted(files.items()))


def stub_bytes(exercise: CodeExercise) -> bytes:
    """Return the stub file's content, or raise InputError pointing at its `stub:` line."""
    origin = Origin(exercise.source, ("stub",))
    try:
        data = exercise.stub.read_bytes()
    except OSError:
        raise InputError(
            problem(
                origin,
                f"stub file '{exercise.stub.name}' of '{exercise.id}' is missing; create it in"
                f" {exercise.folder.name}/ or fix 'stub:'",
            )
        ) from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            problem(origin, f"stub file '{exercise.stub.name}' is not UTF-8; save it as UTF-8")
        ) from None
    return data


def starter_zip(course: Course, files: dict[str, bytes] | None = None) -> bytes:
    """Return a deterministic zip of the starter files inside one folder named after the course.

    Entries are sorted, folders get their own entries, and every date is 1980-01-01.
    """
    files = starter_files(course) if files is None else files
    top = slug(course.title)
    folders = {top}
    for name in files:
        parts = name.split("/")[:-1]
        folders |= {"/".join([top, *parts[: n + 1]]) for n in range(len(parts))}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entries = [(f"{folder}/", None) for folder in folders]
        entries += [(f"{top}/{name}", data) for name, data in files.items()]
        for name, data in sorted(entries, key=lambda entry: entry[0]):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.create_system = 3
            if data is None:
                info.external_attr = (0o40755 << 16) | 0x10
                archive.writestr(info, b"")
            else:
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()

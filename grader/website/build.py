"""Build the static course site into a temporary folder, scan it, then swap it in atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader.course.model import Course
from grader.course.problems import InputError, Problem, display_path
from grader.website.leaks import Leak, find_leaks
from grader.website.pages import STARTER_NAME, Page, SiteRenderer, download_name
from grader.website.starter import starter_files, starter_zip
from grader.website.templating import site_dir

MARKER = ".grade-site"
MARKER_TEXT = "Built by `grade build-site`. This folder is replaced on every build.\n"


@dataclass(frozen=True)
class SiteBuild:
    """What one build wrote."""

    out: Path
    pages: int
    files: int
    bytes: int
    seconds: float


def default_solutions(course: Course) -> Path | None:
    """Return the solutions/ folder next to the course folder, when there is one."""
    candidate = course.root.parent / "solutions"
    return candidate if candidate.is_dir() else None


def build_site(course: Course, out: Path, *, solutions: Path | None = None) -> SiteBuild:
    """Build the site for `course` into `out`, replacing it only if the whole build succeeds.

    `solutions` (default: the solutions/ folder next to the course, if any) is only read to
    make sure no reference solution or plain answer reaches the output.
    """
    started = time.perf_counter()
    out = Path(os.path.abspath(out))
    solutions = default_solutions(course) if solutions is None else solutions
    _check_target(out, course, solutions)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    except OSError as error:
        raise InputError(_write_problem(out, error)) from None
    try:
        staging.chmod(0o755)
        pages, files, size = _write_site(course, staging)
        leaks = find_leaks(staging, solutions, course)
        if leaks:
            raise InputError([_leak_problem(leak, out) for leak in leaks])
        _swap(staging, out)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(_write_problem(out, error)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SiteBuild(out, pages, files, size, time.perf_counter() - started)


def _write_problem(out: Path, error: OSError) -> Problem:
    where = display_path(Path(error.filename)) if error.filename else display_path(out)
    return Problem(
        where,
        None,
        None,
        f"cannot write the site: {error.strerror or error}; check the folder"
        " exists, is writable and the disk has space (the previous site is unchanged)",
    )


def _remove_stale(out: Path, age: float = 3600.0) -> None:
    """Remove staging folders that a killed build left next to `out` over an hour ago."""
    now = time.time()
    for pattern in (f".{out.name}.building-*", f".{out.name}.old-*"):
        for path in out.parent.glob(pattern):
            try:
                if path.is_dir() and now - path.stat().st_mtime > age:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                continue


def _leak_problem(leak: Leak, out: Path) -> Problem:
    """Point at the course line the leak comes from, or else at the output file."""
    if leak.origin is not None:
        origin = leak.origin
        return Problem(origin.path, origin.line, origin.column, f"{leak.file} {leak.message}")
    return Problem(f"{display_path(out)}/{leak.file}", None, None, leak.message)


def _check_target(out: Path, course: Course, solutions: Path | None) -> None:
    where = display_path(out)
    protected = [course.root.resolve()] + ([solutions.resolve()] if solutions else [])
    resolved = out.resolve()
    for folder in protected:
        if resolved == folder or folder.is_relative_to(resolved) or resolved.is_relative_to(folder):
            raise InputError(
                Problem(
                    where,
                    None,
                    None,
                    f"the site folder overlaps {display_path(folder)}; choose another --out",
                )
            )
    if out.exists() and not out.is_dir():
        raise InputError(Problem(where, None, None, "is a file; choose a folder for --out"))
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InputError(
            Problem(
                where,
                None,
                None,
                "exists and was not made by `grade build-site`, so it will not be replaced;"
                " choose a new or empty folder for --out",
            )
        )


def _write_site(course: Course, root: Path) -> tuple[int, int, int]:
    """Write every file of the site under `root`; return (pages, files, bytes)."""
    files = starter_files(course)
    archive = starter_zip(course, files)
    renderer = SiteRenderer(course)
    pages: list[Page] = [renderer.index()]
    pages += [renderer.item(index) for index in range(len(course.items))]
    written: dict[str, bytes] = {MARKER: MARKER_TEXT.encode()}
    media: dict[str, Path] = {}
    for page in pages:
        written[page.name] = page.html.encode("utf-8")
        media.update(page.media)
    written[f"downloads/{STARTER_NAME}"] = archive
    for exercise in course.exercises:
        written[download_name(exercise)] = files[exercise.file]
    for name, path in sorted(media.items()):
        written[name] = path.read_bytes()
    assets = site_dir() / "assets"
    for path in sorted(assets.rglob("*")):
        if path.is_file():
            written[f"assets/{path.relative_to(assets).as_posix()}"] = path.read_bytes()
    size = 0
    for name in sorted(written):
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(written[name])
        size += len(written[name])
    return len(pages), len(written), size


def _swap(staging: Path, out: Path) -> None:
    """Put `staging` where `out` is, keeping the old site until the new one is in place."""
    if not out.exists():
        os.rename(staging, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    try:
        os.rename(out, old)
    except FileNotFoundError:  # another build moved it away meanwhile
        os.rename(staging, out)
        return
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)

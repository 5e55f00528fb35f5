"""What `grade batch` settles before it reads the course: its folders and, early, its workers.

A worker takes about a quarter of a second of CPU to start (the grader and numpy imported,
the sandbox's zygote up), and the command itself as long to import and read the course and
the class. For a fresh OUT (no gradebook yet, or `--force`), where the class will need them,
`early_workers` starts the workers first, so both happen at once; they wait for the course the
command saves in the work folder (`publish_course`). Otherwise the run starts them only when
a submission needs grading: an unchanged class costs no worker at all.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from grader.classroom.gradebook import FILE_NAME
from grader.classroom.runner import Pool
from grader.classroom.worker import SAVED_COURSE

if TYPE_CHECKING:
    from grader.course.model import Course

WORK_DIR = ".work"  # in OUT: extracted archives, the saved course, known-wrong results


class BatchError(Exception):
    """Raise when the batch cannot run at all (a usage problem)."""


def checked_folders(submissions: Path, out: Path) -> tuple[Path, Path]:
    """Return both folders resolved; raise BatchError if they cannot be used together."""
    given, wanted = submissions, out
    submissions, out = submissions.resolve(), out.resolve()
    if not submissions.is_dir():
        raise BatchError(f"{given} is not a folder of submissions")
    if out == submissions or out.is_relative_to(submissions):
        raise BatchError(f"--out {wanted} must not be inside {given}")
    if submissions.is_relative_to(out):
        raise BatchError(f"{given} must not be inside --out {wanted}")
    return submissions, out


def worker_pool(
    jobs: int, course_root: Path, call_timeout: float, budget: float, work: Path
) -> Pool:
    """Start the run's workers, sharing `work` (the course saved there, known-wrong results)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    root = course_root.resolve()  # the workers run in OUT: a relative path would miss it
    return Pool(jobs, root, call_timeout, budget, env, cwd=work.parent, shared=work)


def publish_course(work: Path, course: Course) -> None:
    """Save the loaded course for the workers (an empty file if it cannot be: they load it)."""
    from grader.course.cache import save

    path = work / SAVED_COURSE
    try:
        if not save(path, course):
            path.write_bytes(b"")
    except OSError:
        pass  # the workers load the course themselves once they stop waiting for it


@contextmanager
def early_workers(
    submissions: Path,
    out: Path,
    jobs: int,
    call_timeout: float,
    budget: float,
    force: bool,
    course_root: Path,
) -> Iterator[Pool | None]:
    """Start the workers now for a fresh OUT (else yield None); stop them however it ends."""
    pool, made_out = None, False
    try:
        submissions, out = checked_folders(submissions, out)
        wanted = any(submissions.iterdir()) and (force or not (out / FILE_NAME).exists())
    except (BatchError, OSError):
        wanted = False  # the run says what is wrong
    if wanted:
        made_out = not out.exists()
        work = out / WORK_DIR
        shutil.rmtree(work, ignore_errors=True)
        try:
            work.mkdir(parents=True)
            pool = worker_pool(jobs, course_root, call_timeout, budget, work)
        except OSError:
            pool = None  # the run starts them when it needs them, and says what failed
    try:
        yield pool
    finally:
        if wanted:  # the run closes its workers when it gets that far: then this is a no-op
            if pool is not None:
                pool.close(kill=True)
            shutil.rmtree(out / WORK_DIR, ignore_errors=True)
            if made_out:
                try:
                    out.rmdir()  # only if the run never got to write anything there
                except OSError:
                    pass

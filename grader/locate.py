"""Which course a command works on: the one asked for, the author's checkout, or the installed one.

Students grade against the course installed with the grader. Authors stand in a checkout of
the course: `grade validate`, `grade build-site`, `grade digest` and `grade package` use the
course folder of the current directory when there is one. `--course DIR` or
$GRADE_COURSE_DIR (for every command, tests included) overrides both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from grader.course.load import COURSE_FILE, default_root, load_course
from grader.course.model import Course

COURSE_ENV = "GRADE_COURSE_DIR"


def checkout_course(cwd: Path) -> Path | None:
    """Return the course folder of the checkout at `cwd` (cwd or cwd/exercises), if any."""
    for candidate in (cwd, cwd / "exercises"):
        if (candidate / COURSE_FILE).is_file():
            return candidate
    return None


def course_dir(
    explicit: Path | None = None,
    *,
    authoring: bool = False,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Return the course folder to use: `explicit`, $GRADE_COURSE_DIR, the checkout, installed.

    The checkout of the current directory counts only for `authoring` commands.
    """
    env = os.environ if env is None else env
    if explicit is not None:
        return explicit
    if env.get(COURSE_ENV):
        return Path(env[COURSE_ENV])
    if authoring:
        found = checkout_course(Path.cwd() if cwd is None else cwd)
        if found is not None:
            return found
    return default_root()


def find_course(
    explicit: Path | None = None, *, authoring: bool = False, drafts: bool = False
) -> Course:
    """Load the course `course_dir` picks; raise InputError when it has problems."""
    return load_course(course_dir(explicit, authoring=authoring), drafts=drafts)


def describe(course: Course) -> str:
    """Return one line naming the course and where it was read from."""
    version = f" (version {course.version})" if course.version else ""
    return f"Course: {course.title}{version} at {course.root}"

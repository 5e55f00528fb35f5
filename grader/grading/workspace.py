"""Where a student's workspace is, and grading one end to end."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from grader.course.model import Course
from grader.grading.quizzes import ANSWERS_FILE
from grader.grading.results import Report

STATE_DIR = ".grade"


class NotAWorkspace(Exception):
    """Raise when a folder holds none of the course's files."""


def find_workspace(course: Course, folder: Path) -> Path:
    """Return `folder` if it looks like a workspace of this course, else raise NotAWorkspace."""
    names = [exercise.file for exercise in course.exercises] + [ANSWERS_FILE]
    if any(os.path.lexists(folder / name) for name in names):
        return folder
    raise NotAWorkspace(
        f"{folder} is not a workspace of '{course.title}' (no exercise files or {ANSWERS_FILE});"
        " create one with: grade init DIR"
    )


def grade_workspace(course: Course, folder: Path, only: Iterable[str] | None = None) -> Report:
    """Grade the workspace in `folder` (all items, or only the given ids)."""
    from grader.grading.engine import Grader

    find_workspace(course, folder)
    with Grader(course) as grader:
        return grader.grade(folder, only)

"""Grade one student workspace end to end."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from grader.engine import Grader
from grader.model import Course
from grader.results import Report
from grader.workspace import find_workspace


def grade_workspace(course: Course, folder: Path, only: Iterable[str] | None = None) -> Report:
    """Grade the workspace in `folder` (all items, or only the given ids)."""
    find_workspace(course, folder)
    with Grader(course) as grader:
        return grader.grade(folder, only)

"""Point a build problem at the line of exercise.yaml (or course.yaml) where its text starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.course import safe_yaml
from grader.course.problems import InputError, Problem, display_path


@dataclass(frozen=True)
class Origin:
    """Where a piece of course text comes from: a YAML file and the key path inside it."""

    source: Path
    key: tuple[str | int, ...]

    def child(self, *key: str | int) -> Origin:
        """Return the origin of a value nested under this one."""
        return Origin(self.source, (*self.key, *key))


def problem(origin: Origin, message: str, needle: str | None = None) -> Problem:
    """Return a Problem at the line where `needle` (or else the key) appears, best effort."""
    where = display_path(origin.source)
    try:
        data = origin.source.read_bytes()
        located = safe_yaml.load(data, where)
        lines = data.decode("utf-8").splitlines()
    except (InputError, OSError, UnicodeDecodeError):
        return Problem(where, None, None, message)
    line, column = located.where(*origin.key)
    if line is None:
        return Problem(where, None, None, message)
    if needle:
        found = _find(lines, line, column or 1, needle.strip())
        if found is not None:
            return Problem(where, found[0], found[1], message)
    return Problem(where, line, column, message)


def _find(lines: list[str], line: int, column: int, needle: str) -> tuple[int, int] | None:
    """Find `needle` in the value that starts at (line, column); stop where the value ends."""
    first = lines[line - 1] if line - 1 < len(lines) else ""
    base = len(first) - len(first.lstrip())
    for number in range(line - 1, len(lines)):
        text = lines[number]
        if number > line - 1 and text.strip() and len(text) - len(text.lstrip()) <= base:
            return None
        start = text.find(needle, column - 1 if number == line - 1 else 0)
        if start >= 0:
            return number + 1, start + 1
    return None

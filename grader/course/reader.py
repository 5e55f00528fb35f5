"""Read one YAML file's fields into typed values, collecting a located problem for each mistake."""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Any

from grader.course import safe_yaml
from grader.course.problems import Problem

ID = re.compile(r"^[a-z][a-z0-9_]*$")


class Reader:
    """Collect problems while reading one YAML file's fields."""

    def __init__(self, located: safe_yaml.Located, source: str, problems: list[Problem]):
        self.located = located
        self.source = source
        self.problems = problems

    def problem(self, path: tuple, message: str) -> None:
        line, column = self.located.where(*path)
        self.problems.append(Problem(self.source, line, column, message))

    def mapping(self, path: tuple, allowed: set[str], required: set[str]) -> dict[str, Any] | None:
        value = lookup(self.located.data, path)
        if value is MISSING:
            return None  # reported once, as a missing required key of the parent
        if not isinstance(value, dict):
            self.problem(path, "expected a mapping of 'key: value' lines")
            return None
        for key in value:
            if key not in allowed:
                near = closest(key, allowed)
                fix = (
                    f"did you mean '{near}'?" if near else f"allowed: {', '.join(sorted(allowed))}"
                )
                self.problem((*path, key), f"unknown key '{key}'; {fix}")
        for key in sorted(required - value.keys()):
            self.problem(path, f"missing required key '{key}'; add '{key}: ...'")
        return value

    def text(self, mapping: dict, path: tuple, key: str, default: str | None = None) -> str:
        value = mapping.get(key, default)
        if not isinstance(value, str) or not value.strip():
            if key in mapping or default is None:
                self.problem((*path, key), f"'{key}' must be non-empty text; write {key}: ...")
            return default or ""
        return value

    def identifier(self, mapping: dict, path: tuple, key: str) -> str:
        value = self.text(mapping, path, key)
        if value and not ID.match(value):
            self.problem(
                (*path, key),
                f"'{key}' must be lower-case letters, digits and '_' (like relu_output)",
            )
        return value

    def positive_int(self, mapping: dict, path: tuple, key: str, example: int = 1) -> int:
        if key not in mapping:
            return 0  # reported once, as a missing required key
        value = mapping[key]
        if type(value) is not int or value <= 0:
            self.problem(
                (*path, key), f"'{key}' must be a positive integer; write {key}: {example}"
            )
            return 0
        return value

    def number(self, mapping: dict, path: tuple, key: str, default: float | None) -> float:
        value = mapping.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            self.problem((*path, key), f"'{key}' must be a positive number; write {key}: 1.0e-6")
            return default or 1e-6
        return float(value)

    def text_list(self, mapping: dict, path: tuple, key: str, required: bool = False) -> list[str]:
        value = mapping.get(key, None if required else [])
        if not isinstance(value, list) or not all(
            isinstance(entry, str) and entry.strip() for entry in value
        ):
            self.problem((*path, key), f"'{key}' must be a list of text lines; write {key}: [...]")
            return []
        if required and not value:
            self.problem((*path, key), f"'{key}' must list at least one entry")
        return value

    def file(self, folder: Path, mapping: dict, path: tuple, key: str) -> Path:
        name = self.text(mapping, path, key)
        if not name:
            return folder / "missing"
        return self.existing(folder, name, (*path, key))

    def existing(self, folder: Path, name: str, path: tuple) -> Path:
        candidate = (folder / name).resolve()
        if folder.resolve() not in candidate.parents:
            self.problem(path, f"'{name}' must be a file inside {folder.name}/")
        elif not candidate.is_file():
            self.problem(path, f"file '{name}' does not exist in {folder.name}/; create it")
        return candidate


MISSING = object()


def lookup(data: Any, path: tuple) -> Any:
    """Return the value at `path`, or None when it is missing (a missing required mapping)."""
    for key in path:
        if isinstance(data, dict):
            data = data.get(key, MISSING)
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return MISSING
    return data


def closest(key: str, allowed: set[str]) -> str | None:
    matches = difflib.get_close_matches(key, sorted(allowed), n=1)
    return matches[0] if matches else None

"""Errors that point at a place in a file and say how to fix it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path


def visible(text: str) -> str:
    """Escape what a reader cannot see or could mistake: controls, invisibles, non-ASCII letters.

    Plain ASCII is kept as is; anything else is written as a Python escape (\\u0430 for a
    Cyrillic a that looks like a Latin one), so two keys that look the same print differently.
    """
    out = []
    for char in text:
        if " " <= char <= "~":
            out.append(char)
        elif char in "\t\n":
            out.append(char.encode("unicode_escape").decode())
        else:
            out.append(ascii(char)[1:-1])
    return "".join(out)


def is_plain(text: str) -> bool:
    """Return whether `text` is printable ASCII (no look-alikes, no invisible characters)."""
    return all(" " <= char <= "~" for char in text) and unicodedata.is_normalized("NFC", text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where, what, and how to fix it."""

    path: str
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raise when an input file (course YAML, answers, submission) is unusable."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path, base: Path | None = None) -> str:
    """Return `path` relative to `base` (or the working directory) when it lies inside it."""
    for root in (base, Path.cwd()):
        if root is None:
            continue
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            continue
    return str(path)

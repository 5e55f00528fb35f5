"""The class gradebook: one SQLite file in the output folder, written as each submission ends.

Schema (version 1; docs/batch.md is the reference for tools built on top of it):

* `meta(key, value)`: `schema_version`, `course_title`, `course_version`, `course_sha256`,
  `grader_version`, `items` (a JSON list of the course's item ids in course order).
* `students(student PRIMARY KEY, status, score, max_score, files_sha256, course_sha256,
  grader_version, message, report, detail, graded_at)`: one row per student. `status` is
  `graded`, `unreadable`, `timed out` or `error`; `message` says why for the last three.
  `report` is the versioned JSON of `grade check --format json` (NULL unless graded),
  `detail` the grader's full-fidelity form used to render the other report formats.
  `files_sha256` is a SHA-256 over the submitted files the course expects.
* `item_scores(student, item, status, score, max_score)`: one row per graded student and
  course item.
* `item_cache(item, key, result)`: graded exercise results shared by identical files
  (see batch.cache_key); never read by other tools.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
FILE_NAME = "gradebook.sqlite"

GRADED, UNREADABLE, TIMED_OUT, ERROR = "graded", "unreadable", "timed out", "error"
STATUSES = (GRADED, UNREADABLE, TIMED_OUT, ERROR)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS students (
    student TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('graded', 'unreadable', 'timed out', 'error')),
    score INTEGER NOT NULL,
    max_score INTEGER NOT NULL,
    files_sha256 TEXT NOT NULL,
    course_sha256 TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    report TEXT,
    detail TEXT,
    graded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS item_scores (
    student TEXT NOT NULL REFERENCES students(student) ON DELETE CASCADE,
    item TEXT NOT NULL,
    status TEXT NOT NULL,
    score INTEGER NOT NULL,
    max_score INTEGER NOT NULL,
    PRIMARY KEY (student, item)
);
CREATE TABLE IF NOT EXISTS item_cache (
    item TEXT NOT NULL,
    key TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (item, key)
);
"""

_COLUMNS = (
    "student, status, score, max_score, files_sha256, course_sha256, grader_version,"
    " message, report, detail, graded_at"
)


class GradebookError(Exception):
    """Raise when the gradebook file cannot be used (another course, a newer schema)."""


@dataclass(frozen=True)
class Row:
    """One student's row."""

    student: str
    status: str
    score: int
    max_score: int
    files_sha256: str
    course_sha256: str
    grader_version: str
    message: str = ""
    report: str | None = None
    detail: str | None = None
    graded_at: str = ""


class Gradebook:
    """Open (or create) the gradebook in a folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives kill -9
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_SCHEMA)
        version = self.meta().get("schema_version")
        if version is not None and version != str(SCHEMA_VERSION):
            raise GradebookError(
                f"{path}: gradebook schema {version}, this grader reads {SCHEMA_VERSION};"
                " use a new --out folder"
            )

    def close(self) -> None:
        """Checkpoint the log into the main file and close."""
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta ----------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        """Return the meta table."""
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def set_meta(self, values: dict[str, str]) -> None:
        """Write meta values."""
        with self._transaction():
            self.db.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [("schema_version", str(SCHEMA_VERSION)), *values.items()],
            )

    # -- students ----------------------------------------------------------------------

    def row(self, student: str) -> Row | None:
        """Return one student's row, or None."""
        found = self.db.execute(
            f"SELECT {_COLUMNS} FROM students WHERE student = ?", (student,)
        ).fetchone()
        return Row(*found) if found else None

    def rows(self) -> Iterator[Row]:
        """Yield every row, by student id."""
        for found in self.db.execute(f"SELECT {_COLUMNS} FROM students ORDER BY student"):
            yield Row(*found)

    def keys(self) -> dict[str, tuple[str, str, str, str]]:
        """Return student -> (status, files_sha256, course_sha256, grader_version)."""
        return {
            student: (status, files, course, version)
            for student, status, files, course, version in self.db.execute(
                "SELECT student, status, files_sha256, course_sha256, grader_version FROM students"
            )
        }

    def put(
        self,
        row: Row,
        items: list[tuple[str, str, int, int]],
        shared: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        """Write one student's row, item scores and shared results (item_data as sorted JSON)
        in one transaction."""
        with self._transaction():
            if shared:
                self._cache(shared)
            self._put(row, items)

    def _put(self, row: Row, items: list[tuple[str, str, int, int]]) -> None:
        self.db.execute("DELETE FROM item_scores WHERE student = ?", (row.student,))
        self.db.execute(
            f"INSERT OR REPLACE INTO students({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                row.student,
                row.status,
                row.score,
                row.max_score,
                row.files_sha256,
                row.course_sha256,
                row.grader_version,
                row.message,
                row.report,
                row.detail,
                row.graded_at,
            ),
        )
        self.db.executemany(
            "INSERT INTO item_scores(student, item, status, score, max_score) VALUES (?,?,?,?,?)",
            [(row.student, *item) for item in items],
        )

    def item_scores(self, student: str) -> dict[str, tuple[str, int, int]]:
        """Return item id -> (status, score, max_score) for one student."""
        return {
            item: (status, score, max_score)
            for item, status, score, max_score in self.db.execute(
                "SELECT item, status, score, max_score FROM item_scores WHERE student = ?",
                (student,),
            )
        }

    def remove(self, students: list[str]) -> None:
        """Delete these students' rows."""
        with self._transaction():
            self.db.executemany("DELETE FROM students WHERE student = ?", [(s,) for s in students])

    # -- shared results ------------------------------------------------------------------

    def cached(self, item: str, key: str) -> dict | None:
        """Return a cached exercise result, or None."""
        found = self.db.execute(
            "SELECT result FROM item_cache WHERE item = ? AND key = ?", (item, key)
        ).fetchone()
        return json.loads(found[0]) if found else None

    def cache(self, entries: Sequence[tuple[str, str, str]]) -> None:
        """Remember exercise results for identical files (item_data as sorted JSON)."""
        with self._transaction():
            self._cache(entries)

    def _cache(self, entries: Sequence[tuple[str, str, str]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO item_cache(item, key, result) VALUES (?, ?, ?)", entries
        )

    def cache_keys(self) -> set[tuple[str, str]]:
        """Return the (item, key) of every shared result."""
        return set(self.db.execute("SELECT item, key FROM item_cache"))

    def problems(self) -> list[tuple[str, str, str]]:
        """Return (student, status, message) of every student not graded, by student id."""
        return list(
            self.db.execute(
                "SELECT student, status, message FROM students WHERE status != ? ORDER BY student",
                (GRADED,),
            )
        )

    # -- merging -------------------------------------------------------------------------

    def merge_from(self, other: Path) -> int:
        """Copy every student of another gradebook in, newer rows winning; return how many."""
        source = sqlite3.connect(f"file:{other}?mode=ro", uri=True)
        try:
            rows = [Row(*r) for r in source.execute(f"SELECT {_COLUMNS} FROM students")]
            scores: dict[str, list] = {}
            for student, *item in source.execute(
                "SELECT student, item, status, score, max_score FROM item_scores"
            ):
                scores.setdefault(student, []).append(tuple(item))
        finally:
            source.close()
        taken = 0
        with self._transaction():
            for row in rows:
                mine = self.row(row.student)
                if mine is not None and (mine.graded_at, mine.files_sha256) > (
                    row.graded_at,
                    row.files_sha256,
                ):
                    continue
                self._put(row, scores.get(row.student, []))
                taken += 1
        return taken

    def _transaction(self):
        return _Transaction(self.db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, *exc: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def items_of(meta: dict[str, str]) -> list[str]:
    """Return the item ids recorded in the meta table."""
    return json.loads(meta.get("items", "[]"))

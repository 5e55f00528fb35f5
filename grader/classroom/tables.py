"""Read the small CSV files an instructor brings (roster, times, extensions) with positions.

Every problem is an InputError whose lines read `path:line:col: what; fix`. Files exported by
spreadsheets and LMSs are accepted as they come: a UTF-8 byte order mark, CRLF line ends and
surrounding spaces in the header are fine.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.course.problems import InputError, Problem, display_path

MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    """One data row: its values by lower-case column name, and where it is in the file."""

    line: int
    values: dict[str, str]
    columns: dict[str, int]  # column name -> 1-based character column of its cell

    def get(self, name: str) -> str:
        """Return the cell of column `name`, stripped; empty when the column is absent."""
        return self.values.get(name, "").strip()

    def where(self, source: str, name: str) -> tuple[str, int, int]:
        """Return (source, line, column) of the cell of column `name`."""
        return source, self.line, self.columns.get(name, 1)


@dataclass(frozen=True)
class Table:
    """A CSV file read as rows, with the display path used in problems."""

    source: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]

    def problem(self, row: Row, column: str, message: str) -> Problem:
        """Return a Problem pointing at one cell."""
        return Problem(*row.where(self.source, column), message)


def read_table(
    path: Path, *, required: tuple[str, ...], optional: tuple[str, ...] = (), what: str
) -> Table:
    """Read a CSV file whose header names `required` (and maybe `optional`) columns."""
    source = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(Problem(source, None, None, f"cannot read: {error.strerror}")) from None
    if len(data) > MAX_BYTES:
        raise InputError(
            Problem(
                source, None, None, f"larger than {MAX_BYTES // 1024 // 1024} MB; is it {what}?"
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            Problem(
                source,
                None,
                None,
                f"not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start});"
                " save it as CSV UTF-8",
            )
        ) from None
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header_cells = next(reader, None)
    except csv.Error as error:
        raise InputError(Problem(source, 1, 1, f"not CSV: {error}")) from None
    if not header_cells or not any(cell.strip() for cell in header_cells):
        raise InputError(
            Problem(source, 1, 1, f"empty; {what} starts with a header: {', '.join(required)}")
        )
    header = tuple(cell.strip().lower() for cell in header_cells)
    missing = [name for name in required if name not in header]
    if missing:
        raise InputError(
            Problem(
                source,
                1,
                1,
                f"no column {', '.join(repr(name) for name in missing)}; the header of {what}"
                f" names {', '.join(required)}"
                + (f" (and optionally {', '.join(optional)})" if optional else ""),
            )
        )
    doubled = sorted({name for name in header if name and header.count(name) > 1})
    if doubled:
        raise InputError(Problem(source, 1, 1, f"column {doubled[0]!r} appears twice; keep one"))
    rows: list[Row] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise InputError(
                Problem(source, start, 1, f"not CSV: {error}; check the quotes")
            ) from None
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            name: cells[index] if index < len(cells) else "" for index, name in enumerate(header)
        }
        raw = lines[start - 1] if start - 1 < len(lines) else ""
        rows.append(Row(start, values, _columns(raw, header)))
    return Table(source, header, tuple(rows))


def _columns(raw: str, header: tuple[str, ...]) -> dict[str, int]:
    """Return each column's 1-based character position in an unquoted line (else 1)."""
    if '"' in raw:
        return {name: 1 for name in header}
    positions, offset = {}, 1
    for name, cell in zip(header, raw.split(","), strict=False):
        positions[name] = offset
        offset += len(cell) + 1
    return positions


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time with a zone (2026-12-01T23:59:00+01:00, or Z); else ValueError."""
    text = text.strip()
    if not text:
        raise ValueError("no time given; write it as 2026-12-01T23:59:00+01:00")
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValueError(
            f"{text[:40]!r} is not an ISO 8601 time; write it as 2026-12-01T23:59:00+01:00"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{text[:40]!r} has no time zone; add one, e.g. {text[:19]}+01:00 or {text[:19]}Z"
        )
    return moment

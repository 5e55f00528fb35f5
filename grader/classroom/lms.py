"""Fill one assignment column of an LMS's own gradebook export with final scores.

Canvas (Grades > Export) and Moodle (Grades > Export > Plain text file) export CSV files whose
other columns must go back unchanged; this module edits only the cells of one column, so every
other byte (the byte order mark, quoting, line ends, Canvas's "Points Possible" row) is kept.
Students are matched by SIS id, then login, then email; see docs/batch.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from grader.reporters.csv_report import spreadsheet_safe

LMS_NAMES = ("canvas", "moodle", "csv")

# The identifier columns of each LMS's export, lower-case, and what of ours they hold.
_IDENTIFIERS: dict[str, tuple[tuple[str, str], ...]] = {
    "canvas": (("sis user id", "sis_id"), ("sis login id", "login"), ("sis login id", "email")),
    "moodle": (
        ("id number", "sis_id"),
        ("username", "login"),
        ("email address", "email"),
    ),
}
POINTS_POSSIBLE = "points possible"


class ExportError(ValueError):
    """Raise when the template cannot be filled: a missing column, an unreadable file."""


@dataclass(frozen=True)
class Score:
    """One student's final score and the identifiers an LMS may know them by."""

    student: str  # our id, which is also their LMS login
    score: float | None  # None: leave the LMS's cell as it is
    sis_id: str = ""
    email: str = ""


@dataclass(frozen=True)
class Filled:
    """The filled file and what could not be matched."""

    data: bytes
    column: str  # the header of the column filled
    filled: tuple[tuple[str, str], ...]  # (our student, how matched)
    unmatched_rows: tuple[str, ...]  # LMS rows left as they were (their display name)
    unmatched_students: tuple[str, ...]  # ours with no LMS row


@dataclass(frozen=True)
class _Field:
    start: int
    end: int  # exclusive, before the delimiter or line end
    quoted: bool


def _records(text: str) -> list[list[_Field]]:
    """Split CSV text into records of fields with their exact spans (RFC 4180 quoting)."""
    records: list[list[_Field]] = []
    fields: list[_Field] = []
    index, length = 0, len(text)
    while index < length:
        start = index
        quoted = text[index] == '"'
        if quoted:
            index += 1
            while True:
                close = text.find('"', index)
                if close < 0:
                    raise ExportError("a quoted cell never ends; is this the LMS's CSV export?")
                if close + 1 < length and text[close + 1] == '"':
                    index = close + 2
                    continue
                index = close + 1
                break
        while index < length and text[index] not in ",\r\n":
            index += 1
        fields.append(_Field(start, index, quoted))
        if index < length and text[index] == ",":
            index += 1
            if index == length:
                fields.append(_Field(index, index, False))
            continue
        records.append(fields)
        fields = []
        if text.startswith("\r\n", index):
            index += 2
        elif index < length:
            index += 1
    if fields:
        records.append(fields)
    return records


def _value(text: str, span: _Field) -> str:
    raw = text[span.start : span.end]
    if span.quoted:
        return next(csv.reader([raw]))[0] if raw else ""
    return raw


def _quote(cell: str) -> str:
    if any(character in cell for character in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def format_score(score: float) -> str:
    """Write a score without a trailing .0: 7, 6.5, 6.25."""
    return f"{round(score, 2):g}"


def find_column(header: Sequence[str], name: str) -> int:
    """Return the index of column `name`: exact, else the one Canvas named 'name (id)'."""
    wanted = name.strip()
    exact = [i for i, cell in enumerate(header) if cell.strip() == wanted]
    if len(exact) == 1:
        return exact[0]
    prefixed = [
        i
        for i, cell in enumerate(header)
        if cell.strip().startswith(wanted + " (") and cell.strip().endswith(")")
    ]
    if len(exact) + len(prefixed) == 1:
        return (exact + prefixed)[0]
    if exact or prefixed:
        names = ", ".join(repr(header[i]) for i in exact + prefixed)
        raise ExportError(
            f"{len(exact) + len(prefixed)} columns match {name!r} ({names});"
            " pass the full header, e.g. with the Canvas id in brackets"
        )
    raise ExportError(
        f"no column {name!r} in the export; its columns are "
        + ", ".join(repr(cell) for cell in header if cell.strip())
        + ". Create the assignment in the LMS first and export the gradebook again"
    )


def fill_template(lms: str, template: bytes, column: str, scores: Sequence[Score]) -> Filled:
    """Return `template` with column `column` holding each matched student's score."""
    if lms not in _IDENTIFIERS:
        raise ExportError(f"unknown LMS {lms!r}; use canvas, moodle or csv")
    bom = b"\xef\xbb\xbf" if template.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = template[len(bom) :].decode("utf-8")
    except UnicodeDecodeError as error:
        raise ExportError(
            f"the export is not UTF-8 (byte 0x{template[len(bom) + error.start]:02x});"
            " export it again as CSV UTF-8"
        ) from None
    records = _records(text)
    if not records:
        raise ExportError("the export is empty; export the gradebook from the LMS again")
    header = [_value(text, span).strip() for span in records[0]]
    target = find_column(header, column)
    lower = [cell.lower() for cell in header]
    keys = [(lower.index(name), ours) for name, ours in _IDENTIFIERS[lms] if name in lower]
    if not keys:
        names = ", ".join(sorted({name for name, _ in _IDENTIFIERS[lms]}))
        raise ExportError(f"the export has no identifier column ({names}); is it a {lms} export?")
    indexes: dict[str, dict[str, Score]] = {"sis_id": {}, "login": {}, "email": {}}
    for score in scores:
        if score.sis_id:
            indexes["sis_id"][score.sis_id.strip().casefold()] = score
        indexes["login"][score.student.strip().casefold()] = score
        if score.email:
            indexes["email"][score.email.strip().casefold()] = score
    pieces: list[str] = []
    cursor = 0
    filled: list[tuple[str, str]] = []
    unmatched_rows: list[str] = []
    seen: set[str] = set()
    for number, record in enumerate(records[1:], start=2):
        cells = [_value(text, span) for span in record]
        if not any(cell.strip() for cell in cells):
            continue
        if cells[0].strip().lower() == POINTS_POSSIBLE:  # Canvas's second row: kept as is
            continue
        found = None
        for index, ours in keys:
            value = cells[index].strip().casefold() if index < len(cells) else ""
            if value and value in indexes[ours]:
                found = (indexes[ours][value], header[index])
                break
        if found is None or found[0].student in seen:
            shown = cells[:2] if lms == "moodle" else cells[:1]  # Moodle: first, last name
            unmatched_rows.append(" ".join(c.strip() for c in shown).strip() or f"line {number}")
            continue
        score, how = found
        seen.add(score.student)
        if score.score is None:
            continue
        if target >= len(record):
            raise ExportError(f"line {number} has fewer cells than the header; is the file cut?")
        span = record[target]
        pieces.append(text[cursor : span.start])
        pieces.append(_quote(format_score(score.score)))
        cursor = span.end
        filled.append((score.student, how))
    pieces.append(text[cursor:])
    unmatched_students = tuple(s.student for s in scores if s.student not in seen)
    return Filled(
        bom + "".join(pieces).encode("utf-8"),
        header[target],
        tuple(filled),
        tuple(unmatched_rows),
        unmatched_students,
    )


def simple_csv(scores: Sequence[Score]) -> bytes:
    """Write `student,score` rows (CRLF, RFC 4180); students without a score are left out."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["student", "score"])
    for score in scores:
        if score.score is not None:
            writer.writerow([spreadsheet_safe(score.student), format_score(score.score)])
    return buffer.getvalue().encode("utf-8")

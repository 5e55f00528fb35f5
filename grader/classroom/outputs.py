"""Regenerate a batch's output files from its gradebook alone (so a resumed or merged run
writes the same bytes as one uninterrupted run).

* `gradebook.csv`: student, status, score, max_score, then each item's score in course order
  (blank when the student was not graded), then the class columns (roster, late work; see
  grader.classroom.rows.CLASS_COLUMNS) when the run has them;
* `attention.csv`: student, status, message for every student not graded;
* `reports/<student>.json` (as `grade check --format json`) and `reports/<student>.md`;
* `gradescope/<student>/results.json` when asked.

A file is rewritten only when its content changes, atomically; files of students no longer in
the gradebook are removed.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Collection, Sequence
from pathlib import Path

from grader.classroom.detail import report_from
from grader.classroom.gradebook import GRADED, Gradebook, items_of
from grader.classroom.rows import CLASS_COLUMNS, MISSING, ClassRow, row_cells
from grader.reporters import FORMATS
from grader.reporters.csv_report import spreadsheet_safe


def write_outputs(
    book: Gradebook,
    out: Path,
    *,
    gradescope: bool = False,
    class_rows: Sequence[ClassRow] | None = None,
    written: Collection[str] = (),
) -> int:
    """Write every output file from the gradebook; return how many students it holds.

    With `class_rows` (roster, late work: grader.classroom.run.finish_book), gradebook.csv
    gains the class columns after the item scores, and a `missing` row per roster student
    without a submission. The report files of the `written` students were just written
    from their rows (grader.classroom.rendering), so they are kept, not rendered again.
    """
    item_ids = items_of(book.meta())
    by_student = {row.student: row for row in class_rows or ()}
    extra = list(CLASS_COLUMNS) if class_rows is not None else []
    table = io.StringIO()
    attention = io.StringIO()
    rows = csv.writer(table, lineterminator="\r\n")
    problems = csv.writer(attention, lineterminator="\r\n")
    rows.writerow(["student", "status", "score", "max_score", *item_ids, *extra])
    problems.writerow(["student", "status", "message"])
    wanted: set[Path] = set()
    count = 0
    for row in book.rows():
        count += 1
        if row.status == GRADED:
            scores = book.item_scores(row.student)
            cells = [row.score, row.max_score, *(scores.get(i, ("", "", ""))[1] for i in item_ids)]
        else:
            cells = ["", row.max_score, *("" for _ in item_ids)]
            problems.writerow([spreadsheet_safe(c) for c in (row.student, row.status, row.message)])
        cells += _class_cells(by_student.get(row.student), extra)
        rows.writerow([spreadsheet_safe(c) for c in (row.student, row.status, *cells)])
        if row.status != GRADED or row.detail is None:
            continue
        paths = report_paths(out, row.student, gradescope)
        wanted.update(paths.values())
        if row.student in written:
            continue
        report = report_from(json.loads(row.detail))
        write_if_changed(paths["json"], row.report or FORMATS["json"](report))
        write_if_changed(paths["markdown"], FORMATS["markdown"](report))
        if gradescope:
            write_if_changed(paths["gradescope"], FORMATS["gradescope"](report))
    for missing in (r for r in class_rows or () if r.status == MISSING):
        cells = [missing.student, MISSING, "", row_cells(missing)["max_score"]]
        cells += ["" for _ in item_ids] + _class_cells(missing, extra)
        rows.writerow([spreadsheet_safe(c) for c in cells])
    write_if_changed(out / "gradebook.csv", table.getvalue())
    write_if_changed(out / "attention.csv", attention.getvalue())
    _remove_stale(out / "reports", wanted)
    _remove_stale(out / "gradescope", wanted)
    return count


def report_paths(out: Path, student: str, gradescope: bool) -> dict[str, Path]:
    """Return a graded student's report files by format."""
    paths = {
        "json": out / "reports" / f"{student}.json",
        "markdown": out / "reports" / f"{student}.md",
    }
    if gradescope:
        paths["gradescope"] = out / "gradescope" / student / "results.json"
    return paths


def _class_cells(row: ClassRow | None, columns: list[str]) -> list[str]:
    if row is None:
        return ["" for _ in columns]
    cells = row_cells(row)
    return [cells[name] for name in columns]


def write_if_changed(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, unless it already holds exactly that."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _remove_stale(folder: Path, wanted: set[Path]) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()

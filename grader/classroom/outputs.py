"""Regenerate a batch's output files from its gradebook alone (so a resumed or merged run
writes the same bytes as one uninterrupted run).

* `gradebook.csv`: student, status, score, max_score, then each item's score in course order
  (blank when the student was not graded);
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
from pathlib import Path

from grader.classroom.detail import report_from
from grader.classroom.gradebook import GRADED, Gradebook, items_of
from grader.reporters import FORMATS
from grader.reporters.csv_report import spreadsheet_safe


def write_outputs(book: Gradebook, out: Path, *, gradescope: bool = False) -> int:
    """Write every output file from the gradebook; return how many students it holds."""
    item_ids = items_of(book.meta())
    table = io.StringIO()
    attention = io.StringIO()
    rows = csv.writer(table, lineterminator="\r\n")
    problems = csv.writer(attention, lineterminator="\r\n")
    rows.writerow(["student", "status", "score", "max_score", *item_ids])
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
        rows.writerow([spreadsheet_safe(c) for c in (row.student, row.status, *cells)])
        if row.status != GRADED or row.detail is None:
            continue
        report = report_from(json.loads(row.detail))
        files = {
            out / "reports" / f"{row.student}.json": row.report or FORMATS["json"](report),
            out / "reports" / f"{row.student}.md": FORMATS["markdown"](report),
        }
        if gradescope:
            files[out / "gradescope" / row.student / "results.json"] = FORMATS["gradescope"](report)
        for path, text in files.items():
            write_if_changed(path, text)
            wanted.add(path)
    write_if_changed(out / "gradebook.csv", table.getvalue())
    write_if_changed(out / "attention.csv", attention.getvalue())
    _remove_stale(out / "reports", wanted)
    _remove_stale(out / "gradescope", wanted)
    return count


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

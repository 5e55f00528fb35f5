"""`grade export`: put the final scores of a graded class into an LMS's gradebook file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.lms import ExportError, Filled, Score, fill_template, simple_csv
from grader.classroom.run import GRADEBOOK
from grader.classroom.tables import read_table
from grader.course.problems import InputError


@dataclass(frozen=True)
class Exported:
    """What `grade export` wrote and what it could not match."""

    out: Path
    filled: int
    column: str
    unmatched_rows: tuple[str, ...] = ()
    unmatched_students: tuple[str, ...] = ()


def read_scores(folder: Path) -> list[Score]:
    """Read the final scores of a graded class from folder/gradebook.csv."""
    path = folder / GRADEBOOK
    if not path.is_file():
        raise ExportError(
            f"no {GRADEBOOK} in {folder}; run `grade batch` (or `grade class`) on it first"
        )
    try:
        table = read_table(
            path,
            required=("student", "final_score"),
            optional=("sis_id", "email"),
            what="a gradebook",
        )
    except InputError as error:
        raise ExportError(str(error)) from None
    scores = []
    for row in table.rows:
        text = row.get("final_score")
        try:
            value = float(text) if text else None
        except ValueError:
            raise ExportError(
                f"{table.source}:{row.line}: final_score {text!r} is not a number;"
                " run `grade batch` again rather than editing the gradebook"
            ) from None
        scores.append(Score(row.get("student"), value, row.get("sis_id"), row.get("email")))
    return scores


def export_grades(
    folder: Path, lms: str, out: Path, template: Path | None = None, column: str | None = None
) -> Exported:
    """Write `out`: the LMS template with `column` filled, or (csv) student,score rows."""
    scores = read_scores(folder)
    if lms == "csv":
        data = simple_csv(scores)
        result = Filled(data, "score", tuple((s.student, "student") for s in scores), (), ())
    else:
        if template is None or not column:
            raise ExportError(
                f"--lms {lms} needs --template (the gradebook exported from {lms.title()})"
                " and --column (the assignment's column)"
            )
        try:
            data = template.read_bytes()
        except OSError as error:
            raise ExportError(f"cannot read {template}: {error.strerror}") from None
        result = fill_template(lms, data, column, scores)
    temporary = out.with_name(f".{out.name}.tmp")
    try:
        temporary.write_bytes(result.data)
        os.replace(temporary, out)
    except OSError as error:
        raise ExportError(f"cannot write {out}: {error.strerror}") from None
    return Exported(
        out, len(result.filled), result.column, result.unmatched_rows, result.unmatched_students
    )

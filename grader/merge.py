"""`grade merge`: combine shard output folders into one, as if one machine had graded the class.

Idempotent: a failed shard is re-run and merged again. Every shard must have been graded with
the same course and grader; the outputs are regenerated from the merged gradebook.
"""

from __future__ import annotations

from pathlib import Path

from grader.classroom.gradebook import FILE_NAME, Gradebook
from grader.classroom.outputs import write_outputs
from grader.classroom.run import ClassInputs, book_scores, finish_book
from grader.classroom.startup import BatchError
from grader.course.model import Course


def merge(
    inputs: list[Path],
    out: Path,
    *,
    gradescope: bool = False,
    course: Course | None = None,
    classroom: ClassInputs | None = None,
) -> tuple[int, int, list[str]]:
    """Merge shard output folders into `out`; return (taken, students in out, class lines).

    With the `course`, the class columns, changes.csv and class-report.html are written too.
    """
    books = []
    for folder in inputs:
        path = folder / FILE_NAME
        if not path.is_file():
            raise BatchError(f"{folder} holds no {FILE_NAME}; is it a `grade batch --out` folder?")
        books.append(path)
    out.mkdir(parents=True, exist_ok=True)
    taken = 0
    with Gradebook(out / FILE_NAME) as book:
        old_scores = book_scores(book)
        metas = []
        for path in books:
            with Gradebook(path) as shard:
                metas.append(shard.meta())
        for key in ("course_sha256", "grader_version"):
            values = {meta.get(key) for meta in metas} | (
                {book.meta()[key]} if key in book.meta() else set()
            )
            if len(values) > 1:
                raise BatchError(
                    f"the shards were graded with different {key.replace('_', ' ')}s;"
                    " re-run them with the same course and grader"
                )
        book.set_meta({k: v for k, v in metas[0].items() if k != "schema_version"})
        for path in books:
            if path.resolve() != (out / FILE_NAME).resolve():
                taken += book.merge_from(path)
        lines: list[str] = []
        rows = None
        if course is not None:
            finished = finish_book(book, out, course, classroom or ClassInputs(), old_scores)
            lines, rows = finished.summary(), finished.rows
        count = write_outputs(book, out, gradescope=gradescope, class_rows=rows)
    return taken, count, lines

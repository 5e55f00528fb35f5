"""The parent's shortcuts read and write exactly what the plain paths did."""

from __future__ import annotations

import json
from pathlib import Path

from grader.classroom.gradebook import GRADED, Gradebook, Row
from grader.classroom.run import CODE_FORMS, code_forms_of


def test_code_forms_of_reads_what_a_full_parse_reads() -> None:
    forms = {"relu.py": ["ab12", [["NAME", "def"], ["OP", "("]]], "x.py": ["", []]}
    for detail in (
        json.dumps({CODE_FORMS: forms, "items": [{"a": 1}], "workspace": "ada"}, sort_keys=True),
        json.dumps({"workspace": "ada", CODE_FORMS: forms}),  # not first: parsed whole
        json.dumps({"items": []}, sort_keys=True),
        "{}",
    ):
        assert code_forms_of(detail) == json.loads(detail).get(CODE_FORMS, {})


def _row(student: str) -> Row:
    return Row(student, GRADED, 3, 5, "f" * 64, "c" * 64, "0.1.0", "", "{}", "{}", "2026")


def test_put_commits_the_row_and_its_shared_results_together(tmp_path: Path) -> None:
    with Gradebook(tmp_path / "book.sqlite") as book:
        book.put(_row("ada"), [("relu", "passed", 3, 5)], [("relu", "k1", '{"id": "relu"}')])
        assert book.cache_keys() == {("relu", "k1")}
        assert book.cached("relu", "k1") == {"id": "relu"}
        assert book.item_scores("ada") == {"relu": ("passed", 3, 5)}
        book.put(Row("bob", "error", 0, 5, "f" * 64, "c" * 64, "0.1.0", "boom"), [])
        assert book.problems() == [("bob", "error", "boom")]
    with Gradebook(tmp_path / "book.sqlite") as book:  # durable: read back by a new connection
        assert book.row("ada") == _row("ada")
        assert book.cached("relu", "k1") == {"id": "relu"}

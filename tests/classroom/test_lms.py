"""Filling Canvas and Moodle gradebook exports: one column changes, every other byte stays."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from grader.classroom.lms import ExportError, Score, fill_template, simple_csv

SCORES = [
    Score("ada", 22, "S1001", "ada@uni.example"),
    Score("ben", 6.6, "S1002", "ben@uni.example"),
    Score("cai", 14, "S9999", "cai@uni.example"),  # SIS id differs: matched by email
    Score("dee", 11, "", "dee@uni.example"),
    Score("eve", 15, "", ""),  # matched by login
    Score("zed", 22, "", "zed@uni.example"),  # not in the LMS
]


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _without_column(data: bytes, index: int) -> list[list[str]]:
    return [row[:index] + row[index + 1 :] for row in _rows(data)]


def test_canvas_fills_one_column_and_keeps_every_other_byte(data_dir: Path) -> None:
    template = (data_dir / "canvas-export.csv").read_bytes()
    filled = fill_template("canvas", template, "Perceptrons", SCORES)
    assert filled.column == "Perceptrons (104512)"
    assert filled.data.startswith(b"\xef\xbb\xbf") and filled.data.count(b"\r\n") == 10
    before, after = _rows(template), _rows(filled.data)
    column = before[0].index("Perceptrons (104512)")
    assert _without_column(filled.data, column) == _without_column(template, column)
    assert after[1] == before[1]  # the Points Possible row, untouched
    assert after[1][0] == "    Points Possible"
    got = {row[3]: row[column] for row in after[2:]}
    assert got == {
        "ada": "22",
        "ben": "6.6",
        "cai@uni.example": "14",
        "dee@uni.example": "11",
        "eve": "15",
        "fay": "",
        "gus": "",
        "": "",
    }
    assert filled.unmatched_rows == ("Ito, Fay", "Moreau, Gus", "Student, Test")
    assert filled.unmatched_students == ("zed",)
    assert dict(filled.filled) == {
        "ada": "SIS User ID",
        "ben": "SIS User ID",
        "cai": "SIS Login ID",
        "dee": "SIS Login ID",
        "eve": "SIS Login ID",
    }
    # Outside the filled cells the bytes are the template's (Eve's old 7.50 was replaced).
    assert len(filled.data) - len(template) == sum(len(v) for v in got.values()) - len("7.50")


def test_moodle_matches_id_number_then_email(data_dir: Path) -> None:
    template = (data_dir / "moodle-export.csv").read_bytes()
    filled = fill_template("moodle", template, "Assignment: Perceptrons (Real)", SCORES)
    rows = _rows(filled.data)
    column = rows[0].index("Assignment: Perceptrons (Real)")
    by_email = {row[5]: row[column] for row in rows[1:]}
    assert by_email["ada@uni.example"] == "22"
    assert by_email["cai@uni.example"] == "14"
    assert by_email["fay@uni.example"] == "-"  # not graded: left as the LMS had it
    assert by_email["ivy@uni.example"] == "-"
    assert _without_column(filled.data, column) == _without_column(template, column)
    assert not filled.data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in filled.data


def test_quoted_cells_newlines_and_quotes_survive() -> None:
    template = (
        b"Student,ID,SIS User ID,SIS Login ID,Section,Lab (7)\r\n"
        b"    Points Possible,,,,,10\r\n"
        b'"O""Brien, Pat\nJr.",1,S1,pat,"A, B",\r\n'
        b'"Kim, Lee",2,S2,lee,A,"9"\r\n'
    )
    scores = [Score("pat", 7.25, "S1"), Score("lee", 10, "S2")]
    filled = fill_template("canvas", template, "Lab (7)", scores)
    text = filled.data.decode()
    assert '"O""Brien, Pat\nJr.",1,S1,pat,"A, B",7.25\r\n' in text
    assert '"Kim, Lee",2,S2,lee,A,10\r\n' in text


@pytest.mark.parametrize(
    ("column", "fragment"),
    [
        ("Homework", "no column 'Homework' in the export"),
        ("Lab", "2 columns match 'Lab'"),
    ],
)
def test_column_problems_say_what_to_do(column: str, fragment: str) -> None:
    template = b"Student,ID,SIS User ID,SIS Login ID,Section,Lab (1),Lab (2)\r\n"
    with pytest.raises(ExportError) as error:
        fill_template("canvas", template, column, SCORES)
    assert fragment in str(error.value)


def test_a_file_without_identifiers_is_refused() -> None:
    with pytest.raises(ExportError, match="no identifier column"):
        fill_template("canvas", b"Name,Lab\r\nada,\r\n", "Lab", SCORES)


def test_plain_csv_is_student_and_score_and_spreadsheet_safe() -> None:
    data = simple_csv([Score("ada", 22), Score("=cmd", 1.5), Score("gone", None)])
    assert data == b"student,score\r\nada,22\r\n'=cmd,1.5\r\n"

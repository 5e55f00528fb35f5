"""The class CSV: RFC 4180 that csv.reader reads back, stable columns, no spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from grader.reporters.csv_report import render_csv_rows, spreadsheet_safe

from .samples import COMPLETE, PARTIAL, SAMPLES, STUB

IDS = [item.id for item in PARTIAL.items]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_reads_back_one_row_per_student() -> None:
    text = render_csv_rows(list(SAMPLES.values()), student_ids=["s1", "s2", "s3"])
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    header, *rows = _rows(text)
    assert header == ["student", "score", "max_score", *IDS, *(f"{i}_status" for i in IDS)]
    assert [row[:3] for row in rows] == [["s1", "0", "16"], ["s2", "4", "16"], ["s3", "16", "16"]]
    partial = dict(zip(header, rows[1], strict=True))
    assert partial["sigmoid"] == "1" and partial["sigmoid_status"] == "failed"
    assert partial["and_gate_status"] == "timed out"
    assert partial["vanishing_gradient_status"] == "not started"


@pytest.mark.parametrize("student", ["=cmd()", "+1", "-2", "@SUM(A1)", "\t=x", '=HYPERLINK("x")'])
def test_formulas_are_neutralised(student: str) -> None:
    _, row = _rows(render_csv_rows([PARTIAL], student_ids=[student]))
    assert row[0] == "'" + student


def test_awkward_text_round_trips() -> None:
    students = ['Doe, "Jane"', "line\nbreak", "\x1b[31mred\x1b[0m\u202e", "plain"]
    rows = _rows(render_csv_rows([STUB, PARTIAL, COMPLETE, STUB], student_ids=students))
    assert [row[0] for row in rows[1:]] == ['Doe, "Jane"', "line\nbreak", "red", "plain"]
    assert {len(row) for row in rows} == {3 + 2 * len(IDS)}


def test_columns_follow_the_first_report_then_any_new_items() -> None:
    fewer = replace(PARTIAL, items=PARTIAL.items[2:])
    extra = replace(PARTIAL.items[0], id="bonus")
    more = replace(PARTIAL, items=(*PARTIAL.items, extra))
    header, first, second = _rows(render_csv_rows([fewer, more], student_ids=["a", "b"]))
    ids = [*IDS[2:], *IDS[:2], "bonus"]
    assert header[3 : 3 + len(ids)] == ids
    first, second = dict(zip(header, first, strict=True)), dict(zip(header, second, strict=True))
    assert first["weighted_sum"] == first["bonus"] == first["bonus_status"] == ""
    assert (second["bonus"], second["bonus_status"]) == ("3", "passed")


def test_needs_one_student_id_per_report() -> None:
    with pytest.raises(ValueError):
        render_csv_rows([PARTIAL, STUB], student_ids=["only one"])


def test_numbers_are_left_alone() -> None:
    assert spreadsheet_safe(-1) == -1
    assert spreadsheet_safe("plain") == "plain"

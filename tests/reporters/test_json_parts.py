"""`grade batch` renders each report from parts, some shared between students: same bytes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from grader.classroom.detail import item_data, report_data, report_from
from grader.classroom.gradebook import GRADED, Gradebook, Row
from grader.classroom.outputs import write_outputs
from grader.classroom.rendering import Renderer, write_reports
from grader.classroom.run import CODE_FORMS
from grader.grading.results import ItemResult, Report
from grader.reporters.json_report import (
    exercise_data,
    exercise_json,
    head_data,
    render_json,
    render_json_of,
)

from .samples import EMPTY, HOSTILE, SAMPLES

ODD = replace(
    SAMPLES["partial"],
    sandbox=None,
    notes=("é ☃ \u2028 \x00", HOSTILE),
    items=tuple(
        replace(
            item, tests=tuple(replace(t, seconds=1e-06 * (i + 1)) for i, t in enumerate(item.tests))
        )
        for item in SAMPLES["partial"].items
    ),
)
REPORTS = {**SAMPLES, "empty": EMPTY, "odd": ODD}


@pytest.mark.parametrize("name", REPORTS)
def test_parts_render_the_same_bytes(name: str) -> None:
    report = REPORTS[name]
    parts = [exercise_json(exercise_data(item)) for item in report.items]
    assert render_json_of(head_data(report), parts) == render_json(report)


def _book(tmp_path: Path, report: Report) -> tuple[Gradebook, dict[str, str]]:
    book = Gradebook(tmp_path / "gradebook.sqlite")
    keys = {item.id: f"key-{item.id}" for item in report.items}
    shared = report.items[1:-1]
    book.cache([(i.id, keys[i.id], json.dumps(item_data(i), sort_keys=True)) for i in shared])
    return book, keys


@pytest.mark.parametrize("name", REPORTS)
def test_the_renderer_writes_what_the_row_renders_to(name: str, tmp_path: Path) -> None:
    report = REPORTS[name]
    book, keys = _book(tmp_path, report)
    renderer = Renderer(book)
    items: list[ItemResult] = []
    for item in report.items:  # the first from a worker, the last graded here (a quiz),
        shared = renderer.cached(item.id, keys[item.id])  # the others shared through the cache
        assert shared is None or shared is renderer.cached(item.id, keys[item.id])
        items.append(shared or item)
    mine = replace(report, items=tuple(items))
    first = report.items[:1]
    fresh = {item.id: json.dumps(item_data(item), sort_keys=True) for item in first}
    forms = {"a.py": [["x", 1]]}
    text, detail, data = renderer.texts(mine, keys, fresh, forms)
    assert text == render_json(report)
    assert data == json.loads(text)
    assert detail == json.dumps({**report_data(report), CODE_FORMS: forms}, sort_keys=True)
    assert report_from(json.loads(detail)) == report
    row = Row("ada", GRADED, report.score, report.max_score, "f", "c", "v", "", text, detail, "t")
    book.put(row, [])
    written, rendered = tmp_path / "written", tmp_path / "rendered"
    write_reports(written, "ada", mine, text, gradescope=True)
    write_outputs(book, written, gradescope=True, written={"ada"})
    write_outputs(book, rendered, gradescope=True)
    book.close()
    files = sorted(p.relative_to(rendered) for p in rendered.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(written) for p in written.rglob("*") if p.is_file())
    for path in files:
        assert (written / path).read_bytes() == (rendered / path).read_bytes(), path

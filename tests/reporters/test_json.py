"""The JSON report: valid against its published schema, faithful, deterministic, clean."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import jsonschema
import pytest

from grader.grading.results import Status
from grader.reporters.json_report import SCHEMA_VERSION, render_json

from .samples import EMPTY, PARTIAL, SAMPLES

SCHEMA = json.loads(
    resources.files("grader.reporters").joinpath("report.schema.json").read_text("utf-8")
)
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def schema_errors(value: Any) -> list[str]:
    """Return what jsonschema finds wrong with `value` against the report schema."""
    return [f"{error.json_path}: {error.message}" for error in VALIDATOR.iter_errors(value)]


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("report", [*SAMPLES.values(), EMPTY], ids=[*SAMPLES, "empty"])
def test_reports_match_the_schema(report) -> None:
    assert schema_errors(json.loads(render_json(report))) == []


def test_the_checker_finds_mistakes() -> None:
    data = json.loads(render_json(PARTIAL))
    data["exercises"][0]["status"] = "passed!"
    data["exercises"][1]["tests"][0]["extra"] = 1
    data["files"][0]["sha256"] = "not a digest"
    del data["checks"]["hidden"]
    data["score"] = True
    assert len(schema_errors(data)) == 5


def test_layout_is_indented_with_a_trailing_newline() -> None:
    text = render_json(PARTIAL)
    assert text.endswith("}\n") and text.startswith('{\n  "schema_version": 2,\n')
    assert list(json.loads(text)) == [
        "schema_version",
        "grader_version",
        "course",
        "score",
        "max_score",
        "checks",
        "files",
        "notes",
        "sandbox",
        "exercises",
    ]


def test_values_follow_the_report() -> None:
    data = json.loads(render_json(PARTIAL))
    assert data["schema_version"] == SCHEMA_VERSION
    assert (data["score"], data["max_score"]) == (PARTIAL.score, PARTIAL.max_score)
    assert data["checks"] == {
        "passed": 4,
        "total": 15,
        "hidden": 5,
        "advisory": {"passed": 0, "total": 0},
    }
    assert [e["id"] for e in data["exercises"]] == [item.id for item in PARTIAL.items]
    assert {e["status"] for e in data["exercises"]} == {str(s) for s in Status}
    sigmoid = data["exercises"][2]
    assert sigmoid["diagnosis"]["id"] == "exp_sign"
    assert [t["id"] for t in sigmoid["tests"]][:2] == ["test_zero_is_one_half", "test_lesson_value"]
    assert sum(t["score"] for e in data["exercises"] for t in e["tests"]) == data["score"]
    assert data["files"][3] == {"name": "dense_layer.py", "sha256": None, "size": None}


def test_student_text_is_cleaned_but_kept() -> None:
    text = render_json(PARTIAL)
    data = json.loads(text)
    strings = [data["notes"][1]] + [
        value for e in data["exercises"] for t in e["tests"] for value in t.values()
    ]
    assert not any(UNSAFE.search(value) for value in strings if isinstance(value, str))
    assert "</failure>]]> | pipe | ``` fence ```` =cmd()" in text

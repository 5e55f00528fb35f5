"""Gradescope results.json: only documented fields, right types, scores that add up."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from grader.reporters.gradescope import render_gradescope

from .samples import EMPTY, PARTIAL, SAMPLES

# https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format
DOCUMENTED_TOP = {
    "score",
    "execution_time",
    "output",
    "output_format",
    "test_output_format",
    "test_name_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
}
DOCUMENTED_TEST = {
    "score",
    "max_score",
    "status",
    "name",
    "name_format",
    "number",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
STATUSES = {"passed", "failed"}


def _results(report, **options) -> dict:
    return json.loads(render_gradescope(report, **options))


@pytest.mark.parametrize("report", [*SAMPLES.values(), EMPTY], ids=[*SAMPLES, "empty"])
def test_only_documented_fields_with_documented_values(report) -> None:
    results = _results(report)
    assert set(results) <= DOCUMENTED_TOP
    assert isinstance(results["score"], float)
    assert isinstance(results["output"], str)
    assert results["visibility"] in VISIBILITIES
    assert results["stdout_visibility"] in VISIBILITIES
    for key in ("output_format", "test_output_format", "test_name_format"):
        assert results[key] in FORMATS
    for test in results["tests"]:
        assert set(test) <= DOCUMENTED_TEST
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["number"], str)
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in STATUSES
        assert isinstance(test["output"], str)
        assert test["visibility"] in VISIBILITIES


@pytest.mark.parametrize("report", [*SAMPLES.values(), EMPTY], ids=[*SAMPLES, "empty"])
def test_test_scores_add_up_to_the_score(report) -> None:
    results = _results(report)
    assert sum(test["score"] for test in results["tests"]) == results["score"] == report.score
    assert sum(test["max_score"] for test in results["tests"]) == report.max_score


def test_one_test_per_check_numbered_by_item() -> None:
    tests = _results(PARTIAL)["tests"]
    assert len(tests) == PARTIAL.check_count
    assert [t["number"] for t in tests[:5]] == ["1.1", "1.2", "1.3", "2.1", "3.1"]
    assert tests[3]["name"] == "ReLU after a weighted sum"
    assert tests[4]["name"] == "The sigmoid function: sigmoid(0) is exactly one half"
    assert [t["status"] for t in tests].count("passed") == PARTIAL.passed_count


def test_failures_explain_and_passes_stay_quiet() -> None:
    tests = _results(PARTIAL)["tests"]
    assert tests[0]["output"] == ""
    lesson = tests[5]["output"]
    assert lesson.startswith("sigmoid(-1.0) returned 0.731; expected 0.269")
    assert "Looks like: sigmoid uses exp(x) instead of exp(-x)" in lesson
    assert "\x1b" not in json.dumps(tests) and "\u202e" not in json.dumps(tests, ensure_ascii=False)


def test_hidden_checks_are_visible_by_default_and_configurable() -> None:
    assert {t["visibility"] for t in _results(PARTIAL)["tests"]} == {"visible"}
    checks = [check for item in PARTIAL.items for check in item.tests]
    tests = _results(PARTIAL, hidden_visibility="after_published")["tests"]
    for test, check in zip(tests, checks, strict=True):
        expected = "after_published" if check.visibility == "hidden" else "visible"
        assert test["visibility"] == expected
    with pytest.raises(ValueError):
        render_gradescope(PARTIAL, hidden_visibility="secret")  # type: ignore[arg-type]


def test_an_item_without_checks_still_counts() -> None:
    item = replace(PARTIAL.items[0], tests=())
    results = _results(replace(PARTIAL, items=(item,)))
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        ("The weighted sum", 3.0, 3.0)
    ]


def test_summary_output_is_the_honest_headline() -> None:
    output = _results(PARTIAL)["output"]
    assert output.startswith("Neurons from Scratch: 4 / 16 points\n4 of 15 checks passed")
    assert "sigmoid" in output and "Next: fix relu_output" in output


def test_extra_data_names_the_grader_the_course_and_the_files() -> None:
    results = _results(PARTIAL)
    assert results["extra_data"] == {
        "grader_version": PARTIAL.grader_version,
        "course_version": "2026.11",
        "files": [{"name": file.name, "sha256": file.sha256} for file in PARTIAL.files],
    }
    assert results["output"].endswith(
        f"Graded by grader {PARTIAL.grader_version}, course version 2026.11."
    )

"""Classroom 50 result.json: the documented fields, right types, scores that add up."""

from __future__ import annotations

import json

from grader.reporters.classroom50 import SCHEMA, render_classroom50

from .samples import EMPTY, PARTIAL, SAMPLES


def test_only_the_documented_fields_with_their_types() -> None:
    for report in [*SAMPLES.values(), EMPTY]:
        data = json.loads(render_classroom50(report))
        assert list(data) == ["schema", "score", "max-score", "tests"]
        assert data["schema"] == SCHEMA == "classroom50/result/v1"
        for test in data["tests"]:
            assert list(test) == ["test-name", "passed", "score", "max-score"]
            assert isinstance(test["passed"], bool) and isinstance(test["test-name"], str)
            assert type(test["score"]) is int and type(test["max-score"]) is int


def test_scores_add_up_and_every_check_is_a_test() -> None:
    data = json.loads(render_classroom50(PARTIAL))
    assert (data["score"], data["max-score"]) == (PARTIAL.score, PARTIAL.max_score)
    assert sum(t["score"] for t in data["tests"]) == PARTIAL.score
    assert sum(t["max-score"] for t in data["tests"]) == PARTIAL.max_score
    assert len(data["tests"]) == PARTIAL.check_count
    assert sum(t["passed"] for t in data["tests"]) == PARTIAL.passed_count
    assert not any(t["passed"] and t["score"] < t["max-score"] for t in data["tests"])

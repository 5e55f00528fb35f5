"""Advisory checks (attested only by the student's process) are shown in every format, unscored."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from grader.grading.results import CheckResult, Diagnosis, ItemResult, Report, Status
from grader.reporters.gradescope import render_gradescope
from grader.reporters.json_report import render_json
from grader.reporters.junit import render_junit
from grader.reporters.markdown import render_markdown
from grader.reporters.text import render_text

_WARNED = "sigmoid(-1000.0) printed a warning: RuntimeWarning: overflow encountered in exp."
REPORT = Report(
    course_title="Neurons from Scratch",
    course_version="2026.11",
    grader_version="0.1.0",
    workspace="ws",
    items=(
        ItemResult(
            id="sigmoid",
            title="The sigmoid function",
            kind="code",
            lesson="activations",
            status=Status.PASSED,
            score=2,
            max_score=2,
            tests=(
                CheckResult("test_values", "gives the values", Status.PASSED, 2, 2, "visible"),
                CheckResult(
                    "test_silent",
                    "prints no overflow warning",
                    Status.FAILED,
                    0,
                    0,
                    "visible",
                    _WARNED,
                    advisory=True,
                    seconds=0.5,
                ),
            ),
            file="sigmoid.py",
            diagnosis=Diagnosis("textbook_formula", "the textbook formula", "Use exp(-|x|)."),
        ),
    ),
)


def test_text_and_markdown_show_the_advice_as_not_scored() -> None:
    for rendered in (render_text(REPORT, color=False, width=200), render_markdown(REPORT)):
        assert "Full marks: every check passed." in rendered
        assert "Advice (not scored, 0 points): 0 of 1 followed." in rendered
        assert "prints no overflow warning" in rendered and "RuntimeWarning" in rendered
        assert "the textbook formula" in rendered


def test_json_counts_advisory_checks_apart() -> None:
    data = json.loads(render_json(REPORT))
    assert data["checks"] == {
        "passed": 1,
        "total": 1,
        "hidden": 0,
        "advisory": {"passed": 0, "total": 1},
    }
    silent = data["exercises"][0]["tests"][1]
    assert silent["advisory"] is True and (silent["score"], silent["max_score"]) == (0, 0)
    assert silent["seconds"] == 0.5


def test_junit_never_fails_a_build_on_advice() -> None:
    root = ET.fromstring(render_junit(REPORT))
    assert root.get("failures") == "0" and root.get("skipped") == "1"
    case = root.findall("testsuite/testcase")[1]
    assert case.get("time") == "0.500"
    assert case.find("skipped").get("type") == "advisory"
    assert "RuntimeWarning" in case.find("skipped").get("message")


def test_gradescope_names_the_check_advisory_and_worth_nothing() -> None:
    tests = json.loads(render_gradescope(REPORT))["tests"]
    assert tests[1]["name"].endswith("(advisory, not scored)") and tests[1]["max_score"] == 0
    assert "Advice (not scored, 0 points)" in tests[1]["output"]

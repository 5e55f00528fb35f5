"""Every report says which sandbox ran the code and whether the kernel confined it."""

from __future__ import annotations

import json
from dataclasses import replace

import jsonschema

from grader.grading.results import Confinement
from grader.reporters.gradescope import render_gradescope
from grader.reporters.json_report import render_json
from grader.reporters.markdown import render_markdown
from grader.reporters.text import render_text

from .samples import PARTIAL

PORTABLE = replace(PARTIAL, sandbox=Confinement(backend="portable", confined=False))
WARNING = "unconfined on this system: feedback, not a grade \u2014 see docs/security.md"


def test_text_says_portable_is_feedback_not_a_grade_in_one_line() -> None:
    lines = render_text(PORTABLE, color=False, width=80).splitlines()
    assert [line for line in lines if "Sandbox:" in line] == [f"Sandbox: {WARNING}"]
    assert len(f"Sandbox: {WARNING}") <= 80  # one line on a standard terminal
    linux = render_text(PARTIAL, color=False, width=80).splitlines()
    assert [line for line in linux if "Sandbox:" in line] == [
        "Sandbox: confined by the kernel (linux backend)."
    ]


def test_json_has_a_top_level_sandbox_object_valid_under_the_schema() -> None:
    from grader.reporters import json_report

    schema_path = json_report.__file__.replace("json_report.py", "report.schema.json")
    with open(schema_path, encoding="utf-8") as fh:
        schema = json.load(fh)
    for report, expected in ((PORTABLE, ("portable", False)), (PARTIAL, ("linux", True))):
        data = json.loads(render_json(report))
        assert data["sandbox"] == {"backend": expected[0], "confined": expected[1]}
        jsonschema.validate(data, schema)
    older = json.loads(render_json(PARTIAL))
    del older["sandbox"]  # additive: reports of older graders stay valid
    jsonschema.validate(older, schema)
    wrong = json.loads(render_json(PARTIAL)) | {"sandbox": {"backend": "wsl", "confined": True}}
    try:
        jsonschema.validate(wrong, schema)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("an unknown backend must not validate")


def test_markdown_and_gradescope_carry_the_warning() -> None:
    assert WARNING in render_markdown(PORTABLE)
    assert WARNING in json.loads(render_gradescope(PORTABLE))["output"]


def test_a_report_that_never_recorded_its_sandbox_claims_none() -> None:
    unknown = replace(PARTIAL, sandbox=None)  # rebuilt from an older grader's data
    assert "Sandbox:" not in render_text(unknown, color=False, width=80)
    assert "Sandbox:" not in render_markdown(unknown)
    assert "Sandbox:" not in json.loads(render_gradescope(unknown))["output"]
    assert "sandbox" not in json.loads(render_json(unknown))

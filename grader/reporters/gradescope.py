"""Gradescope autograder results.json, using only the fields Gradescope documents.

See https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format") and
docs/reports.md for why hidden checks are shown as "visible".
"""

from __future__ import annotations

import json
from typing import Any, Literal

from grader.grading.results import CheckResult, ItemResult, Report, Status
from grader.reporters.common import (
    advisory_sentence,
    check_count_sentence,
    check_title,
    clean,
    failure_lines,
    fraction,
    headline,
    next_steps,
    provenance,
    sandbox_sentences,
    scored_checks,
)

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
VISIBILITIES: tuple[Visibility, ...] = ("hidden", "after_due_date", "after_published", "visible")


def render_gradescope(report: Report, *, hidden_visibility: Visibility = "visible") -> str:
    """Render Gradescope's results.json: one test per check, all plain text."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}")
    tests = [
        _test(item, test, f"{item_number}.{test_number}", hidden_visibility)
        for item_number, item in enumerate(report.items, 1)
        for test_number, test in enumerate(scored_checks(item), 1)
    ]
    results = {
        "score": float(report.score),
        "output": _summary(report),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "grader_version": report.grader_version,
            "course_version": clean(report.course_version),
            "files": [{"name": clean(file.name), "sha256": file.sha256} for file in report.files],
        },
        "tests": tests,
    }
    return json.dumps(results, indent=2, ensure_ascii=False) + "\n"


def _summary(report: Report) -> str:
    lines = [headline(report), check_count_sentence(report)]
    lines += [advisory_sentence(report)] if advisory_sentence(report) else []
    lines += [f"Note: {clean(note)}" for note in report.notes]
    lines.append("")
    width = max((len(item.id) for item in report.items), default=0)
    for item in report.items:
        score = fraction(item.score, item.max_score)
        lines.append(f"{item.id:<{width}}  {score:>5}  {item.status}")
    tail = ["", *sandbox_sentences(report), provenance(report)]
    return "\n".join([*lines, "", *next_steps(report), *tail])


def _test(item: ItemResult, test: CheckResult, number: str, hidden: Visibility) -> dict[str, Any]:
    passed = test.status is Status.PASSED
    output = "" if passed else "\n".join(failure_lines(item, test))
    advisory = " (advisory, not scored)" if test.advisory else ""
    return {
        "name": check_title(item, test) + advisory,
        "number": number,
        "score": float(test.score),
        "max_score": float(test.max_score),
        "status": "passed" if passed else "failed",
        "output": output,
        "visibility": hidden if test.visibility == "hidden" else "visible",
    }

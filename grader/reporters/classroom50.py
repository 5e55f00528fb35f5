"""Classroom 50's result.json: the score and one entry per check.

Classroom 50 (where courses moved when GitHub Classroom closed on 2026-08-28) grades in each
student repository's Actions with any grader that writes this file; the grader's exit code 0
means "the grader ran", whatever the score. See docs/ci.md.
"""

from __future__ import annotations

import json

from grader.grading.results import Report, Status
from grader.reporters.common import check_title, scored_checks

SCHEMA = "classroom50/result/v1"


def render_classroom50(report: Report) -> str:
    """Render result.json (schema classroom50/result/v1): score, max-score and tests."""
    tests = [
        {
            "test-name": check_title(item, test),
            "passed": test.status is Status.PASSED,
            "score": test.score,
            "max-score": test.max_score,
        }
        for item in report.items
        for test in scored_checks(item)
    ]
    result = {
        "schema": SCHEMA,
        "score": report.score,
        "max-score": report.max_score,
        "tests": tests,
    }
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"

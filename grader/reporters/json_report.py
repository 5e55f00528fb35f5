"""The versioned JSON report: everything graded, for tools (web UIs, gradebooks, scripts)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from grader.grading.results import (
    CheckResult,
    Diagnosis,
    GradedFile,
    ItemResult,
    Report,
    sandbox_data,
)
from grader.reporters.common import clean

SCHEMA_VERSION = 2


def render_json(report: Report) -> str:
    """Render the report as JSON (schema_version 2), indented by 2, ending in a newline."""
    return json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n"


def render_json_of(head: dict[str, Any], exercises: Sequence[str]) -> str:
    """Render as `render_json` does from the report's `head_data` and each `exercise_json`."""
    text = json.dumps({**head, "exercises": []}, indent=2, ensure_ascii=False)
    if not exercises:
        return text + "\n"
    return text[: -len(_EMPTY)] + "[\n" + ",\n".join(exercises) + "\n  ]\n}\n"


def exercise_data(item: ItemResult) -> dict[str, Any]:
    """Return one item as the report's `exercises` hold it."""
    return _item(item)


def exercise_json(data: dict[str, Any]) -> str:
    """Render one `exercise_data` as it appears in `render_json` (indented to its depth)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return "    " + text.replace("\n", "\n    ")  # JSON text holds no newline in a string


_EMPTY = "[]\n}"  # how the head ends: `"exercises": []` then the closing brace


def report_data(report: Report) -> dict[str, Any]:
    """Return the report as plain data in the documented key order."""
    return {**head_data(report), "exercises": [_item(item) for item in report.items]}


def head_data(report: Report) -> dict[str, Any]:
    """Return the report's data before its exercises (the last key)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "grader_version": report.grader_version,
        "course": {"title": clean(report.course_title), "version": clean(report.course_version)},
        "score": report.score,
        "max_score": report.max_score,
        "checks": {
            "passed": report.passed_count,
            "total": report.check_count,
            "hidden": report.hidden_count,
            "advisory": {"passed": report.advisory_passed, "total": report.advisory_count},
        },
        "files": [_file(file) for file in report.files],
        "notes": [clean(note) for note in report.notes],
        **({"sandbox": sandbox_data(report.sandbox)} if report.sandbox else {}),
    }


def _file(file: GradedFile) -> dict[str, Any]:
    return {"name": clean(file.name), "sha256": file.sha256, "size": file.size}


def _item(item: ItemResult) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": clean(item.title),
        "kind": item.kind,
        "lesson": item.lesson,
        "file": clean(item.file),
        "status": str(item.status),
        "score": item.score,
        "max_score": item.max_score,
        "diagnosis": _diagnosis(item.diagnosis),
        "answer": None if item.answer is None else clean(item.answer),
        "tests": [_test(test) for test in item.tests],
    }


def _diagnosis(diagnosis: Diagnosis | None) -> dict[str, str] | None:
    if diagnosis is None:
        return None
    return {
        "id": diagnosis.id,
        "title": clean(diagnosis.title),
        "feedback": clean(diagnosis.feedback),
    }


def _test(test: CheckResult) -> dict[str, Any]:
    return {
        "name": clean(test.name),
        "id": test.test,
        "status": str(test.status),
        "score": test.score,
        "max_score": test.max_score,
        "visibility": test.visibility,
        "advisory": test.advisory,
        "seconds": round(test.seconds, 6),
        "message": clean(test.message),
        "output": clean(test.output),
    }

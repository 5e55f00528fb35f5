"""A Report as plain JSON data and back, losing nothing (hints, frames, output, diagnosis).

The versioned JSON report is for tools and leaves out what only people read; the gradebook
keeps this form too, so every report format can be rendered again from it alone.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from grader.grading.results import (
    CheckResult,
    Confinement,
    Diagnosis,
    GradedFile,
    ItemResult,
    Report,
    Status,
    sandbox_data,
)
from grader.sandbox.outcomes import Frame


def item_data(item: ItemResult) -> dict[str, Any]:
    """Return one item's result as plain data."""
    return {
        "id": item.id,
        "title": item.title,
        "kind": item.kind,
        "lesson": item.lesson,
        "status": str(item.status),
        "score": item.score,
        "max_score": item.max_score,
        "file": item.file,
        "hints": list(item.hints),
        "diagnosis": None
        if item.diagnosis is None
        else [item.diagnosis.id, item.diagnosis.title, item.diagnosis.feedback],
        "answer": item.answer,
        "tests": [
            {
                "test": t.test,
                "name": t.name,
                "status": str(t.status),
                "score": t.score,
                "max_score": t.max_score,
                "visibility": t.visibility,
                "message": t.message,
                "frames": [[f.file, f.line, f.function, f.code] for f in t.frames],
                "output": t.output,
                "advisory": t.advisory,
                "seconds": t.seconds,
            }
            for t in item.tests
        ],
    }


def item_from(data: dict[str, Any]) -> ItemResult:
    """Return the item result that `item_data` described."""
    diagnosis = data["diagnosis"]
    return ItemResult(
        id=data["id"],
        title=data["title"],
        kind=data["kind"],
        lesson=data["lesson"],
        status=Status(data["status"]),
        score=data["score"],
        max_score=data["max_score"],
        tests=tuple(
            CheckResult(
                test=t["test"],
                name=t["name"],
                status=Status(t["status"]),
                score=t["score"],
                max_score=t["max_score"],
                visibility=t["visibility"],
                message=t["message"],
                frames=tuple(Frame(*frame) for frame in t["frames"]),
                output=t["output"],
                advisory=t.get("advisory", False),  # absent in details of older graders
                seconds=t.get("seconds", 0.0),
            )
            for t in data["tests"]
        ),
        file=data["file"],
        hints=tuple(data["hints"]),
        diagnosis=None if diagnosis is None else Diagnosis(*diagnosis),
        answer=data.get("answer"),  # absent in details written before JSON schema 2
    )


def report_data(report: Report, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Return a whole report as plain data (with its items' data, when already made)."""
    return {
        "course_title": report.course_title,
        "course_version": report.course_version,
        "grader_version": report.grader_version,
        "workspace": report.workspace,
        "items": [item_data(item) for item in report.items] if items is None else items,
        "files": [[f.name, f.sha256, f.size] for f in report.files],
        "notes": list(report.notes),
        **({"sandbox": sandbox_data(report.sandbox)} if report.sandbox else {}),
    }


def report_from(data: dict[str, Any]) -> Report:
    """Return the report that `report_data` described."""
    report = Report(
        course_title=data["course_title"],
        course_version=data["course_version"],
        grader_version=data["grader_version"],
        workspace=data["workspace"],
        items=tuple(item_from(item) for item in data["items"]),
        files=tuple(GradedFile(*f) for f in data["files"]),
        notes=tuple(data["notes"]),
    )
    if "sandbox" not in data:  # written before the portable backend: not recorded
        return report
    return replace(report, sandbox=Confinement(**data["sandbox"]))

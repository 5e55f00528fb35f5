"""The instructor's check of the whole course: schema, references, stubs, known-wrong files."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.course.model import CodeExercise, Course
from grader.grading.engine import Grader, Submission
from grader.grading.results import Report, Status
from grader.init import starter_files


@dataclass(frozen=True)
class Finding:
    """One row of the validation table."""

    check: str
    item: str
    ok: bool
    detail: str


def validate_course(course: Course, solutions: Path) -> list[Finding]:
    """Grade the references, the stubs and every known-wrong file; return one row per finding."""
    findings: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="grade-validate-") as scratch:
        stubs = Path(scratch) / "stubs"
        _write(stubs, starter_files(course))
        submissions = [Submission(solutions, "reference"), Submission(stubs, "stubs")]
        for exercise in course.exercises:
            for wrong in exercise.misconceptions:
                folder = Path(scratch) / f"{exercise.id}--{wrong.id}"
                folder.mkdir()  # only this exercise is graded, so only its file is needed
                shutil.copyfile(wrong.file, folder / exercise.file)
                submissions.append(
                    Submission(folder, f"{exercise.id}:{wrong.id}", only=(exercise.id,))
                )
        reports: dict[str, Report] = {}
        with Grader(course) as grader:
            grader.grade_many(submissions, lambda s, r: reports.__setitem__(s.label, r))
    findings += _reference(reports["reference"])
    findings += _stubs(reports["stubs"])
    for exercise in course.exercises:
        for wrong in exercise.misconceptions:
            findings.append(_known_wrong(exercise, wrong, reports[f"{exercise.id}:{wrong.id}"]))
    return findings


def render_findings(findings: list[Finding]) -> str:
    """Return the validation table, one finding a row, and a closing count."""
    width = max(len(finding.check) for finding in findings)
    id_width = max(len(finding.item) for finding in findings)
    rows = [
        f"{'ok  ' if finding.ok else 'FAIL'}  {finding.check:<{width}}  "
        f"{finding.item:<{id_width}}  {finding.detail}"
        for finding in findings
    ]
    problems = sum(1 for finding in findings if not finding.ok)
    rows.append(f"\n{len(findings)} checks, {problems} problem{'s' if problems != 1 else ''}.")
    return "\n".join(rows) + "\n"


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def _reference(report: Report) -> list[Finding]:
    rows = []
    for item in report.items:
        check = "quiz digest matches solutions" if item.kind != "code" else "reference earns full"
        ok = item.score == item.max_score
        detail = f"{item.score}/{item.max_score}"
        if not ok:
            failure = item.first_failure
            detail += f": {failure.name}: {failure.message}" if failure else ""
        rows.append(Finding(check, item.id, ok, detail))
    return rows


def _stubs(report: Report) -> list[Finding]:
    rows = []
    for item in report.items:
        ok = item.score == 0 and item.status is Status.NOT_STARTED
        rows.append(
            Finding("stub earns 0, not started", item.id, ok, f"{item.score}, {item.status}")
        )
    return rows


def _known_wrong(exercise: CodeExercise, wrong, report: Report) -> Finding:
    item = next(result for result in report.items if result.id == exercise.id)
    failing = tuple(sorted(test.test for test in item.tests if test.status is not Status.PASSED))
    ok = item.score < item.max_score and failing == wrong.fails
    detail = f"{item.score}/{item.max_score}"
    if item.score == item.max_score:
        detail += ": earns full marks; add a check that catches it"
    elif failing != wrong.fails:
        detail += f": fails {list(failing)}, declared {list(wrong.fails)}; update 'fails'"
    return Finding(f"known-wrong '{wrong.id}' loses points", exercise.id, ok, detail)

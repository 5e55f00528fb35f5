"""The instructor's check of the whole course: schema, references, stubs, known-wrong files."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.course.model import CodeExercise, Course, Misconception
from grader.course.problems import InputError, display_path
from grader.grading.engine import Grader, Submission
from grader.grading.quizzes import ANSWERS_FILE, read_answers
from grader.grading.results import ItemResult, Report, Status
from grader.init import starter_files
from grader.website.build import build_site


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
        site = _site(course, Path(scratch) / "site", solutions)
    findings += _reference(course, solutions, reports["reference"])
    findings += _stubs(reports["stubs"])
    for exercise in course.exercises:
        for wrong in exercise.misconceptions:
            findings.append(_known_wrong(exercise, wrong, reports[f"{exercise.id}:{wrong.id}"]))
    return findings + site


def _site(course: Course, out: Path, solutions: Path) -> list[Finding]:
    """Build the site exactly as `grade build-site` does: lesson text, math, links, leaks."""
    try:
        built = build_site(course, out, solutions=solutions)
    except InputError as error:
        return [Finding("site", problem.path, False, str(problem)) for problem in error.problems]
    return [Finding("site", "all pages", True, f"{built.pages} pages build, no solution leaks")]


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


def _reference(course: Course, solutions: Path, report: Report) -> list[Finding]:
    rows = []
    answers = read_answers(solutions)
    answers_file = display_path(solutions / ANSWERS_FILE)
    for item in report.items:
        exercise = next((e for e in course.exercises if e.id == item.id), None)
        if exercise is not None:
            rows.append(_reference_code(exercise, solutions, item))
            continue
        check = "quiz digest matches solutions"
        if item.id not in answers.values and item.id not in answers.errors:
            detail = f"{answers_file} has no answer for '{item.id}'; add '{item.id}: ...' to it"
            rows.append(Finding(check, item.id, False, detail))
            continue
        ok = item.score == item.max_score
        detail = f"{item.score}/{item.max_score}"
        if not ok and item.first_failure is not None:
            detail += f": {answers_file}: {item.first_failure.message}"
        rows.append(Finding(check, item.id, ok, detail))
    return rows


def _reference_code(exercise: CodeExercise, solutions: Path, item: ItemResult) -> Finding:
    check = "reference earns full, diagnosed as nothing"
    path = solutions / exercise.file
    if not path.is_file():
        detail = f"reference solution {display_path(path)} is missing; add it"
        return Finding(check, item.id, False, detail)
    ok = item.score == item.max_score and item.diagnosis is None
    ok = ok and all(test.status is Status.PASSED for test in item.tests)
    detail = f"{item.score}/{item.max_score}"
    failure = item.first_failure
    if failure is not None:
        detail += f": {display_path(path)}: {failure.name}: {failure.message}"
    elif item.diagnosis is not None:
        detail += f": diagnosed as '{item.diagnosis.id}'"
    return Finding(check, item.id, ok, detail)


def _stubs(report: Report) -> list[Finding]:
    rows = []
    for item in report.items:
        ok = item.score == 0 and item.status is Status.NOT_STARTED
        rows.append(
            Finding("stub earns 0, not started", item.id, ok, f"{item.score}, {item.status}")
        )
    return rows


def _known_wrong(exercise: CodeExercise, wrong: Misconception, report: Report) -> Finding:
    item = next(result for result in report.items if result.id == exercise.id)
    failing = tuple(sorted(test.test for test in item.tests if test.status is not Status.PASSED))
    caught = item.score < item.max_score or any(
        test.advisory and test.status is not Status.PASSED for test in item.tests
    )
    diagnosed = item.diagnosis.id if item.diagnosis is not None else None
    ok = caught and failing == wrong.fails and diagnosed == wrong.id
    detail = f"{item.score}/{item.max_score}"
    if not caught:
        detail += ": passes every check; add a check that catches it"
    elif failing != wrong.fails:
        detail += f": fails {list(failing)}, declared {list(wrong.fails)}; update 'fails'"
    elif diagnosed != wrong.id:
        told = f"'{diagnosed}'" if diagnosed else "nothing"
        detail += (
            f": diagnosed as {told}; make its returned values differ from the other known-wrong"
            " files' (or add a check where they do)"
        )
    else:
        detail += f", diagnosed as '{wrong.id}'"
    return Finding(f"known-wrong '{wrong.id}' diagnosed as itself", exercise.id, ok, detail)

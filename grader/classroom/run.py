"""Turn a graded class into the instructor's files: class rows, changes, class report.

`finish_book` is what `grade batch` and `grade merge` call after each run, on their SQLite
gradebook: it applies the roster and the late-work policy (the rows become gradebook.csv's
class columns) and writes `changes.csv` and `class-report.html`. `finish_class` does the same
for `grade class`, from JSON reports graded elsewhere, keeping item scores in `scores.json`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.classroom.class_report import analyse, render_class_report
from grader.classroom.integrity import code_forms
from grader.classroom.policy import Policy
from grader.classroom.roster import Roster, Times, match
from grader.classroom.rows import (
    ClassRow,
    Outcome,
    build_rows,
    changes,
    render_changes_csv,
    render_rows_csv,
)

GRADEBOOK = "gradebook.csv"
CHANGES = "changes.csv"
SCORES = "scores.json"
CLASS_REPORT = "class-report.html"
CODE_FORMS = "code_forms"  # the key of each file's normalised code in a batch row's detail


@dataclass(frozen=True)
class Finished:
    """What was written, and the figures a summary line needs."""

    rows: tuple[ClassRow, ...]
    changed: int | None  # None: no earlier run to compare with
    missing: tuple[str, ...]
    unmatched: tuple[str, ...]
    late: int
    no_time: int
    files: tuple[Path, ...]

    def summary(self) -> list[str]:
        """Return the lines to print after the run."""
        lines = []
        if self.missing:
            lines.append(f"Missing (on the roster, no submission): {', '.join(self.missing)}")
        if self.unmatched:
            lines.append(f"Unmatched (graded, not on the roster): {', '.join(self.unmatched)}")
        if self.late or self.no_time:
            lines.append(
                f"Late: {self.late} submission(s) penalised; {self.no_time} without a"
                " submission time (no penalty)"
            )
        if self.changed is not None:
            lines.append(
                f"Regrade: {self.changed} score change(s) written to {CHANGES}"
                if self.changed
                else f"Regrade: no score changed ({CHANGES} is empty)"
            )
        return lines


def item_scores(report: Mapping[str, Any]) -> dict[str, float]:
    """Return a JSON report's score by item id."""
    return {str(item["id"]): item["score"] for item in report.get("exercises", [])}


def outcome_of(report: Mapping[str, Any]) -> Outcome:
    """Return the gradebook outcome of a JSON report: graded, with its score."""
    return Outcome("graded", report["score"], report["max_score"])


def _write(path: Path, text: str) -> Path:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8", newline="")
    os.replace(temporary, path)
    return path


def finish_class(
    out: Path,
    reports: Mapping[str, Mapping[str, Any]],
    *,
    max_score: float,
    outcomes: Mapping[str, Outcome] | None = None,
    roster: Roster | None = None,
    policy: Policy | None = None,
    times: Times | None = None,
    forms: Mapping[str, Mapping[str, Any]] | None = None,
    starters: Mapping[str, str] | None = None,
    report_hrefs: Mapping[str, str] | None = None,
    title: str = "",
) -> Finished:
    """Write gradebook.csv, changes.csv (empty on a first run), scores.json, class-report.html."""
    out.mkdir(parents=True, exist_ok=True)
    outcomes = dict(outcomes or {})
    for student, report in reports.items():
        outcomes.setdefault(student, outcome_of(report))
    matched = match(roster, outcomes)
    rows = build_rows(matched, outcomes, max_score, policy, times)
    written = [_write(out / GRADEBOOK, render_rows_csv(rows))]
    scores = {student: item_scores(report) for student, report in reports.items()}
    previous = out / SCORES
    old: Any = {}
    if previous.is_file():
        try:
            old = json.loads(previous.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
    old = old if isinstance(old, dict) else {}
    found = changes(old, {student: scores.get(student, {}) for student in old})
    changed = len(found) if old else None
    written.append(_write(out / CHANGES, render_changes_csv(found)))
    written.append(_write(previous, json.dumps(scores, indent=1, sort_keys=True) + "\n"))
    analysed = analyse(
        rows, reports, title=title, forms=forms, starters=starters, report_hrefs=report_hrefs
    )
    written.append(_write(out / CLASS_REPORT, render_class_report(analysed)))
    return Finished(
        tuple(rows),
        changed,
        matched.missing,
        matched.unmatched,
        sum(1 for row in rows if row.late_units > 0),
        sum(1 for row in rows if row.submitted and row.time_source == "none" and policy),
        tuple(written),
    )


REPORTS = "reports"


def load_and_finish(
    course: Any,
    folder: Path,
    roster_path: Path | None = None,
    policy_path: Path | None = None,
    times_path: Path | None = None,
    submissions: Path | None = None,
) -> Finished:
    """Read folder/reports/*.json and the class files, then `finish_class` into folder."""
    from grader.course.problems import InputError, Problem
    from grader.sandbox.files import RefusedFile, read_regular_file

    reports: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for path in sorted((folder / REPORTS).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            problems.append(Problem(str(path), None, None, f"not a JSON report ({error})"))
            continue
        if not isinstance(data, dict) or data.get("schema_version") not in (1, 2):
            problems.append(
                Problem(str(path), 1, 1, "not a grader JSON report (schema_version 1 or 2)")
            )
            continue
        reports[path.stem] = data
    if problems:
        raise InputError(problems)
    if not reports:
        raise InputError(
            Problem(
                str(folder / REPORTS),
                None,
                None,
                "no <student>.json reports; write them with `grade check --json`",
            )
        )
    inputs = load_inputs(course, roster_path, policy_path, times_path)
    files = {item.file for item in course.exercises}
    forms: dict[str, dict[str, list]] = {}
    if submissions is not None:
        for student in reports:
            found = {}
            for name in files:
                try:
                    found[name] = read_regular_file(submissions / student / name, 1 << 20)
                except RefusedFile:
                    continue
            forms[student] = code_forms(found)
    starters = _starters(course)
    hrefs = {student: f"{REPORTS}/{student}.json" for student in reports}
    return finish_class(
        folder,
        reports,
        max_score=max(float(r["max_score"]) for r in reports.values()),
        roster=inputs.roster,
        policy=inputs.policy,
        times=inputs.times,
        forms=forms,
        starters=starters,
        report_hrefs=hrefs,
        title=course.title,
    )


# -- grade batch ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassInputs:
    """What `grade batch` was given about the class, beyond the submissions."""

    roster: Roster | None = None
    policy: Policy | None = None
    times: Times | None = None


def load_inputs(
    course: Any,
    roster_path: Path | None = None,
    policy_path: Path | None = None,
    times_path: Path | None = None,
) -> ClassInputs:
    """Read the roster, the policy (else course.yaml's block) and the times; raise InputError."""
    from grader.classroom.policy import course_policy, load_policy
    from grader.classroom.roster import read_roster, read_times
    from grader.course.problems import InputError

    problems = []
    loaded: list[Any] = []
    for path, read in (
        (roster_path, read_roster),
        (policy_path, load_policy),
        (times_path, read_times),
    ):
        try:
            loaded.append(read(path) if path else None)
        except InputError as error:
            problems.extend(error.problems)
            loaded.append(None)
    if loaded[1] is None and policy_path is None:
        try:
            loaded[1] = course_policy(course.root)
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return ClassInputs(*loaded)


def book_scores(book: Any) -> dict[str, dict[str, float]]:
    """Return every student's item scores held in a batch gradebook (before a regrade)."""
    return {
        row.student: {item: s[1] for item, s in book.item_scores(row.student).items()}
        for row in book.rows()
    }


def finish_book(
    book: Any,
    out: Path,
    course: Any,
    inputs: ClassInputs,
    old_scores: Mapping[str, Mapping[str, float]],
    known: Mapping[str, dict[str, Any]] | None = None,
) -> Finished:
    """After a batch run: class rows, changes.csv and class-report.html, from the gradebook.

    The rows are returned for the gradebook's class columns. `old_scores` is what the
    gradebook held before this run; only those students can have changes (a submission
    graded for the first time is not a regrade), so an uninterrupted run, a resumed one and
    merged shards write the same files. `known` holds JSON reports already parsed (the
    batch's own, as data), by student.
    """
    from grader.classroom.gradebook import GRADED
    from grader.classroom.outputs import write_if_changed

    reports: dict[str, dict[str, Any]] = {}
    outcomes: dict[str, Outcome] = {}
    forms: dict[str, dict[str, Any]] = {}
    for row in book.rows():
        outcomes[row.student] = Outcome(row.status, row.score, row.max_score, row.message)
        if row.status == GRADED and row.report:
            parsed = (known or {}).get(row.student)
            reports[row.student] = json.loads(row.report) if parsed is None else parsed
            forms[row.student] = code_forms_of(row.detail or "{}")
    matched = match(inputs.roster, outcomes)
    rows = build_rows(matched, outcomes, course.max_score, inputs.policy, inputs.times)
    new = {student: item_scores(reports.get(student, {})) for student in outcomes}
    found = changes(old_scores, {s: new.get(s, {}) for s in old_scores})
    write_if_changed(out / CHANGES, render_changes_csv(found))
    report = analyse(
        rows,
        reports,
        title=course.title,
        forms=forms,
        starters=_starters(course),
        report_hrefs={student: f"reports/{student}.json" for student in reports},
    )
    write_if_changed(out / CLASS_REPORT, render_class_report(report))
    return Finished(
        tuple(rows),
        len(found) if old_scores else None,
        matched.missing,
        matched.unmatched,
        sum(1 for row in rows if row.late_units > 0),
        sum(1 for row in rows if row.submitted and row.time_source == "none" and inputs.policy),
        (out / CHANGES, out / CLASS_REPORT),
    )


_FORMS_FIRST = '{"' + CODE_FORMS + '": '  # sort_keys puts it first in a batch row's detail


def code_forms_of(detail: str) -> dict[str, Any]:
    """Return a detail's code forms, parsing only them when they come first (as batch writes)."""
    if detail.startswith(_FORMS_FIRST):
        return json.JSONDecoder().raw_decode(detail, len(_FORMS_FIRST))[0]
    return json.loads(detail).get(CODE_FORMS, {})


def _starters(course: Any) -> dict[str, str]:
    starters = {}
    for exercise in course.exercises:
        try:
            starters[exercise.file] = exercise.stub.read_text(encoding="utf-8")
        except OSError:
            continue
    return starters

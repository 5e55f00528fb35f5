"""Turn a graded class into the instructor's files: gradebook, changes, class report, scores.

`finish_class` is what `grade batch` (and the standalone `grade class`) call once every
submission has a JSON report: it applies the roster and the late-work policy, writes
`gradebook.csv`, `changes.csv` when an earlier run left `scores.json`, and `class-report.html`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.classroom.class_report import analyse, render_class_report
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
    sources: Mapping[str, Mapping[str, str]] | None = None,
    starters: Mapping[str, str] | None = None,
    report_hrefs: Mapping[str, str] | None = None,
    title: str = "",
) -> Finished:
    """Write gradebook.csv, changes.csv (after an earlier run), scores.json, class-report.html."""
    out.mkdir(parents=True, exist_ok=True)
    outcomes = dict(outcomes or {})
    for student, report in reports.items():
        outcomes.setdefault(student, outcome_of(report))
    matched = match(roster, outcomes)
    rows = build_rows(matched, outcomes, max_score, policy, times)
    written = [_write(out / GRADEBOOK, render_rows_csv(rows))]
    scores = {student: item_scores(report) for student, report in reports.items()}
    changed = None
    previous = out / SCORES
    if previous.is_file():
        try:
            old = json.loads(previous.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if isinstance(old, dict):
            found = changes(old, scores)
            changed = len(found)
            written.append(_write(out / CHANGES, render_changes_csv(found)))
    written.append(_write(previous, json.dumps(scores, indent=1, sort_keys=True) + "\n"))
    report = analyse(
        rows, reports, title=title, sources=sources, starters=starters, report_hrefs=report_hrefs
    )
    written.append(_write(out / CLASS_REPORT, render_class_report(report)))
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
    from grader.classroom.policy import course_policy, load_policy
    from grader.classroom.roster import read_roster, read_times
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
    roster = read_roster(roster_path) if roster_path else None
    policy = load_policy(policy_path) if policy_path else course_policy(course.root)
    times = read_times(times_path) if times_path else None
    files = {item.file for item in course.exercises}
    sources: dict[str, dict[str, str]] = {}
    if submissions is not None:
        for student in reports:
            for name in files:
                try:
                    data = read_regular_file(submissions / student / name, 1 << 20)
                except RefusedFile:
                    continue
                sources.setdefault(student, {})[name] = data.decode("utf-8", "replace")
    starters = {}
    for exercise in course.exercises:
        try:
            starters[exercise.file] = exercise.stub.read_text(encoding="utf-8")
        except (AttributeError, OSError):
            continue
    hrefs = {student: f"{REPORTS}/{student}.json" for student in reports}
    return finish_class(
        folder,
        reports,
        max_score=max(float(r["max_score"]) for r in reports.values()),
        roster=roster,
        policy=policy,
        times=times,
        sources=sources,
        starters=starters,
        report_hrefs=hrefs,
        title=course.title,
    )

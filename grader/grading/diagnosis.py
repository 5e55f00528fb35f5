"""Name a submission's mistake: compare its check runs with those of known-wrong files.

A diagnosis is a true one only when the submission failed exactly the checks a known-wrong
file fails, and did there what that file did (fingerprints.py compares the observations).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from grader import __version__
from grader.course.model import CodeExercise
from grader.grading.fingerprints import Observation, alike
from grader.grading.messages import sanitize
from grader.grading.results import CheckResult, Diagnosis, Status
from grader.sandbox import Limits


@dataclass(frozen=True)
class Run:
    """One check run against one submission: its result and what the student's code did."""

    result: CheckResult
    observed: tuple[Observation, ...]


# Known-wrong fingerprints by exercise content: {key: {misconception id: {check: run}}}.
# Computed lazily, once per process for each version of an exercise, by grading each
# known-wrong file the way a student's file is graded; the course folder is never written.
KNOWN_WRONG: dict[str, dict[str, dict[str, Run]]] = {}


def content_key(exercise: CodeExercise, limits: Limits) -> str:
    """Hash what a known-wrong fingerprint depends on: the exercise's files and the limits."""
    hasher = hashlib.sha256(f"{__version__}|{exercise.id}|{exercise.file}|{limits}".encode())
    paths = [exercise.source, *exercise.tests, *(wrong.file for wrong in exercise.misconceptions)]
    for path in paths:
        hasher.update(str(path.name).encode() + b"\0")
        try:
            hasher.update(path.read_bytes())
        except OSError:
            hasher.update(b"<unreadable>")
    return hasher.hexdigest()


def said_once(exercise: CodeExercise, tests: tuple[CheckResult, ...]) -> tuple[CheckResult, ...]:
    """Drop the check hint from failures the diagnosis explains, so the fix is said once."""
    hints = {check.test: check.hint for check in exercise.checks}
    trimmed = []
    for test in tests:
        hint = sanitize(hints.get(test.test, ""))
        if test.status is Status.FAILED and hint and test.message.endswith(" " + hint):
            test = replace(test, message=test.message[: -len(hint) - 1])
        trimmed.append(test)
    return tuple(trimmed)


def diagnose(
    exercise: CodeExercise, runs: list[Run], known: dict[str, dict[str, Run]]
) -> Diagnosis | None:
    """Name the misconception whose known-wrong file did exactly what this submission did."""
    ours = {run.result.test: run for run in runs}
    failing = {test for test, run in ours.items() if run.result.status is not Status.PASSED}
    for wrong in exercise.misconceptions:
        theirs = known.get(wrong.id, {})
        their_failing = {t for t, run in theirs.items() if run.result.status is not Status.PASSED}
        if their_failing != failing:
            continue
        if all(
            ours[test].result.status is theirs[test].result.status
            and alike(ours[test].observed, theirs[test].observed, exercise.tolerance)
            for test in failing
        ):
            return Diagnosis(wrong.id, wrong.title, wrong.feedback)
    return None

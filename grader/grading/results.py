"""What grading produces: small value objects with a status, read by the reporters."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from grader.sandbox.outcomes import Frame


class Status(StrEnum):
    """How one check, exercise or quiz ended."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_STARTED = "not started"
    ERROR = "error"
    TIMEOUT = "timed out"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class CheckResult:
    """One hidden check (or a quiz's single answer check)."""

    test: str  # stable id: the pytest function name, or "answer" for a quiz
    name: str  # student-facing name
    status: Status
    score: int
    max_score: int
    visibility: str  # "visible" or "hidden"
    message: str = ""  # student-facing; empty when passed
    frames: tuple[Frame, ...] = ()  # the student's own frames when their code raised
    output: str = ""  # what the student's code printed during this check (capped)
    advisory: bool = False  # attested only by the student's process: shown, worth 0 points
    seconds: float = 0.0  # how long the check took, sandbox calls included


@dataclass(frozen=True)
class Diagnosis:
    """A known misconception whose failing checks match this submission's."""

    id: str
    title: str
    feedback: str


@dataclass(frozen=True)
class ItemResult:
    """One exercise or quiz: its checks and their total."""

    id: str
    title: str
    kind: str  # code, numeric, choice
    lesson: str
    status: Status
    score: int
    max_score: int
    tests: tuple[CheckResult, ...]
    file: str = ""  # the student file (code) or "answers.yaml" (quiz)
    hints: tuple[str, ...] = ()
    diagnosis: Diagnosis | None = None
    answer: str | None = None  # a quiz's given answer, normalised (None when unreadable or code)

    @property
    def scored(self) -> tuple[CheckResult, ...]:
        """Return the checks that earn points (advisory ones are counted apart)."""
        return tuple(test for test in self.tests if not test.advisory)

    @property
    def advisory(self) -> tuple[CheckResult, ...]:
        return tuple(test for test in self.tests if test.advisory)

    @property
    def hidden_count(self) -> int:
        return sum(1 for test in self.scored if test.visibility == "hidden")

    @property
    def passed_count(self) -> int:
        return sum(1 for test in self.scored if test.status is Status.PASSED)

    @property
    def first_failure(self) -> CheckResult | None:
        """Return the first scored check not passed, else the first advisory one not passed."""
        return next((test for test in self.scored if test.status is not Status.PASSED), None) or (
            next((test for test in self.advisory if test.status is not Status.PASSED), None)
        )


@dataclass(frozen=True)
class GradedFile:
    """A graded file and its SHA-256 (None when it was missing or unreadable)."""

    name: str
    sha256: str | None
    size: int | None = None


@dataclass(frozen=True)
class Confinement:
    """Which sandbox backend ran the student's code, and whether the kernel confined it."""

    backend: str  # "linux" or "portable"
    confined: bool  # False: contained (killed on time, capped) but free to read, write, connect
    # How workers were kept apart, read from /proc by the trusted side (Linux backend):
    # per_worker_uid, nobody, user_namespace or grader_user; "" where nothing separates them.
    separation: str = ""


def sandbox_data(confinement: Confinement) -> dict[str, object]:
    """Return the report's `sandbox` object: backend, confined, and separation when known."""
    data: dict[str, object] = {"backend": confinement.backend, "confined": confinement.confined}
    if confinement.separation:
        data["separation"] = confinement.separation
    return data


@dataclass(frozen=True)
class Report:
    """A whole workspace's grade."""

    course_title: str
    course_version: str
    grader_version: str
    workspace: str
    items: tuple[ItemResult, ...]
    files: tuple[GradedFile, ...] = ()
    notes: tuple[str, ...] = field(default=())  # report-wide notes, e.g. answers.yaml problems
    ungraded: int = 0  # the course's items outside the selection graded (grade check ID)
    # Which sandbox ran the code, as the Grader that made the report knows it; None: not
    # recorded (a report rebuilt from an older grader's data), never guessed.
    sandbox: Confinement | None = None
    # Exercises whose every request was answered by a sandbox worker holding no other student
    # file (the trusted side loaded them: no self-report). Only their results depend on their
    # own file alone, so only they may be shared with other students by its bytes (batch).
    alone: frozenset[str] = frozenset()

    @property
    def score(self) -> int:
        return sum(item.score for item in self.items)

    @property
    def max_score(self) -> int:
        return sum(item.max_score for item in self.items)

    @property
    def hidden_count(self) -> int:
        return sum(item.hidden_count for item in self.items)

    @property
    def passed_count(self) -> int:
        return sum(item.passed_count for item in self.items)

    @property
    def check_count(self) -> int:
        """Count the scored checks; advisory ones are counted apart."""
        return sum(len(item.scored) for item in self.items)

    @property
    def advisory_count(self) -> int:
        return sum(len(item.advisory) for item in self.items)

    @property
    def advisory_passed(self) -> int:
        return sum(
            1 for item in self.items for test in item.advisory if test.status is Status.PASSED
        )


def item_status(tests: tuple[CheckResult, ...], score: int, max_score: int) -> Status:
    """Summarise check statuses into the exercise's status."""
    statuses = {test.status for test in tests if not test.advisory}
    if statuses == {Status.NOT_STARTED} or not statuses:
        return Status.NOT_STARTED
    if score == max_score:
        return Status.PASSED
    if Status.ERROR in statuses and Status.PASSED not in statuses:
        return Status.ERROR
    if Status.TIMEOUT in statuses:
        return Status.TIMEOUT
    return Status.FAILED

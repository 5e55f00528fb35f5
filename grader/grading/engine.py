"""Grade workspaces: hidden pytest suites in this trusted process, student code in the sandbox.

One `Grader` holds a warm sandbox; `grade_many` runs pytest once, collecting the hidden suite
once, then runs every check against each submission in turn.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.runner import runtestprotocol

from grader import __version__
from grader.course.model import Check, CodeExercise, Course, Quiz
from grader.grading.checks import Failure, Student
from grader.grading.direct import can_run_directly, run_directly
from grader.grading.messages import sanitize
from grader.grading.quizzes import ANSWERS_FILE, grade_quiz, read_answers, unknown_ids
from grader.grading.results import (
    CheckResult,
    Diagnosis,
    GradedFile,
    ItemResult,
    Report,
    Status,
    item_status,
)
from grader.sandbox import Limits, Sandbox, SandboxError, SandboxSession
from grader.sandbox.outcomes import Frame

_PYTEST_ARGS = [
    "--capture=no",
    "--import-mode=importlib",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:stepwise",
    "-p",
    "no:doctest",
    "-p",
    "no:junitxml",
    "-p",
    "no:pastebin",
    "-p",
    "no:terminal",
    "-p",
    "no:logging",
    "-p",
    "no:faulthandler",
    "-W",
    "ignore",
]


@contextmanager
def _pytest_environment() -> Iterator[None]:
    """Run pytest with no plugin autoloading and none of the caller's PYTEST_* settings."""
    saved = {name: value for name, value in os.environ.items() if name.startswith("PYTEST_")}
    for name in saved:
        del os.environ[name]
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        os.environ.update(saved)


class GradingError(Exception):
    """Raise when grading could not run at all (a broken course, not a broken submission)."""


def select(course: Course, only: Iterable[str] | None) -> list[CodeExercise | Quiz]:
    """Return the course's items (all, or those in `only`) in course order; reject unknown ids."""
    if only is None:
        return list(course.items)
    wanted = set(only)
    unknown = sorted(wanted - {item.id for item in course.items})
    if unknown:
        raise GradingError(
            f"no exercise or quiz called {', '.join(map(repr, unknown))};"
            " run `grade list` to see the ids"
        )
    return [item for item in course.items if item.id in wanted]


@dataclass(frozen=True)
class Submission:
    """A folder to grade and an optional subset of item ids."""

    folder: Path
    label: str = ""
    only: tuple[str, ...] | None = None  # grade just these items (within the run's selection)


class Grader:
    """Grade submissions against one course with one warm sandbox."""

    def __init__(self, course: Course, limits: Limits | None = None) -> None:
        self.course = course
        self.sandbox = Sandbox(limits or Limits())

    def close(self) -> None:
        """Stop the sandbox and every process it started."""
        self.sandbox.close()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def grade(self, folder: Path, only: Iterable[str] | None = None) -> Report:
        """Grade one workspace."""
        reports: list[Report] = []
        self.grade_many([Submission(folder)], lambda _, report: reports.append(report), only)
        return reports[0]

    def grade_many(
        self,
        submissions: Iterable[Submission],
        on_report: Callable[[Submission, Report], None],
        only: Iterable[str] | None = None,
    ) -> None:
        """Grade each submission in turn, calling `on_report` as each report is ready."""
        items = select(self.course, only)
        exercises = [item for item in items if isinstance(item, CodeExercise)]
        plugin = _Plugin(self, submissions, items, on_report)
        if not exercises:
            plugin.grade_without_pytest()
            return
        test_files = sorted({str(path) for item in exercises for path in item.tests})
        args = [
            *_PYTEST_ARGS,
            "--rootdir",
            str(self.course.root),
            "--confcutdir",
            str(self.course.root),
            "-c",
            os.devnull,
            *test_files,
        ]
        with _pytest_environment():
            code = pytest.main(args, plugins=[plugin])
        if plugin.fatal is not None:
            raise GradingError(f"the sandbox could not run student code: {plugin.fatal}")
        if plugin.collect_errors:
            raise GradingError("the hidden tests could not be loaded: " + plugin.collect_errors[0])
        if not plugin.finished:
            raise GradingError(f"pytest stopped early (exit code {int(code)})")


class _Plugin:
    """A pytest plugin that runs the collected checks against each submission in turn."""

    def __init__(self, grader: Grader, submissions, items, on_report) -> None:
        self.grader = grader
        self.submissions: Iterable[Submission] = submissions  # read once, lazily (a stream)
        self.items = items
        self.on_report = on_report
        self.by_test_file = {
            path.resolve(): item
            for item in items
            if isinstance(item, CodeExercise)
            for path in item.tests
        }
        self.handle: SandboxSession | None = None
        self.collect_errors: list[str] = []
        self.finished = False
        self.fatal: SandboxError | None = None

    # -- pytest hooks ----------------------------------------------------------------------

    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> Student:
        """Give a hidden test its sandboxed view of the student's module."""
        exercise, check = request.node.stash[_META]
        assert self.handle is not None, "checks run only while a submission is open"
        return Student(self.handle, exercise, check)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {str(report.longrepr)[-2000:]}")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        kept = []
        for item in items:
            exercise = self.by_test_file.get(Path(item.path).resolve())
            if exercise is None:
                continue
            name = getattr(item, "originalname", item.name)
            check = next((c for c in exercise.checks if c.test == name), None)
            if check is None:
                continue
            item.stash[_META] = (exercise, check)
            kept.append(item)
        items[:] = kept

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if call.excinfo is not None and call.when in ("setup", "call"):
            item.stash.setdefault(_ERROR, call.excinfo.value)
        return report

    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if self.collect_errors:
            return True
        by_exercise: dict[str, list[pytest.Item]] = {}
        for item in session.items:
            by_exercise.setdefault(item.stash[_META][0].id, []).append(item)
        try:
            for submission in self.submissions:
                self._grade_one(submission, by_exercise)
        except SandboxError as error:
            self.fatal = error
        self.finished = True
        return True

    # -- grading -----------------------------------------------------------------------------

    def grade_without_pytest(self) -> None:
        for submission in self.submissions:
            self._grade_one(submission, {})

    def _grade_one(self, submission: Submission, by_exercise: dict[str, list]) -> None:
        folder = submission.folder
        course = self.grader.course
        items = [
            item for item in self.items if submission.only is None or item.id in submission.only
        ]
        files = [item.file for item in items if isinstance(item, CodeExercise)]
        answers = read_answers(folder)
        results: list[ItemResult] = []
        handle = self.grader.sandbox.open(folder, files) if files else None
        self.handle = handle
        try:
            for item in items:
                if isinstance(item, Quiz):
                    results.append(grade_quiz(item, answers))
                else:
                    results.append(self._grade_exercise(item, by_exercise.get(item.id, [])))
        finally:
            self.handle = None
            if handle is not None:
                handle.close()
        graded_quizzes = any(isinstance(item, Quiz) for item in items)
        notes = tuple(unknown_ids(answers, course.quizzes)) if graded_quizzes else ()
        graded = [
            GradedFile(name, *((handle and handle.digest(name)) or (None, None))) for name in files
        ]
        if graded_quizzes:
            graded.append(GradedFile(ANSWERS_FILE, *(answers.digest or (None, None))))
        report = Report(
            course_title=course.title,
            course_version=course.version,
            grader_version=__version__,
            workspace=submission.label or str(folder),
            items=tuple(results),
            files=tuple(graded),
            notes=notes,
        )
        self.on_report(submission, report)

    def _student_for(self, item: pytest.Item) -> Callable[[], Student]:
        """Return a maker of the `student` value for a check run without pytest's protocol."""
        exercise, check = item.stash[_META]
        assert self.handle is not None, "checks run only while a submission is open"
        handle = self.handle
        return lambda: Student(handle, exercise, check)

    def _grade_exercise(self, exercise: CodeExercise, items: list[pytest.Item]) -> ItemResult:
        tests = tuple(_run_check(item, self._student_for(item)) for item in items)
        score = sum(test.score for test in tests)
        failing = tuple(sorted(test.test for test in tests if test.status is not Status.PASSED))
        diagnosis = None
        if failing and any(test.status is Status.FAILED for test in tests):
            for wrong in exercise.misconceptions:
                if wrong.fails == failing:
                    diagnosis = Diagnosis(wrong.id, wrong.title, wrong.feedback)
                    break
        return ItemResult(
            id=exercise.id,
            title=exercise.title,
            kind=exercise.kind,
            lesson=exercise.lesson,
            status=item_status(tests, score, exercise.max_score),
            score=score,
            max_score=exercise.max_score,
            tests=tests,
            file=exercise.file,
            hints=exercise.hints,
            diagnosis=diagnosis,
        )


_META = pytest.StashKey[tuple[CodeExercise, Check]]()
_ERROR = pytest.StashKey[BaseException]()


def _run_check(item: pytest.Item, student: Callable[[], Student]) -> CheckResult:
    _, check = item.stash[_META]
    if can_run_directly(item):
        error = run_directly(item, student)
    else:
        if _ERROR in item.stash:
            del item.stash[_ERROR]
        runtestprotocol(item, nextitem=None, log=False)
        error = item.stash.get(_ERROR, None)
    status, message, output = Status.PASSED, "", ""
    frames: tuple[Frame, ...] = ()
    if isinstance(error, Failure):
        status = Status(_STATUS[error.status])
        message, frames, output = error.message, error.frames, error.output
    elif isinstance(error, SandboxError):
        status = Status.ERROR
        message = (
            f"the grader's sandbox failed ({str(error)[:200]}); this is not a problem in"
            " your code: grade again, and tell your instructor if it keeps happening"
        )
    elif isinstance(error, AssertionError):
        status = Status.FAILED
        message = f"{check.name}: not satisfied. {check.hint}".strip()
    elif error is not None:
        status = Status.ERROR
        message = (
            f"this check could not run ({type(error).__name__}: {str(error)[:200]});"
            " it is a problem in the course, not in your code: tell your instructor"
        )
    return CheckResult(
        test=check.test,
        name=check.name,
        status=status,
        score=check.points if status is Status.PASSED else 0,
        max_score=check.points,
        visibility=check.visibility,
        message=sanitize(message),
        frames=frames,
        output=output,
    )


_STATUS = {
    "failed": "failed",
    "not_started": "not started",
    "timeout": "timed out",
    "error": "error",
}

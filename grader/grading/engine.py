"""Grade workspaces: hidden test suites in this trusted process, student code in the sandbox.

One `Grader` holds a warm sandbox; `grade_many` collects the hidden suite once, then runs
every check against each submission in turn. Plain checks (functions of `student` alone, in
files that never mention pytest) are imported and called directly, and the Grader keeps them
for its next `grade_many` (`grade watch`); anything else runs in a pytest session.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from grader import __version__
from grader.course.model import Check, CodeExercise, Course, Quiz
from grader.grading.check_runs import check_run
from grader.grading.checks import Student, unavailable_failure
from grader.grading.diagnosis import KNOWN_WRONG, Run, content_key, diagnose, said_once
from grader.grading.direct import (
    DirectCheck,
    can_run_directly,
    collect_directly,
    quiet_checks,
    run_directly,
)
from grader.grading.messages import sanitize
from grader.grading.results import (
    CheckResult,
    Confinement,
    GradedFile,
    ItemResult,
    Report,
    Status,
    item_status,
)
from grader.grading.shared_known import SharedKnownWrong
from grader.sandbox import Limits, SandboxError, SandboxSession, make_sandbox


class GradingError(Exception):
    """Raise when grading could not run at all (a broken course, not a broken submission)."""


def select(course: Course, only: Iterable[str] | None) -> list[CodeExercise | Quiz]:
    """Return the course's items (all, or those in `only`) in course order; reject unknown ids."""
    if only is None:
        return list(course.items)
    wanted = set(only)
    unknown = sorted(wanted - {item.id for item in course.items})
    if unknown:
        ids = [item.id for item in course.items]
        close = [match for name in unknown for match in get_close_matches(name, ids, n=1)]
        suggestion = f"did you mean {', '.join(map(repr, close))}? " if close else ""
        raise GradingError(
            f"no exercise or quiz called {', '.join(map(repr, unknown))};"
            f" {suggestion}run `grade list` to see the ids"
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

    def __init__(
        self,
        course: Course | Callable[[], Course],
        limits: Limits | None = None,
        shared_known: SharedKnownWrong | None = None,
    ) -> None:
        """Start the sandbox; given a loader, the course loads on first use (while it boots)."""
        self.limits = limits or Limits()
        self.shared_known = shared_known  # known-wrong results made once for a whole batch
        self.sandbox = make_sandbox(self.limits)
        self._direct: dict[str, list[DirectCheck] | None] = {}  # exercise id -> its checks
        self._wrong_keys: dict[str, str] = {}  # exercise id -> its known-wrong files' key
        self._course = course

    @property
    def confinement(self) -> Confinement:
        """Say which backend runs the student code, and whether the kernel confines it."""
        sandbox = self.sandbox
        return Confinement(sandbox.backend, sandbox.confined, sandbox.separation)

    def known_wrong_key(self, exercise: CodeExercise) -> str:
        """Return the key of an exercise's known-wrong results (its files, read once)."""
        key = self._wrong_keys.get(exercise.id)
        if key is None:
            key = self._wrong_keys[exercise.id] = content_key(exercise, self.limits)
        return key

    @property
    def course(self) -> Course:
        """Return the course, loading it on first use."""
        if callable(self._course):
            self._course = self._course()
        return self._course

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
        run = _Run(self, submissions, items, on_report)
        direct = self._collect_directly(exercises, run)
        code = 0
        if direct is not None:
            with quiet_checks():
                run.grade_all(direct)
        else:
            from grader.grading.pytest_session import run_pytest  # imports pytest: only now

            test_files = sorted({str(path) for item in exercises for path in item.tests})
            code = run_pytest(self.course.root, test_files, run)
        if run.fatal is not None:
            raise GradingError(f"the sandbox could not run student code: {run.fatal}")
        if run.collect_errors:
            raise GradingError("the hidden tests could not be loaded: " + run.collect_errors[0])
        if not run.finished:
            raise GradingError(f"pytest stopped early (exit code {code})")

    def _collect_directly(self, exercises: list[CodeExercise], run: _Run) -> list[Any] | None:
        """Return the exercises' checks imported without pytest, or None if any needs pytest."""
        checks: list[Any] = []
        for exercise in exercises:
            if exercise.id not in self._direct:
                names = {check.test for check in exercise.checks}
                tests = sorted(exercise.tests, key=str)  # pytest's order: its arguments, sorted
                self._direct[exercise.id] = collect_directly(tests, self.course.root, names)
            found = self._direct[exercise.id]
            if found is None:
                return None
            checks += found
        return run.keep(checks)


class _Run:
    """One `grade_many` call: the checks, run against each submission in turn."""

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
        # Per collected check (a DirectCheck or a pytest item): what it checks, what it
        # raised in its latest run (pytest items), and the `student` it was given.
        self.meta: dict[Any, tuple[CodeExercise, Check]] = {}
        self.errors: dict[Any, BaseException] = {}
        self.students: dict[Any, Student] = {}

    def keep(self, items: list[Any]) -> list[Any]:
        """Return the collected items that are checks of the selected exercises."""
        kept = []
        for item in items:
            exercise = self.by_test_file.get(Path(item.path).resolve())
            if exercise is None:
                continue
            name = getattr(item, "originalname", item.name)
            check = next((c for c in exercise.checks if c.test == name), None)
            if check is None:
                continue
            self.meta[item] = (exercise, check)
            kept.append(item)
        return kept

    def grade_all(self, items: list[Any]) -> None:
        """Grade every submission with the kept checks, each exercise's in collection order."""
        by_exercise: dict[str, list[Any]] = {}
        for item in items:
            by_exercise.setdefault(self.meta[item][0].id, []).append(item)
        try:
            for submission in self.submissions:
                self._grade_one(submission, by_exercise)
        except SandboxError as error:
            self.fatal = error
        self.finished = True

    def _grade_one(self, submission: Submission, by_exercise: dict[str, list]) -> None:
        """Grade one submission; any failure but a broken sandbox costs only this report."""
        items = [
            item for item in self.items if submission.only is None or item.id in submission.only
        ]
        try:
            report = self._report(submission, items, by_exercise)
        except SandboxError:
            raise
        except Exception as error:  # a grader bug must not end the run for everyone else
            report = self._error_report(submission, items, error)
        self.on_report(submission, report)

    def _report(self, submission: Submission, items: list, by_exercise: dict) -> Report:
        folder = submission.folder
        course = self.grader.course
        files = [item.file for item in items if isinstance(item, CodeExercise)]
        quizzes, notes, answers_file = _grade_answers(folder, items, course.quizzes)
        results: list[ItemResult] = []
        alone: set[str] = set()
        # Every exercise file of the course is copied, so one file can import another
        # (`from sigmoid import sigmoid` in neuron.py); only the selected ones are graded.
        every_file = [exercise.file for exercise in course.exercises]
        handle = self.grader.sandbox.open(folder, every_file) if files else None
        self.handle = handle
        try:
            for item in items:
                if isinstance(item, Quiz):
                    results.append(quizzes[item.id])
                else:
                    results.append(self._grade_exercise(item, by_exercise.get(item.id, [])))
                    if handle is None or handle.alone(item.module):
                        alone.add(item.id)
        finally:
            self.handle = None
            if handle is not None:
                handle.close()
        graded = [
            GradedFile(name, *((handle and handle.digest(name)) or (None, None))) for name in files
        ]
        if answers_file is not None:
            graded.append(answers_file)
        return Report(
            course_title=course.title,
            course_version=course.version,
            grader_version=__version__,
            workspace=submission.label or str(submission.folder),
            items=tuple(results),
            files=tuple(graded),
            notes=notes,
            sandbox=self.grader.confinement,
            alone=frozenset(alone),
        )

    def _error_report(self, submission: Submission, items: list, error: Exception) -> Report:
        from grader.grading.quizzes import ANSWERS_FILE  # YAML: loaded only where needed

        course = self.grader.course
        what = f"{type(error).__name__}: {sanitize(str(error))[:200]}"
        message = (
            f"the grader failed while grading this submission ({what}); this is not a"
            " problem in your work: tell your instructor"
        )
        results = []
        for item in items:
            checks = item.checks if isinstance(item, CodeExercise) else ()
            tests = tuple(
                CheckResult(
                    test=check.test,
                    name=check.name,
                    status=Status.ERROR,
                    score=0,
                    max_score=check.points,
                    visibility=check.visibility,
                    message=message,
                    advisory=check.advisory,
                )
                for check in checks
            ) or (
                CheckResult(
                    "answer", item.title, Status.ERROR, 0, item.max_score, "visible", message
                ),
            )
            results.append(
                ItemResult(
                    id=item.id,
                    title=item.title,
                    kind=item.kind,
                    lesson=item.lesson,
                    status=Status.ERROR,
                    score=0,
                    max_score=item.max_score,
                    tests=tests,
                    file=item.file if isinstance(item, CodeExercise) else ANSWERS_FILE,
                    hints=item.hints,
                )
            )
        return Report(
            course_title=course.title,
            course_version=course.version,
            grader_version=__version__,
            workspace=submission.label or str(submission.folder),
            items=tuple(results),
            notes=(f"Grading stopped early for this submission: {what}.",),
            sandbox=self.grader.confinement,
        )

    def make_student(self, item: Any) -> Callable[[], Student]:
        """Return a maker of the `student` value for a check (the pytest fixture uses it too)."""
        exercise, check = self.meta[item]
        assert self.handle is not None, "checks run only while a submission is open"
        handle = self.handle

        def make() -> Student:
            student = Student(handle, exercise, check)
            self.students[item] = student  # its observations diagnose
            return student

        return make

    def _run_checks(self, items: list[Any]) -> list[Run]:
        """Run each check against the open submission (a failure beside other files: alone)."""
        return [self._run_alone_if_shared(item) for item in items]

    def _run_alone_if_shared(self, item: Any) -> Run:
        """Run a check; if it failed while its module shared a worker, run it again alone.

        The files of a submission share one worker, so one file can break another's calls
        (a patched numpy, a changed recursion limit).  A failure is only reported once the
        module, in a worker of its own, fails the check too, unless the shared worker says no
        student code changed what it watches (a word that can keep a failure, never earn a
        point); not started and timed-out checks are not run again (no other file causes the
        first; the second would cost its time again).  From then on the module keeps its own
        worker.
        """
        handle = self.handle
        module = self.meta[item][0].module
        before = handle.shared_requests(module) if handle is not None else 0
        run = self._run_check(item)
        if (
            handle is not None
            and run.result.status in _CONFIRMED_ALONE
            and handle.shared_requests(module) > before
            and not handle.untouched(module)
        ):
            handle.isolate(module)
            run = self._run_check(item)
        return run

    def _run_check(self, item: Any) -> Run:
        """Run one check: call it directly when pytest adds nothing, else pytest's protocol."""
        self.errors.pop(item, None)
        self.students.pop(item, None)
        started = time.perf_counter()
        if can_run_directly(item):
            error = run_directly(item, self.make_student(item))
        else:
            from grader.grading.pytest_session import run_protocol

            run_protocol(item)
            error = self.errors.get(item)
        seconds = time.perf_counter() - started
        return check_run(self.meta[item][1], error, self.students.get(item), seconds)

    def _grade_exercise(self, exercise: CodeExercise, items: list[Any]) -> ItemResult:
        problem = self.handle.unavailable(exercise.module) if self.handle is not None else None
        if problem is None:
            runs = self._run_checks(items)
        else:  # no file to run (missing, unreadable): no check can pass, none need run
            error = unavailable_failure(problem)
            runs = [check_run(self.meta[item][1], error, None, 0.0) for item in items]
        tests = tuple(run.result for run in runs)
        score = sum(test.score for test in tests)
        diagnosis = None
        if exercise.misconceptions and any(test.status is Status.FAILED for test in tests):
            try:
                diagnosis = diagnose(exercise, runs, self._known_wrong(exercise, items))
            except SandboxError:
                raise
            except Exception:  # naming a mistake is a bonus: it never costs the grade
                diagnosis = None
        if diagnosis is not None:
            tests = said_once(exercise, tests)
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

    def _known_wrong(self, exercise: CodeExercise, items: list[Any]) -> dict[str, dict[str, Run]]:
        """Return each known-wrong file's runs of this exercise's checks, grading them once."""
        key = self.grader.known_wrong_key(exercise)
        shared = self.grader.shared_known
        known = KNOWN_WRONG.get(key)
        if known is None and shared is not None:
            known = shared.fetch(key)  # made by another worker of the batch (or ours to make)
        if known is not None:
            KNOWN_WRONG[key] = known
            return known
        known = {}
        saved = self.handle
        try:
            for wrong in exercise.misconceptions:
                with tempfile.TemporaryDirectory(prefix="grade-known-wrong-") as scratch:
                    shutil.copyfile(wrong.file, Path(scratch) / exercise.file)
                    handle = self.grader.sandbox.open(Path(scratch), [exercise.file])
                    self.handle = handle
                    try:
                        known[wrong.id] = {run.result.test: run for run in self._run_checks(items)}
                    finally:
                        handle.close()
        except BaseException:
            if shared is not None:
                shared.put(key, None)  # the other workers grade their own
            raise
        finally:
            self.handle = saved
        if shared is not None:
            shared.put(key, known)
        KNOWN_WRONG[key] = known
        return known


_CONFIRMED_ALONE = (Status.FAILED, Status.ERROR)


def _grade_answers(
    folder: Path, items: list, course_quizzes: tuple[Quiz, ...]
) -> tuple[dict[str, ItemResult], tuple[str, ...], GradedFile | None]:
    """Grade the selected quizzes: results by id, the report's notes, answers.yaml's digest.

    With no quiz selected (`grade batch`'s workers) answers.yaml is not read, nor YAML loaded.
    """
    quizzes = [item for item in items if isinstance(item, Quiz)]
    if not quizzes:
        return {}, (), None
    from grader.grading.quizzes import ANSWERS_FILE, answer_notes, grade_quiz, read_answers

    answers = read_answers(folder)
    results = {quiz.id: grade_quiz(quiz, answers) for quiz in quizzes}
    notes = tuple(answer_notes(answers, course_quizzes))
    return results, notes, GradedFile(ANSWERS_FILE, *(answers.digest or (None, None)))

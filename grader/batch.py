"""`grade batch` and `grade merge`: grade a whole class into a resumable gradebook.

Each submission (a folder, .zip or .tar(.gz) per student) is read safely, fingerprinted, and
graded unless the gradebook already holds it for the same files, course and grader. Exercise
results are shared between identical files through a cache in the gradebook; the rest is
graded by `--jobs` warm workers (grader.classroom.runner), each submission within a
wall-clock budget. Quizzes are graded here (trusted, no student code). Outputs are always
regenerated from the gradebook, so an interrupted, resumed or merged run ends the same.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from grader import __version__
from grader.classroom.archives import Caps, Entry, Read, find_entries, read_entry, read_folder
from grader.classroom.class_report import prepare_class_report
from grader.classroom.gradebook import ERROR, FILE_NAME, GRADED, UNREADABLE, Gradebook, Row
from grader.classroom.integrity import code_forms
from grader.classroom.outputs import write_outputs
from grader.classroom.reach import reaches
from grader.classroom.rendering import Renderer, confinement_of, probe_confinement, write_reports
from grader.classroom.run import ClassInputs, book_scores, finish_book
from grader.classroom.runner import Outcome, Pool, Task
from grader.classroom.shards import Shard
from grader.classroom.startup import (
    WORK_DIR,
    checked_folders,
    publish_course,
    worker_pool,
)
from grader.course.model import CodeExercise, Course
from grader.grading.quizzes import ANSWERS_FILE, AnswerMemo
from grader.grading.results import Confinement, GradedFile, ItemResult, Report

_SANDBOX_FAILED = "the grader's sandbox failed"
_LOOKAHEAD = 64  # submissions planned ahead of the workers (their digests, not their bytes)


@dataclass(frozen=True)
class Options:
    """What `grade batch` was asked to do."""

    submissions: Path
    out: Path
    jobs: int
    shard: Shard = Shard()
    force: bool = False
    call_timeout: float = 1.0
    budget: float = 10.0
    gradescope: bool = False
    caps: Caps = Caps()
    classroom: ClassInputs = ClassInputs()  # roster, late-work policy, submission times


@dataclass
class Summary:
    """What a batch run did."""

    students: int = 0  # in this shard
    graded: int = 0  # graded in this run (including from the cache)
    cached: int = 0  # of those, every exercise came from the shared-results cache
    unchanged: int = 0  # already in the gradebook for the same files, course and grader
    removed: list[str] = field(default_factory=list)
    attention: list[tuple[str, str, str]] = field(default_factory=list)  # student, status, why
    seconds: float = 0.0
    restarts: int = 0
    classroom: list[str] = field(default_factory=list)  # roster, late work, regrade lines

    @property
    def per_second(self) -> float:
        return (self.students - self.unchanged) / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Plan:
    entry: Entry
    read: Read
    folder: Path
    fingerprint: str
    keys: dict[str, str]  # exercise id -> cache key
    entangled: bool
    whole: frozenset[str]  # exercise ids keyed by every file of the submission (they reach)
    digests: dict[str, tuple[str | None, int | None]]  # file -> (SHA-256, size), not the bytes
    results: dict[str, ItemResult] = field(default_factory=dict)
    forms: dict[str, list] = field(default_factory=dict)  # normalised code, for the class report
    fresh: dict[str, str] = field(default_factory=dict)  # JSON of results from a worker, by id
    shared: list[tuple[str, str, str]] = field(default_factory=list)  # results to cache, as JSON


Progress = Callable[[int, int, Summary], None]


_CACHES = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".git", ".DS_Store"}


def course_sha256(course: Course) -> str:
    """Return a SHA-256 over every file of the course folder (YAML, hidden tests, stubs)."""
    digest = hashlib.sha256()
    for path in sorted(course.root.rglob("*")):
        if _CACHES.intersection(path.relative_to(course.root).parts) or not path.is_file():
            continue  # tools' caches change without the course changing
        data = path.read_bytes()
        name = path.relative_to(course.root).as_posix()
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def run_batch(
    course: Course,
    options: Options,
    progress: Progress | None = None,
    pool: Pool | None = None,
    started: float | None = None,
) -> Summary:
    """Grade the class in `options.submissions` into `options.out`; return what happened.

    `pool`: workers already started for this run (`startup.early_workers`), else none yet.
    `started`: when the command began (time.monotonic()), for the wall time; else now.
    """
    started = time.monotonic() if started is None else started
    submissions, out = checked_folders(options.submissions, options.out)
    out.mkdir(parents=True, exist_ok=True)
    work = out / WORK_DIR
    if pool is None:
        shutil.rmtree(work, ignore_errors=True)
    else:
        publish_course(work, course)  # the workers are waiting for it
    summary = Summary()
    course_hash = course_sha256(course)
    try:  # the work folder holds students' extracted files: it goes however the run ends
        with Gradebook(out / FILE_NAME) as book:
            old_scores = book_scores(book)  # what a regrade compares with (changes.csv)
            book.set_meta(_meta(course, course_hash))
            entries = [e for e in find_entries(submissions) if options.shard.holds(e.student)]
            summary.students = len(entries)
            present = {e.student for e in entries}
            summary.removed = sorted(set(book.keys()) - present)
            book.remove(summary.removed)
            batch = _Batch(course, options, book, course_hash, work, summary, progress, pool)
            pool = None  # the batch closes it
            try:
                batch.run(entries)
                finished = finish_book(
                    book, out, course, options.classroom, old_scores, batch.written
                )
                summary.classroom = finished.summary()
                rows, written = finished.rows, batch.written
                write_outputs(
                    book, out, gradescope=options.gradescope, class_rows=rows, written=written
                )
                summary.attention = book.problems()
            finally:
                if batch.pool is not None:  # told to end at the end of run(): waited for now
                    batch.pool.close()
    finally:
        if pool is not None:
            pool.close(kill=True)
        shutil.rmtree(work, ignore_errors=True)
    summary.seconds = time.monotonic() - started
    return summary


def _meta(course: Course, course_hash: str) -> dict[str, str]:
    return {
        "course_title": course.title,
        "course_version": course.version,
        "course_sha256": course_hash,
        "grader_version": __version__,
        "items": json.dumps([item.id for item in course.items]),
    }


class _Batch:
    """One run over the class."""

    @cached_property
    def _confinement(self) -> Confinement | None:
        """Say which sandbox the workers use: as their first one said, else from a probe."""
        if self.pool is not None and self.pool.sandbox_known:
            return confinement_of(self.pool.sandbox)
        return probe_confinement()  # no worker ready yet (every result came from the cache)

    def __init__(self, course, options, book, course_hash, work, summary, progress, pool) -> None:
        self.course: Course = course
        self.options: Options = options
        self.book: Gradebook = book
        self.course_hash: str = course_hash
        self.work: Path = work
        self.summary: Summary = summary
        self.progress = progress
        self.exercises = list(course.exercises)
        self.names = [exercise.file for exercise in self.exercises]
        self.done = 0
        self.total = 0
        self.pool: Pool | None = pool
        self.numbers = itertools.count()
        self.cache_keys: set[tuple[str, str]] = set()  # (item, key) in the shared results
        self.known: dict[str, tuple[str, str, str, str]] = {}  # the gradebook's rows' keys
        self.reaching: dict[tuple[str, str], bool] = {}  # (file SHA-256, module) -> reaches
        self.code_forms: dict[str, list | None] = {}  # file SHA-256 -> its code form
        self.renderer = Renderer(book)
        self.answered = AnswerMemo(course.quizzes)  # each distinct answers.yaml graded once
        self.written: dict[str, dict] = {}  # student -> the JSON report this run wrote, as data

    def run(self, entries: list[Entry]) -> None:
        self.known = self.book.keys()
        self.cache_keys = self.book.cache_keys()
        self.total = len(entries)
        finished = False
        try:
            self._grade(deque(entries))
            finished = True
        finally:
            if self.pool is not None:
                self.summary.restarts = self.pool.restarts
                if finished:
                    self.pool.release()  # they end while the outputs are written
                else:
                    self.pool.close(kill=True)

    # -- planning ------------------------------------------------------------------------

    def _plan(self, entry: Entry) -> _Plan | None:
        read = read_entry(entry, self.names, ANSWERS_FILE, self.options.caps)
        folder = entry.path
        if not read.unreadable and entry.kind != "folder":
            folder = self.work / entry.student  # an archive: its expected files, written out
            folder.mkdir(parents=True)
            for name, content in read.files.items():
                (folder / name).write_bytes(content)
            read = read_folder(folder, self.names, ANSWERS_FILE, self.options.caps)
        fingerprint = read.fingerprint()
        sha = {name: read.sha256(name) for name in self.names}  # each file hashed once
        code = hashlib.sha256()
        for name in self.names:
            code.update(f"{name}\0{sha[name] or read.problems.get(name, '')}\0".encode())
        keys, whole = {}, set()
        modules = {exercise.module for exercise in self.exercises}
        for exercise in self.exercises:
            data = read.files.get(exercise.file)
            reaching = data is not None and self._reaches(
                data, sha[exercise.file], exercise, modules
            )
            if reaching:
                whole.add(exercise.id)
            state = sha[exercise.file] or "!" + read.problems.get(exercise.file, "")
            basis = f"{exercise.id}\0{state}\0{self.course_hash}\0{__version__}"
            if reaching:  # its result may depend on the other files too
                basis += "\0" + code.hexdigest()
            keys[exercise.id] = hashlib.sha256(basis.encode()).hexdigest()
        digests = {name: (sha[name], _size(read, name)) for name in self.names}
        return _Plan(entry, read, folder, fingerprint, keys, bool(whole), frozenset(whole), digests)

    def _admit(self, entry: Entry) -> _Plan | None:
        """Plan an entry for grading; None if it needs none (unchanged, or recorded unreadable)."""
        plan = self._plan(entry)
        if plan is None:
            return None
        row = self.known.get(entry.student)
        if (
            not self.options.force
            and row is not None
            and row[0] != ERROR
            and row[1:] == (plan.fingerprint, self.course_hash, __version__)
        ):
            self.summary.unchanged += 1
            self._advance()
            return None
        if plan.read.unreadable:
            self._record(entry.student, UNREADABLE, plan.read.unreadable, plan.fingerprint)
            return None
        # Only what grading needs waits in the queue: digests, never the file bytes.
        plan.forms = self._forms(plan)
        plan.read = Read(problems=plan.read.problems, unreadable=plan.read.unreadable)
        self._pool()  # its workers boot while the rest of the class is planned
        return plan

    def _reaches(
        self, data: bytes, sha: str | None, exercise: CodeExercise, modules: set[str]
    ) -> bool:
        """Tell whether a file may reach another (once per distinct file: a class repeats)."""
        key = (sha or "", exercise.module)
        found = self.reaching.get(key)
        if found is None:
            found = self.reaching[key] = reaches(data, exercise.module, modules)
        return found

    def _forms(self, plan: _Plan) -> dict[str, list]:
        """Return the exercise files' normalised code forms, each distinct file's made once."""
        forms = {}
        for name, data in sorted(_code(plan.read, self.names).items()):
            key = plan.digests[name][0] or ""
            if key not in self.code_forms:
                self.code_forms[key] = code_forms({name: data}).get(name)
            if (found := self.code_forms[key]) is not None:
                forms[name] = found
        return forms

    # -- grading -------------------------------------------------------------------------

    def _grade(self, unplanned: deque[Entry]) -> None:
        """Plan the entries while the workers grade what is already planned."""
        pending: deque[_Plan] = deque()
        inflight: set[str] = set()
        waiting: dict[str, list[_Plan]] = {}
        while unplanned or pending or (self.pool is not None and self.pool.busy()):
            self._dispatch(pending, inflight, waiting)
            busy = self.pool is not None and self.pool.busy()
            timeout = 0.5
            if unplanned and (not busy or len(pending) < _LOOKAHEAD):
                plan = self._admit(unplanned.popleft())
                if plan is not None:
                    pending.append(plan)
                timeout = 0.0  # only what has already ended: then plan the next one
            if self.pool is None or not busy:
                continue
            if not (unplanned or pending) and busy < self.pool.jobs:  # the end: a CPU is free
                prepare_class_report()  # compiled once, now instead of after the last result
            outcomes = self.pool.wait(timeout)
            if outcomes:  # idle workers get their next task before these are written down
                self._dispatch(pending, inflight, waiting)
            for outcome in outcomes:
                plan = outcome.task.payload
                released = [key for key in plan.keys.values() if key in inflight]
                inflight.difference_update(released)
                for key in released:
                    pending.extendleft(reversed(waiting.pop(key, [])))
                self._outcome(plan, outcome)

    def _dispatch(
        self, pending: deque[_Plan], inflight: set[str], waiting: dict[str, list[_Plan]]
    ) -> None:
        """Hand pending plans to idle workers; finish those the cache answers; park duplicates."""
        while pending:
            plan = pending[0]
            needed = self._needed(plan)
            if not needed:
                pending.popleft()
                self._finish(plan, cached=True)
                continue
            blocked = next((plan.keys[i] for i in needed if plan.keys[i] in inflight), None)
            if blocked is not None:  # an identical file is being graded: wait for its result
                pending.popleft()
                waiting.setdefault(blocked, []).append(plan)
                continue
            pool = self._pool()
            if not pool.idle():
                return
            pending.popleft()
            only = needed if not plan.entangled else [e.id for e in self.exercises]
            inflight.update(plan.keys[i] for i in needed)
            pool.submit(Task(next(self.numbers), plan.folder, tuple(only), plan))

    def _needed(self, plan: _Plan) -> list[str]:
        needed = []
        for exercise in self.exercises:
            if exercise.id in plan.results:
                continue
            key = (exercise.id, plan.keys[exercise.id])
            cached = self.renderer.cached(*key) if key in self.cache_keys else None
            if cached is None:
                needed.append(exercise.id)
            else:
                plan.results[exercise.id] = cached
        return needed

    def _pool(self) -> Pool:
        if self.pool is None:
            publish_course(self.work, self.course)  # validated here once, not per worker
            options = self.options
            self.pool = worker_pool(
                options.jobs, self.course.root, options.call_timeout, options.budget, self.work
            )
        return self.pool

    def _outcome(self, plan: _Plan, outcome: Outcome) -> None:
        if outcome.items is None:
            self._record(plan.entry.student, outcome.status, outcome.message, plan.fingerprint)
            return
        for data in outcome.items:  # item_data's form: cached as it came
            item, text = self.renderer.fresh(data)  # text: the cache's form
            plan.results[item.id] = item
            plan.fresh[item.id] = text
            if self._shareable(plan, outcome, item):
                plan.shared.append((item.id, plan.keys[item.id], text))
        missing = [e.id for e in self.exercises if e.id not in plan.results]
        if missing:
            why = f"the grader returned no result for {', '.join(missing)}"
            self._record(plan.entry.student, ERROR, why, plan.fingerprint, plan.shared)
            return
        self._finish(plan, cached=False)

    @staticmethod
    def _shareable(plan: _Plan, outcome: Outcome, item: ItemResult) -> bool:
        """Tell whether other students with the same file may reuse this result.

        Keyed by its own file's bytes, a result is reused for every student who hands in those
        bytes, so it must depend on them alone: it was graded with no other student file in its
        sandbox worker (the trusted side knows which it loaded), else another file could have
        changed it (a patched numpy.exp makes a wrong sigmoid pass) and with it their grades.
        A result keyed by every file of the submission is reused only for all the same files.
        """
        if any(test.message.startswith(_SANDBOX_FAILED) for test in item.tests):
            return False
        return item.id in plan.whole or item.id in outcome.alone

    def _finish(self, plan: _Plan, cached: bool) -> None:
        answers, quizzes, notes = self.answered.grade(plan.folder)
        items = [quizzes.get(i.id) or plan.results[i.id] for i in self.course.items]
        files = [GradedFile(name, *plan.digests[name]) for name in self.names]
        files.append(GradedFile(ANSWERS_FILE, *(answers.digest or (None, None))))
        report = Report(
            course_title=self.course.title,
            course_version=self.course.version,
            grader_version=__version__,
            workspace=plan.entry.student,
            items=tuple(items),
            files=tuple(files),
            notes=notes,
            sandbox=self._confinement,
        )
        text, detail, data = self.renderer.texts(report, plan.keys, plan.fresh, plan.forms)
        row = Row(
            student=plan.entry.student,
            status=GRADED,
            score=report.score,
            max_score=report.max_score,
            files_sha256=plan.fingerprint,
            course_sha256=self.course_hash,
            grader_version=__version__,
            report=text,
            detail=detail,
            graded_at=_now(),
        )
        scores = [(i.id, str(i.status), i.score, i.max_score) for i in report.items]
        self._put(row, scores, plan.shared)
        # After the commit: killed before this, a resumed run writes them from the row.
        write_reports(self.work.parent, row.student, report, text, self.options.gradescope)
        self.written[row.student] = data
        self.summary.graded += 1
        self.summary.cached += cached
        self._cleanup(plan)
        self._advance()

    def _put(self, row: Row, scores: list, shared: Sequence[tuple[str, str, str]]) -> None:
        """Commit the row, its item scores and the results it shares, in one transaction."""
        self.book.put(row, scores, shared)
        self.cache_keys.update((item, key) for item, key, _ in shared)

    def _record(
        self, student: str, status: str, message: str, fingerprint: str, shared: Sequence = ()
    ) -> None:
        row = Row(
            student=student,
            status=status,
            score=0,
            max_score=self.course.max_score,
            files_sha256=fingerprint,
            course_sha256=self.course_hash,
            grader_version=__version__,
            message=message,
            graded_at=_now(),
        )
        self._put(row, [], shared)
        shutil.rmtree(self.work / student, ignore_errors=True)
        self._advance()

    def _cleanup(self, plan: _Plan) -> None:
        if plan.folder.parent == self.work:
            shutil.rmtree(plan.folder, ignore_errors=True)

    def _advance(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total, self.summary)


def _code(read: Read, names: list[str]) -> dict[str, bytes]:
    """Return the exercise files read, for the class report's identical-code hints."""
    return {name: data for name, data in read.files.items() if name in names}


def _size(read: Read, name: str) -> int | None:
    data = read.files.get(name)
    return len(data) if data is not None else None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

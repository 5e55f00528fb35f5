"""Read a student's answers.yaml safely and grade the quizzes in it.

Nothing in the file can stop a run: a problem costs only the quizzes it touches. The file is
read as one YAML document first; when that fails, it is read again line by line (one top-level
`quiz_id: answer` entry at a time, with its indented continuation lines), so one bad line costs
only its own quiz, and a problem that belongs to no quiz is said once, as a report note.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import safe_yaml
from grader.course.digest import coarse_match, decimals_given, digest, parse_number
from grader.course.model import ChoiceQuiz, NumericQuiz, Quiz
from grader.course.problems import InputError, visible
from grader.grading.results import CheckResult, ItemResult, Status
from grader.sandbox.files import RefusedFile, line_of, read_regular_file

ANSWERS_FILE = "answers.yaml"
_NOTES_SHOWN = 5  # problems that belong to no quiz, shown before "and N more"
_LIMITS = safe_yaml.Limits(max_bytes=64 * 1024, max_depth=4, max_nodes=2_000)
# A top-level entry: an unindented line starting with a key (plain or quoted) and a colon.
_ENTRY = re.compile(r"""^(?P<key>"[^"\n]*"|'[^'\n]*'|[^\s#'"\-?:][^:#\n]*?)\s*:(?:[ \t]|$)""")

__all__ = [
    "ANSWERS_FILE",
    "AnswerMemo",
    "Answers",
    "answer_notes",
    "grade_quiz",
    "parse_answers",
    "parse_number",
    "read_answers",
]


@dataclass(frozen=True)
class Answers:
    """The answers found in answers.yaml, and what was wrong with the rest of it."""

    values: dict[str, object]
    positions: dict[str, int]  # key -> line
    problem: str = ""  # the whole file is unusable (not UTF-8, too large, a symlink ...)
    missing: bool = False
    digest: tuple[str, int] | None = None  # SHA-256 and size of the bytes read
    duplicated: dict[str, str] = field(default_factory=dict)  # key -> the problem
    errors: dict[str, str] = field(default_factory=dict)  # key -> why its line cannot be read
    problems: tuple[str, ...] = ()  # problems that belong to no key, each said once


def read_answers(folder: Path) -> Answers:
    """Load answers.yaml from `folder` with a bounded safe loader; never raise."""
    found = _answers_file(folder)
    return found if isinstance(found, Answers) else parse_answers(found)


def _answers_file(folder: Path) -> bytes | Answers:
    """Return answers.yaml's bytes, or the Answers that say why it cannot be read."""
    try:
        return read_regular_file(folder / ANSWERS_FILE, _LIMITS.max_bytes)
    except RefusedFile as refused:
        return Answers(
            {}, {}, problem="" if refused.missing else refused.reason, missing=refused.missing
        )


class AnswerMemo:
    """Read and grade answers.yaml files, each distinct content once (a class hands in few)."""

    def __init__(self, quizzes: tuple[Quiz, ...], kept: int = 4096) -> None:
        self.quizzes = quizzes
        self.kept = kept
        self.graded: dict[object, tuple[Answers, dict[str, ItemResult], tuple[str, ...]]] = {}

    def grade(self, folder: Path) -> tuple[Answers, dict[str, ItemResult], tuple[str, ...]]:
        """Return the folder's answers, its quiz results by id and its report notes."""
        found = _answers_file(folder)
        key = found if isinstance(found, bytes) else (found.problem, found.missing)
        graded = self.graded.get(key)
        if graded is None:
            if len(self.graded) >= self.kept:
                self.graded.clear()
            answers = found if isinstance(found, Answers) else parse_answers(found)
            results = {quiz.id: grade_quiz(quiz, answers) for quiz in self.quizzes}
            notes = tuple(answer_notes(answers, self.quizzes))
            graded = self.graded[key] = (answers, results, notes)
        return graded


def parse_answers(data: bytes) -> Answers:
    """Read the bytes of an answers.yaml (see read_answers); never raise."""
    digest_ = (hashlib.sha256(data).hexdigest(), len(data))
    try:
        text = data.decode("utf-8-sig")  # a byte order mark (Notepad's UTF-8) is fine
    except UnicodeDecodeError as error:
        return Answers(
            {},
            {},
            problem=f"{ANSWERS_FILE}:{line_of(data, error.start)}: byte"
            f" 0x{data[error.start]:02x} is not valid UTF-8; save the file as UTF-8",
            digest=digest_,
        )
    try:
        located = safe_yaml.load(text, ANSWERS_FILE, _LIMITS, tolerate_duplicates=True)
    except InputError:
        return _read_by_line(text, digest_)
    if located.data is None:
        return Answers({}, {}, digest=digest_)
    if not isinstance(located.data, dict):
        return _read_by_line(text, digest_)
    positions = {key: located.where(key)[0] or 1 for key in located.data}
    duplicated = {str(path[0]): str(problem) for path, problem in located.duplicates.items()}
    return Answers(dict(located.data), positions, digest=digest_, duplicated=duplicated)


def _read_by_line(text: str, digest_: tuple[str, int]) -> Answers:
    """Read each top-level entry on its own, so a problem costs only the entry it is in."""
    values: dict[str, object] = {}
    positions: dict[str, int] = {}
    duplicated: dict[str, str] = {}
    errors: dict[str, str] = {}
    problems: list[str] = []
    for first, lines in _entries(text.splitlines()):
        head = lines[0]
        match = _ENTRY.match(head.lstrip("\t"))
        tab = next(
            ((first + i, line.index("\t") + 1) for i, line in enumerate(lines) if "\t" in line),
            None,
        )
        try:
            located = safe_yaml.load("\n".join(lines), ANSWERS_FILE, _LIMITS)
        except InputError as error:
            last = first + max(i for i, line in enumerate(lines) if line.strip())
            problem = _shifted(error.problems[0], first - 1, last)
            if tab is not None:
                problem = (
                    f"{ANSWERS_FILE}:{tab[0]}:{tab[1]}: a tab character; YAML does not allow"
                    " tabs for indentation or around values: use spaces"
                )
            if match is None:
                problems.append(problem)
                continue
            key = _unquote(match.group("key"))
            if key in positions:  # a second, broken entry for a quiz: still a duplicate
                duplicated.setdefault(key, _duplicate(key, first, positions[key]))
                continue
            positions[key] = first
            errors[key] = problem
            continue
        if not isinstance(located.data, dict) or len(located.data) != 1:
            problems.append(
                f"{ANSWERS_FILE}:{first}: expected one 'quiz_id: answer' line per quiz; remove"
                " or fix this line"
            )
            continue
        ((key, value),) = located.data.items()
        if key in positions:
            duplicated.setdefault(key, _duplicate(key, first, positions[key]))
            continue
        values[key] = value
        positions[key] = first
    return Answers(
        values,
        positions,
        digest=digest_,
        duplicated=duplicated,
        errors=errors,
        problems=tuple(problems),
    )


def _duplicate(key: str, line: int, first: int) -> str:
    """Say that a quiz id is answered twice."""
    return (
        f"{ANSWERS_FILE}:{line}:1: duplicate key {visible(key)!r} (first at line {first});"
        " keep only one"
    )


def _entries(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Split lines into top-level entries (1-based first line, lines), dropping blank ones."""
    entries: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if entries:
                entries[-1][1].append("")  # keep line numbers of what follows
            continue
        starts_entry = line[0] not in " \t" or _ENTRY.match(line.lstrip("\t")) is not None
        if not starts_entry and entries:
            entries[-1][1].append(line)
        else:
            entries.append((number, [line]))
    return entries


def _shifted(problem, offset: int, last: int) -> str:
    line = min(problem.line + offset, last) if problem.line is not None else None
    where = f"{ANSWERS_FILE}:{line}" if line else ANSWERS_FILE
    if line and problem.column is not None:
        where += f":{problem.column}"
    return f"{where}: {problem.message}"


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
        return key[1:-1]
    return key.strip()


def answer_notes(answers: Answers, quizzes: tuple[Quiz, ...]) -> list[str]:
    """Return report notes: problems that belong to no quiz, and keys that are not quiz ids."""
    known = {quiz.id for quiz in quizzes}
    notes = list(answers.problems[:_NOTES_SHOWN])
    for key in answers.values.keys() | answers.errors.keys():
        if key in known:
            continue
        shown = visible(str(key))[:60]
        fix = "check the spelling (see `grade list`)"
        if shown != str(key)[:60]:
            fix = "it contains invisible or non-ASCII characters (shown escaped); retype it"
        line = answers.positions.get(key, "?")
        note = f"{ANSWERS_FILE}:{line}: '{shown}' is not a quiz id; {fix}"
        if key in answers.errors:
            note += f" ({answers.errors[key]})"
        notes.append(note)
    notes.sort(key=_line_of)
    if len(answers.problems) > _NOTES_SHOWN:
        more = len(answers.problems) - _NOTES_SHOWN
        notes.append(f"{ANSWERS_FILE}: {more} more line(s) like these; fix the ones above first")
    if answers.problem:
        notes.insert(
            0, f"{answers.problem}. No quiz could be graded; fix the file, then grade again."
        )
    return notes


def _line_of(note: str) -> int:
    match = re.match(rf"{re.escape(ANSWERS_FILE)}:(\d+)", note)
    return int(match.group(1)) if match else 0


def grade_quiz(quiz: Quiz, answers: Answers) -> ItemResult:
    """Compare one quiz answer with its salted digest."""
    where = f"{ANSWERS_FILE}:{answers.positions.get(quiz.id, '?')}"
    given = answers.values.get(quiz.id)
    status, message = Status.FAILED, ""
    answer = None
    if answers.problem:
        status = Status.ERROR
        message = (
            f"{ANSWERS_FILE} could not be read, so this quiz was not graded (see the note above)."
        )
    elif quiz.id in answers.errors:
        status, message = Status.ERROR, answers.errors[quiz.id]
    elif quiz.id in answers.duplicated:
        status, message = Status.ERROR, answers.duplicated[quiz.id]
    elif answers.missing:
        status = Status.NOT_STARTED
        message = (
            f"no {ANSWERS_FILE} in the workspace; restore it with: grade init . --keep-existing"
        )
    elif given is None or (isinstance(given, str) and not given.strip()):
        status = Status.NOT_STARTED
        message = f"no answer yet: write {quiz.answer_help} after '{quiz.id}:'"
    elif quiz.answer is None:
        status, message = Status.ERROR, "this quiz has no answer digest yet; tell your instructor"
    else:
        try:
            canonical = quiz.canonical(given)
        except ValueError as error:
            status, message = Status.ERROR, f"{where}: {error}"
        else:
            answer = _normalised(quiz, given, canonical)
            if _matches(quiz, canonical):
                status = Status.PASSED
            else:
                message = _wrong(quiz, given)
    score = quiz.points if status is Status.PASSED else 0
    test = CheckResult(
        test="answer",
        name=quiz.title,
        status=status,
        score=score,
        max_score=quiz.points,
        visibility="visible",
        message=message,
    )
    return ItemResult(
        id=quiz.id,
        title=quiz.title,
        kind=quiz.kind,
        lesson=quiz.lesson,
        status=status,
        score=score,
        max_score=quiz.points,
        tests=(test,),
        file=ANSWERS_FILE,
        hints=quiz.hints,
        answer=answer,
    )


def _normalised(quiz: Quiz, given: object, canonical: str) -> str:
    """Return a readable normal form of a valid answer: 'b', or 0.731 at the quiz's decimals."""
    if isinstance(quiz, NumericQuiz):
        value = round(parse_number(given), quiz.decimals)
        return f"{value + 0.0:.{quiz.decimals}f}"
    return canonical  # a choice's canonical form is its letter


def _matches(quiz: Quiz, canonical: str) -> bool:
    """Return whether `canonical` is the quiz's answer (a draft quiz has none to match)."""
    if quiz.answer is None:
        return False
    return digest(quiz.answer.salt, quiz.id, canonical) == quiz.answer.sha256


def _wrong(quiz: Quiz, given: object) -> str:
    hint = f" Hint: {quiz.hints[0]}" if quiz.hints else ""
    if isinstance(quiz, NumericQuiz):
        value = parse_number(given)
        written = decimals_given(given)
        if (
            written is not None
            and written < quiz.decimals
            and coarse_match(value, written, quiz.tolerance, lambda c: _matches(quiz, c))
        ):
            return (
                f"{value:g} is close, but too coarse: give at least {quiz.decimals} decimal"
                f" place{'s' if quiz.decimals != 1 else ''}."
            )
        return (
            f"{value:g} is not the answer (compared after rounding to {quiz.decimals}"
            f" decimal places).{hint}"
        )
    if isinstance(quiz, ChoiceQuiz):
        return f"'{quiz.canonical(given)}' is not the right choice.{hint}"
    return f"that is not the answer.{hint}"

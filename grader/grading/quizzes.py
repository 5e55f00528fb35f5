"""Read a student's answers.yaml safely and grade the quizzes in it."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import safe_yaml
from grader.course.digest import canonical_choice, canonical_number, digest
from grader.course.model import Quiz
from grader.course.problems import InputError
from grader.grading.messages import sanitize
from grader.grading.results import CheckResult, ItemResult, Status
from grader.sandbox.files import RefusedFile, read_regular_file

ANSWERS_FILE = "answers.yaml"
_LIMITS = safe_yaml.Limits(max_bytes=64 * 1024, max_depth=4, max_nodes=2_000)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Answers:
    """The answers found in answers.yaml, or why there are none."""

    values: dict[str, object]
    positions: dict[str, int]  # quiz id -> line
    problem: str = ""  # the whole file is unusable: every quiz reports this
    missing: bool = False
    digest: tuple[str, int] | None = None  # SHA-256 and size of the bytes read
    duplicated: dict[str, str] = field(default_factory=dict)  # quiz id -> the problem


def read_answers(folder: Path) -> Answers:
    """Load answers.yaml from `folder` with a bounded safe loader; never raise."""
    try:
        data = read_regular_file(folder / ANSWERS_FILE, _LIMITS.max_bytes)
    except RefusedFile as refused:
        return Answers(
            {}, {}, problem="" if refused.missing else refused.reason, missing=refused.missing
        )
    digest = (hashlib.sha256(data).hexdigest(), len(data))
    try:
        located = safe_yaml.load(data, ANSWERS_FILE, _LIMITS, tolerate_duplicates=True)
    except InputError as error:
        return Answers({}, {}, problem=str(error.problems[0]), digest=digest)
    if located.data is None:
        return Answers({}, {}, digest=digest)
    if not isinstance(located.data, dict):
        problem = f"{ANSWERS_FILE}:1:1: expected one 'quiz_id: answer' line per quiz"
        return Answers({}, {}, problem=problem, digest=digest)
    positions = {key: located.where(key)[0] or 1 for key in located.data}
    duplicated = {str(path[0]): str(problem) for path, problem in located.duplicates.items()}
    return Answers(dict(located.data), positions, digest=digest, duplicated=duplicated)


def unknown_ids(answers: Answers, quizzes: tuple[Quiz, ...]) -> list[str]:
    """Return notes for answer keys that are not quiz ids."""
    known = {quiz.id for quiz in quizzes}
    return [
        f"{ANSWERS_FILE}:{answers.positions[key]}: '{sanitize(str(key))[:40]}' is not a quiz id;"
        " check the spelling (see `grade list`)"
        for key in answers.values
        if key not in known
    ]


def parse_number(value: object) -> float:
    """Return `value` as a finite float, or raise ValueError with a student-facing fix."""
    if isinstance(value, bool):
        raise ValueError("write a number, not true/false")
    if isinstance(value, int):
        return float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("write a finite number, not NaN or infinity")
        return value
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text):
            number = float(text)
            if math.isfinite(number):
                return number
        raise ValueError(f"'{sanitize(text)[:40]}' is not a number; write it like 1.5 or 0.269")
    if isinstance(value, (list, dict)):
        raise ValueError("write one number, not a list or a mapping")
    raise ValueError("write a number")


def grade_quiz(quiz: Quiz, answers: Answers) -> ItemResult:
    """Compare one quiz answer with its salted digest."""
    where = f"{ANSWERS_FILE}:{answers.positions.get(quiz.id, '?')}"
    given = answers.values.get(quiz.id)
    status, message = Status.FAILED, ""
    answer = None
    if answers.problem:
        status, message = Status.ERROR, f"{answers.problem}. Fix the file, then grade again."
    elif quiz.id in answers.duplicated:
        status, message = Status.ERROR, answers.duplicated[quiz.id]
    elif answers.missing:
        status = Status.NOT_STARTED
        message = f"no {ANSWERS_FILE} in the workspace; run `grade init` to create one"
    elif given is None or (isinstance(given, str) and not given.strip()):
        status, message = Status.NOT_STARTED, f"no answer yet: write it after '{quiz.id}:'"
    else:
        try:
            canonical = _canonical(quiz, given)
        except ValueError as error:
            status, message = Status.ERROR, f"{where}: {error}"
        else:
            answer = _normalised(quiz, given)
            if digest(quiz.answer.salt, quiz.id, canonical) == quiz.answer.sha256:
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


def _normalised(quiz: Quiz, given: object) -> str:
    """Return a readable normal form of a valid answer: 'b', or 0.731 at the quiz's decimals."""
    if quiz.kind == "numeric":
        value = round(parse_number(given), quiz.decimals)
        return f"{value + 0.0:.{quiz.decimals}f}"
    return canonical_choice(str(given))


def _canonical(quiz: Quiz, given: object) -> str:
    if quiz.kind == "numeric":
        return canonical_number(parse_number(given), quiz.tolerance)
    keys = [choice.key for choice in quiz.choices]
    if isinstance(given, str) and canonical_choice(given) in keys:
        return canonical_choice(given)
    raise ValueError(f"write one of {', '.join(keys)} (the letter of your choice)")


def _wrong(quiz: Quiz, given: object) -> str:
    hint = f" Hint: {quiz.hints[0]}" if quiz.hints else ""
    if quiz.kind == "numeric":
        value = parse_number(given)
        return (
            f"{value:g} is not the answer (compared after rounding to {quiz.decimals}"
            f" decimal places).{hint}"
        )
    return f"'{canonical_choice(str(given))}' is not the right choice.{hint}"

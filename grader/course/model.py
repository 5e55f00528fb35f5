"""The validated course: frozen value objects built from the YAML under exercises/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Visibility = Literal["visible", "hidden"]
Kind = Literal["code", "numeric", "choice"]


@dataclass(frozen=True)
class Check:
    """One hidden test: the pytest function it runs and how it is shown and scored."""

    test: str  # pytest function name in the exercise's test file
    name: str  # student-facing name
    points: int
    visibility: Visibility
    hint: str


@dataclass(frozen=True)
class Misconception:
    """A known-wrong solution and the feedback it should trigger."""

    id: str
    title: str
    feedback: str
    file: Path  # a wrong implementation, inside the exercise folder
    fails: tuple[str, ...]  # test names it fails; a submission failing exactly these is diagnosed


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice quiz."""

    key: str
    text: str


@dataclass(frozen=True)
class AnswerDigest:
    """A salted SHA-256 of a quiz answer's canonical form (obfuscation, not secrecy)."""

    salt: str
    sha256: str


@dataclass(frozen=True)
class Item:
    """What every exercise and quiz has."""

    id: str
    title: str
    lesson: str
    order: int
    kind: Kind
    text: str  # Markdown with $...$ math
    hints: tuple[str, ...]
    folder: Path
    source: Path  # the exercise.yaml it came from

    @property
    def is_quiz(self) -> bool:
        return self.kind != "code"


@dataclass(frozen=True)
class CodeExercise(Item):
    """Students implement functions in `file`; hidden tests check them."""

    file: str  # the file name in the student's workspace, e.g. "sigmoid.py"
    stub: Path
    tests: tuple[Path, ...]
    checks: tuple[Check, ...]
    misconceptions: tuple[Misconception, ...]
    tolerance: float
    functions: tuple[str, ...]  # names the student file must define (for the report and stubs)

    @property
    def module(self) -> str:
        return Path(self.file).stem

    @property
    def max_score(self) -> int:
        return sum(check.points for check in self.checks)


@dataclass(frozen=True)
class Quiz(Item):
    """A numeric or multiple-choice question answered in answers.yaml."""

    points: int
    answer: AnswerDigest
    tolerance: float  # numeric only: a power of ten; answers agree after rounding to it
    choices: tuple[Choice, ...]  # multiple choice only
    unit: str = ""

    @property
    def max_score(self) -> int:
        return self.points

    @property
    def decimals(self) -> int:
        """Return how many decimal places the tolerance keeps."""
        from grader.course.digest import decimals_for

        return decimals_for(self.tolerance)


@dataclass(frozen=True)
class Lesson:
    """A lesson groups items; the course file gives lessons in order."""

    id: str
    title: str
    summary: str


@dataclass(frozen=True)
class Course:
    """The whole course, items in teaching order."""

    title: str
    version: str
    root: Path  # the exercises/ folder
    lessons: tuple[Lesson, ...]
    items: tuple[CodeExercise | Quiz, ...]

    def item(self, item_id: str) -> CodeExercise | Quiz:
        """Return the item with this id, or raise KeyError."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def exercises(self) -> tuple[CodeExercise, ...]:
        return tuple(item for item in self.items if isinstance(item, CodeExercise))

    @property
    def quizzes(self) -> tuple[Quiz, ...]:
        return tuple(item for item in self.items if isinstance(item, Quiz))

    @property
    def max_score(self) -> int:
        return sum(item.max_score for item in self.items)

"""The validated course: frozen value objects built from the YAML under exercises/."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
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
    advisory: bool = False  # attested only by the student's own process: shown, never scored


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

    @cached_property
    def module(self) -> str:
        """Return the module name of the student file ("sigmoid" for sigmoid.py)."""
        return os.path.splitext(os.path.basename(self.file))[0]  # asked for on every call

    @property
    def max_score(self) -> int:
        return sum(check.points for check in self.checks)


@dataclass(frozen=True)
class Quiz(Item):
    """A question answered in answers.yaml; NumericQuiz and ChoiceQuiz say how."""

    points: int
    answer: AnswerDigest | None  # None only while authoring, before `grade digest` made it

    @property
    def max_score(self) -> int:
        return self.points

    def canonical(self, given: object) -> str:
        """Return the canonical form of a student's answer, or raise ValueError with a fix."""
        raise NotImplementedError

    @property
    def answer_help(self) -> str:
        """Return one line telling the student how to write the answer."""
        raise NotImplementedError

    def site_payload(self) -> dict[str, object]:
        """Return what the site's in-browser check needs (never the answer)."""
        raise NotImplementedError


@dataclass(frozen=True)
class NumericQuiz(Quiz):
    """A quiz answered with a number, compared after rounding to `tolerance`."""

    tolerance: float = 1.0  # a power of ten; answers agree after rounding to it
    unit: str = ""

    @property
    def decimals(self) -> int:
        """Return how many decimal places the tolerance keeps."""
        from grader.course.digest import decimals_for

        return decimals_for(self.tolerance)

    @property
    def precision(self) -> str:
        """Say how precise the answer must be: 'Give at least 3 decimal places.'"""
        if self.decimals == 0:
            return "Give a whole number (decimals are rounded away)."
        places = "decimal place" if self.decimals == 1 else "decimal places"
        return f"Give at least {self.decimals} {places}."

    def canonical(self, given: object) -> str:
        from grader.course.digest import canonical_number, parse_number

        return canonical_number(parse_number(given), self.tolerance)

    @property
    def answer_help(self) -> str:
        unit = f" (in {self.unit}, without the unit)" if self.unit else ""
        return f"a number{unit}. {self.precision}"

    def site_payload(self) -> dict[str, object]:
        return {"decimals": self.decimals, "choices": []}


@dataclass(frozen=True)
class ChoiceQuiz(Quiz):
    """A multiple-choice quiz answered with the letter of one option."""

    choices: tuple[Choice, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(choice.key for choice in self.choices)

    def canonical(self, given: object) -> str:
        from grader.course.digest import canonical_choice

        if isinstance(given, str) and canonical_choice(given) in self.keys:
            return canonical_choice(given)
        raise ValueError(f"write one of {', '.join(self.keys)} (the letter of your choice)")

    @property
    def answer_help(self) -> str:
        return f"the letter of one option: {', '.join(self.keys)}."

    def site_payload(self) -> dict[str, object]:
        return {"decimals": None, "choices": list(self.keys)}


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

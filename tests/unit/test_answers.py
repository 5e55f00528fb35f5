"""Quiz answers: the value policy and digest comparison."""

import math
from pathlib import Path

import pytest

from grader.course.digest import canonical_number, digest
from grader.course.model import AnswerDigest, Choice, Quiz
from grader.grading.quizzes import grade_quiz, parse_number, read_answers
from grader.grading.results import Status


def _quiz(kind: str = "numeric", answer: str = "1.5", tolerance: float = 0.01) -> Quiz:
    canonical = canonical_number(float(answer), tolerance) if kind == "numeric" else answer
    return Quiz(
        id="q",
        title="Q",
        lesson="l",
        order=1,
        kind=kind,
        text="?",
        hints=("think",),
        folder=Path("."),
        source=Path("exercise.yaml"),
        points=2,
        answer=AnswerDigest("s", digest("s", "q", canonical)),
        tolerance=tolerance,
        choices=(Choice("a", "A"), Choice("b", "B")) if kind == "choice" else (),
    )


def _grade(tmp_path: Path, text: str, quiz: Quiz | None = None):
    (tmp_path / "answers.yaml").write_text(text)
    return grade_quiz(quiz or _quiz(), read_answers(tmp_path))


@pytest.mark.parametrize("given", ["1.5", "1.50", "'1.5'", "1.5e0", "15e-1", "1.504", "+1.5"])
def test_numeric_forms_that_mean_one_and_a_half_pass(tmp_path: Path, given: str) -> None:
    result = _grade(tmp_path, f"q: {given}\n")
    assert (result.status, result.score) == (Status.PASSED, 2)


@pytest.mark.parametrize(
    ("given", "status", "fragment"),
    [
        ("1.6", Status.FAILED, "not the answer"),
        (".nan", Status.ERROR, "not NaN"),
        (".inf", Status.ERROR, "not NaN or infinity"),
        ("true", Status.ERROR, "not true/false"),
        ("[1.5]", Status.ERROR, "not a list"),
        ("one point five", Status.ERROR, "is not a number"),
        ("", Status.NOT_STARTED, "no answer yet"),
        ("null", Status.NOT_STARTED, "no answer yet"),
    ],
)
def test_bad_and_missing_answers(tmp_path: Path, given: str, status: Status, fragment: str) -> None:
    result = _grade(tmp_path, f"q: {given}\n")
    assert result.status is status and result.score == 0
    assert fragment in result.tests[0].message


def test_hostile_files_give_a_clear_error_for_every_quiz(tmp_path: Path) -> None:
    for text, fragment in [
        ("q: !!python/object/apply:os.system [x]\n", "not allowed"),
        ("q: 1.5\nq: 1.5\n", "duplicate key 'q'"),
        ("a: &a [1,1]\nb: [*a,*a]\n", "anchors and aliases"),
        ("- 1.5\n", "one 'quiz_id: answer' line"),
    ]:
        result = _grade(tmp_path, text)
        assert result.status is Status.ERROR, text
        assert fragment in result.tests[0].message


def test_choice_is_case_insensitive_and_validated(tmp_path: Path) -> None:
    quiz = _quiz("choice", "b")
    assert _grade(tmp_path, "q: B\n", quiz).status is Status.PASSED
    assert _grade(tmp_path, "q: a\n", quiz).status is Status.FAILED
    assert "write one of a, b" in _grade(tmp_path, "q: e\n", quiz).tests[0].message


def test_missing_file_means_not_started(tmp_path: Path) -> None:
    result = grade_quiz(_quiz(), read_answers(tmp_path))
    assert result.status is Status.NOT_STARTED and "grade init" in result.tests[0].message


def test_symlinked_answers_are_refused(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("q: 1.5\n")
    (tmp_path / "answers.yaml").symlink_to(tmp_path / "real.yaml")
    result = grade_quiz(_quiz(), read_answers(tmp_path))
    assert result.status is Status.ERROR and "symbolic link" in result.tests[0].message


def test_parse_number_rejects_everything_but_finite_numbers() -> None:
    assert parse_number(" 2.5e-1 ") == 0.25
    for bad in [math.nan, "nan", "inf", "0x10", "1_000", None, {}, False]:
        with pytest.raises(ValueError):
            parse_number(bad)


def test_a_duplicate_costs_only_its_own_quiz(tmp_path: Path) -> None:
    (tmp_path / "answers.yaml").write_text("q: 1.5\nother: 3\nq: 2\n")
    answers = read_answers(tmp_path)
    assert answers.problem == "" and answers.values == {"q": 1.5, "other": 3}
    result = grade_quiz(_quiz(), answers)
    assert result.status is Status.ERROR
    assert result.tests[0].message == (
        "answers.yaml:3:1: duplicate key 'q' (first at line 1); keep only one"
    )


@pytest.mark.parametrize(
    ("text", "kind", "answer"),
    [
        ("q: 1.6\n", "numeric", "1.60"),
        ("q: 1.604\n", "numeric", "1.60"),
        ("q: -0.001\n", "numeric", "0.00"),
        ("q: 1.5\n", "numeric", "1.50"),
        ("q: ' A '\n", "choice", "a"),
        ("q: b\n", "choice", "b"),
        ("q: one\n", "numeric", None),
        ("q: e\n", "choice", None),
        ("q:\n", "numeric", None),
    ],
)
def test_the_given_answer_is_kept_in_a_normal_form(
    tmp_path: Path, text: str, kind: str, answer: str | None
) -> None:
    quiz = _quiz(kind, "b" if kind == "choice" else "1.5")
    assert _grade(tmp_path, text, quiz).answer == answer

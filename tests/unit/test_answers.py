"""Quiz answers: the value policy and digest comparison."""

import math
from pathlib import Path

import pytest

from grader.course.digest import canonical_number, digest
from grader.course.model import AnswerDigest, Choice, ChoiceQuiz, NumericQuiz, Quiz
from grader.grading.quizzes import answer_notes, grade_quiz, parse_number, read_answers
from grader.grading.results import Status


def _quiz(kind: str = "numeric", answer: str = "1.5", tolerance: float = 0.01) -> Quiz:
    canonical = canonical_number(float(answer), tolerance) if kind == "numeric" else answer
    common = dict(
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
    )
    if kind == "numeric":
        return NumericQuiz(**common, tolerance=tolerance)
    return ChoiceQuiz(**common, choices=(Choice("a", "A"), Choice("b", "B")))


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
        ("1.0e+308", Status.ERROR, "far too large"),
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


def test_hostile_lines_cost_only_the_quiz_they_are_on(tmp_path: Path) -> None:
    for text, fragment in [
        ("q: !!python/object/apply:os.system [x]\n", "not allowed"),
        ("q: 1.5\nq: 1.5\n", "duplicate key 'q'"),
        ("q: &a [1,1]\nb: [*a,*a]\n", "anchors and aliases"),
        ("q: !!bool maybe\n", "cannot read 'maybe' as true/false"),
        ("q: !!int one\n", "cannot read 'one' as an integer"),
        ("q: 1.0e+308\n", "far too large"),
        ("q: " + "9" * 400 + "\n", "400 digits is far too large"),
        ("q: 010\n", "leading zero"),
    ]:
        result = _grade(tmp_path, text)
        assert result.status is Status.ERROR, text
        assert fragment in result.tests[0].message, (text, result.tests[0].message)


@pytest.mark.parametrize(
    "bad",
    [
        "<<: {q: 1.5}",
        "=: 1",
        "!!int one: 1",
        "other: !!bool maybe",
        "other: [unclosed",
        "- 1.5",
        "'broken: 1",
        "\tother: 1",
        "other: 1.0e+308",
        "other: " + "9" * 400,
    ],
)
def test_a_bad_line_elsewhere_costs_nothing_and_is_said_once(tmp_path: Path, bad: str) -> None:
    (tmp_path / "answers.yaml").write_text(f"q: 1.5\n{bad}\n# the end\n")
    answers = read_answers(tmp_path)
    assert grade_quiz(_quiz(), answers).status is Status.PASSED, bad
    notes = answer_notes(answers, (_quiz(),))
    assert len(notes) == 1 and notes[0].startswith("answers.yaml:2"), notes


def test_a_tab_is_named_as_the_problem(tmp_path: Path) -> None:
    (tmp_path / "answers.yaml").write_text("other: 1\nq:\n\t1.5\n")
    result = grade_quiz(_quiz(), read_answers(tmp_path))
    assert result.status is Status.ERROR
    assert "answers.yaml:3:1: a tab character" in result.tests[0].message


def test_an_unreadable_file_is_said_once_not_per_quiz(tmp_path: Path) -> None:
    (tmp_path / "answers.yaml").write_bytes(b"q: 1.5\xff\n")
    answers = read_answers(tmp_path)
    result = grade_quiz(_quiz(), answers)
    assert result.status is Status.ERROR and "see the note above" in result.tests[0].message
    notes = answer_notes(answers, (_quiz(),))
    assert len(notes) == 1 and "not valid UTF-8" in notes[0]


def test_look_alike_keys_are_shown_escaped(tmp_path: Path) -> None:
    (tmp_path / "answers.yaml").write_text("q\u200b: 1.5\n\u0071\u0301: 2\n", encoding="utf-8")
    notes = answer_notes(read_answers(tmp_path), (_quiz(),))
    assert any("'q\\u200b' is not a quiz id" in note and "invisible" in note for note in notes)
    assert any("q\\u0301" in note for note in notes)


def test_a_right_but_coarse_answer_is_told_how_many_decimals(tmp_path: Path) -> None:
    quiz = _quiz(answer="0.269", tolerance=0.001)
    coarse = _grade(tmp_path, "q: 0.27\n", quiz)
    assert coarse.status is Status.FAILED
    assert "close, but too coarse: give at least 3 decimal places" in coarse.tests[0].message
    assert "Hint" not in coarse.tests[0].message
    wrong = _grade(tmp_path, "q: 0.73\n", quiz)
    assert "is not the answer" in wrong.tests[0].message
    assert _grade(tmp_path, "q: 0.2689\n", quiz).status is Status.PASSED


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
    answers = read_answers(tmp_path)
    assert grade_quiz(_quiz(), answers).status is Status.ERROR
    assert "symbolic link" in answer_notes(answers, (_quiz(),))[0]


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


def test_a_broken_second_entry_for_a_quiz_is_still_a_duplicate(tmp_path: Path) -> None:
    (tmp_path / "answers.yaml").write_text("q:\nother: 3\nq: [a\n")
    result = grade_quiz(_quiz(), read_answers(tmp_path))
    assert result.status is Status.ERROR
    assert result.tests[0].message == (
        "answers.yaml:3:1: duplicate key 'q' (first at line 1); keep only one"
    )


def test_the_answer_memo_grades_each_distinct_file_once_and_as_read_answers_does(
    tmp_path: Path,
) -> None:
    from grader.grading.quizzes import AnswerMemo

    quiz = _quiz()
    memo = AnswerMemo((quiz,))
    folders = {}
    for name, text in [
        ("ada", "q: 1.5\nstray: 1\n"),
        ("bob", "q: 1.5\nstray: 1\n"),
        ("cy", "q: 2\n"),
    ]:
        folders[name] = tmp_path / name
        folders[name].mkdir()
        (folders[name] / "answers.yaml").write_text(text)
    (tmp_path / "dee").mkdir()  # no answers.yaml at all
    for name in ["ada", "bob", "cy", "dee"]:
        folder = tmp_path / name
        answers, results, notes = memo.grade(folder)
        expected = read_answers(folder)
        assert answers == expected
        assert results == {"q": grade_quiz(quiz, expected)}
        assert notes == tuple(answer_notes(expected, (quiz,)))
    assert memo.grade(folders["ada"])[1]["q"].status == Status.PASSED
    assert memo.grade(folders["cy"])[1]["q"].status == Status.FAILED
    assert memo.grade(folders["ada"]) is memo.grade(folders["bob"])  # same bytes: graded once
    assert len(memo.graded) == 3  # ada and bob's file, cy's, the missing one

"""Loading the course: strict, every problem at once, each as path:line:col: what; fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.course.load import load_course
from grader.course.problems import InputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", folder)
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_course(folder)
    return [str(problem) for problem in caught.value.problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_the_real_course_loads() -> None:
    course = load_course(ROOT / "exercises")
    assert {"weighted_sum", "sigmoid", "relu", "perceptron", "relu_output"} <= {
        item.id for item in course.items
    }
    lessons = [lesson.id for lesson in course.lessons]
    ranks = [lessons.index(item.lesson) for item in course.items]
    assert ranks == sorted(ranks), "items come in lesson order"


def test_every_problem_is_reported_at_once_with_a_position(course_copy: Path) -> None:
    sigmoid = course_copy / "sigmoid" / "exercise.yaml"
    _edit(sigmoid, "tolerance:", "tolerence:")
    _edit(sigmoid, "points: 1", "points: two")
    _edit(course_copy / "relu" / "exercise.yaml", "stub: stub.py", "stub: missing.py")
    problems = _problems(course_copy)
    assert any(
        p.endswith("unknown key 'tolerence'; did you mean 'tolerance'?") and "sigmoid" in p
        for p in problems
    )
    assert any("'points' must be a positive integer; write points: 1" in p for p in problems)
    assert any("file 'missing.py' does not exist in relu/; create it" in p for p in problems)
    for problem in problems:
        path, line, column, _ = problem.split(":", 3)
        assert path.endswith("exercise.yaml") and line.isdigit() and column.isdigit(), problem


def test_duplicate_keys_and_ids_are_errors(course_copy: Path) -> None:
    relu = course_copy / "relu" / "exercise.yaml"
    relu.write_text(relu.read_text() + "title: again\n")
    shutil.copytree(course_copy / "step", course_copy / "step_copy")
    problems = _problems(course_copy)
    assert any("duplicate key 'title'" in p for p in problems)
    assert any("id 'step' must match the folder name 'step_copy'" in p for p in problems)


def test_checks_and_test_functions_must_match(course_copy: Path) -> None:
    tests = course_copy / "sigmoid" / "test_sigmoid.py"
    tests.write_text(tests.read_text() + "\n\ndef test_unlisted(student):\n    pass\n")
    _edit(course_copy / "sigmoid" / "exercise.yaml", "test: test_lesson_value", "test: test_nope")
    problems = _problems(course_copy)
    assert any("test 'test_unlisted' has no entry" in p for p in problems)
    assert any("no function 'test_nope' in test_sigmoid.py" in p for p in problems)


def test_misconceptions_must_name_real_checks(course_copy: Path) -> None:
    _edit(
        course_copy / "sigmoid" / "exercise.yaml",
        "fails: [test_no_overflow_warning]",
        "fails: [test_imaginary]",
    )
    problems = _problems(course_copy)
    assert any("'test_imaginary' is not one of this exercise's checks" in p for p in problems)


def test_quiz_tolerance_must_be_a_power_of_ten(course_copy: Path) -> None:
    _edit(course_copy / "relu_output" / "exercise.yaml", "tolerance: 0.01", "tolerance: 0.02")
    assert any("power of ten" in p for p in _problems(course_copy))


def test_student_file_must_not_shadow_a_library(course_copy: Path) -> None:
    _edit(course_copy / "relu" / "exercise.yaml", "file: relu.py", "file: numpy.py")
    assert any("'numpy.py' must be a new module name" in p for p in _problems(course_copy))


def test_python_tags_in_course_yaml_are_refused(course_copy: Path) -> None:
    path = course_copy / "relu" / "exercise.yaml"
    path.write_text(
        path.read_text().replace("title:", "title: !!python/object/apply:os.getcwd []\nx:", 1)
    )
    assert any("is not allowed; remove it" in p for p in _problems(course_copy))


def test_a_numeric_version_is_refused_with_the_quoted_fix(course_copy: Path) -> None:
    course_file = course_copy / "course.yaml"
    text = course_file.read_text()
    import re

    course_file.write_text(re.sub(r"(?m)^version: .*$", "version: 1.10", text))
    problems = _problems(course_copy)
    assert len(problems) == 1
    assert problems[0].endswith("""quote it: version: "1.10\"""")


def test_a_quiz_without_answer_is_a_missing_key_but_loads_as_a_draft(course_copy: Path) -> None:
    quiz = course_copy / "relu_output" / "exercise.yaml"
    text = quiz.read_text()
    quiz.write_text(text[: text.index("answer:")] + text[text.index("answer:") :].split("\n", 3)[3])
    problems = _problems(course_copy)
    assert len(problems) == 1 and "missing required key 'answer'" in problems[0]
    draft = load_course(course_copy, drafts=True).item("relu_output")
    assert draft.answer is None and draft.canonical("1.5") == "150e-2"


def test_tests_written_as_text_is_one_error(course_copy: Path) -> None:
    _edit(course_copy / "relu" / "exercise.yaml", "tests: [test_relu.py]", "tests: test_relu.py")
    problems = _problems(course_copy)
    assert len(problems) == 1 and "'tests' must be a list" in problems[0]


def test_duplicate_ids_name_relative_paths(course_copy: Path, monkeypatch) -> None:
    monkeypatch.chdir(course_copy.parent)
    shutil.copytree(course_copy / "relu", course_copy / "relu2")
    problems = _problems(course_copy)
    duplicate = next(problem for problem in problems if "duplicate id" in problem)
    assert "also in exercises/relu/exercise.yaml" in duplicate
    assert str(course_copy.parent) not in duplicate


def test_points_zero_needs_advisory_and_advisory_needs_zero(course_copy: Path) -> None:
    sigmoid = course_copy / "sigmoid" / "exercise.yaml"
    _edit(sigmoid, "    points: 0\n    advisory: true\n", "    points: 1\n    advisory: true\n")
    _edit(sigmoid, "  - test: test_lesson_value\n", "  - test: test_lesson_value\n    points: 0\n")
    text = sigmoid.read_text()
    start = text.index("    points: 0\n")
    text = text[:start] + text[start:].replace("    points: 1\n", "", 1)
    sigmoid.write_text(text)
    problems = _problems(course_copy)
    assert any(
        "only an advisory check may be worth 0 points: add advisory: true" in p for p in problems
    )
    assert any("an advisory check is shown but never scored" in p for p in problems)


def test_quizzes_are_typed(course_copy: Path) -> None:
    from grader.course.model import ChoiceQuiz, NumericQuiz

    course = load_course(course_copy)
    numeric = course.item("sigmoid_minus_one")
    choice = course.item("sigmoid_range")
    assert isinstance(numeric, NumericQuiz) and isinstance(choice, ChoiceQuiz)
    assert numeric.precision == "Give at least 3 decimal places."
    assert "3 decimal places" in numeric.answer_help
    assert choice.site_payload()["decimals"] is None and choice.canonical(" A ") == "a"
    with pytest.raises(ValueError, match="write one of"):
        choice.canonical("z")


def test_the_right_option_is_not_given_away_by_its_length() -> None:
    from grader.course.model import ChoiceQuiz
    from grader.grading.quizzes import read_answers

    answers = read_answers(ROOT / "solutions").values
    quizzes = [item for item in load_course(ROOT / "exercises").quizzes]
    choice = [quiz for quiz in quizzes if isinstance(quiz, ChoiceQuiz)]
    longest = [
        quiz.id
        for quiz in choice
        if max(quiz.choices, key=lambda c: len(c.text)).key == answers[quiz.id]
    ]
    assert len(longest) <= len(choice) // 3, longest


def test_grade_digest_works_before_the_answer_block_exists(course_copy: Path) -> None:
    from click.testing import CliRunner

    from grader.cli import cli

    quiz = course_copy / "sigmoid_minus_one" / "exercise.yaml"
    text = quiz.read_text()
    quiz.write_text(text[: text.index("answer:")] + text[text.index("answer:") :].split("\n", 3)[3])
    done = CliRunner().invoke(
        cli, ["digest", "sigmoid_minus_one", "0.269", "--course", str(course_copy)]
    )
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("answer:\n  salt: ")

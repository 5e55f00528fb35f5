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

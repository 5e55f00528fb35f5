"""Plain hidden checks run without pytest; anything pytest-specific still runs under pytest.

Both ways must give the same reports: the same scores, statuses, messages and order.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course.load import load_course
from grader.grading.direct import collect_directly
from grader.grading.engine import Grader, GradingError, Submission
from grader.grading.results import Report

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixture_course"
SOLUTIONS = ROOT / "tests" / "fixture_solutions"
_WRONG_RELU = "import numpy as np\n\ndef relu(x):\n    return np.abs(x)\n"


def _course_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "course"))


def _submissions(tmp_path: Path) -> list[Submission]:
    wrong = Path(shutil.copytree(SOLUTIONS, tmp_path / "wrong"))
    (wrong / "relu.py").write_text(_WRONG_RELU)
    (wrong / "sigmoid.py").write_text("def sigmoid(x):\n    return 0.5\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "answers.yaml").write_text("{}\n")
    return [Submission(SOLUTIONS, "complete"), Submission(wrong, "wrong"), Submission(empty, "e")]


def _shape(report: Report) -> list:
    """Return what a student sees of a report, without durations (never equal twice)."""
    return [
        (
            item.id,
            item.score,
            item.status,
            item.diagnosis.id if item.diagnosis else None,
            [
                (test.test, test.status, test.score, test.message, test.output)
                for test in item.tests
            ],
        )
        for item in report.items
    ]


def _grade_all(course_root: Path, submissions: list[Submission]) -> list[list]:
    reports: list[Report] = []
    with Grader(load_course(course_root)) as grader:
        grader.grade_many(submissions, lambda _, report: reports.append(report))
    return [_shape(report) for report in reports]


def test_direct_and_pytest_runs_give_the_same_reports(tmp_path: Path) -> None:
    course = _course_copy(tmp_path)
    submissions = _submissions(tmp_path)
    direct = _grade_all(course, submissions)
    (course / "conftest.py").write_text("# any conftest.py hands the suite to pytest\n")
    under_pytest = _grade_all(course, submissions)
    assert direct == under_pytest
    scores = [sum(item[1] for item in report) for report in direct]
    assert scores[0] > scores[1] > scores[2] == 0  # the runs are not trivially equal


def test_plain_checks_are_collected_without_pytest_in_course_order() -> None:
    course = load_course(FIXTURE)
    relu = course.item("relu")
    names = {check.test for check in relu.checks}
    found = collect_directly(relu.tests, course.root, names)
    assert found is not None
    source = relu.tests[0].read_text()
    in_file = sorted(names, key=lambda name: source.index(f"def {name}("))
    assert [check.name for check in found] == in_file


@pytest.mark.parametrize(
    "change",
    [
        "import pytest\n",
        "pytestmark = []\n",
        "def setup_module():\n    pass\n",
    ],
)
def test_a_file_that_needs_pytest_is_left_to_pytest(tmp_path: Path, change: str) -> None:
    course = load_course(_course_copy(tmp_path))
    relu = course.item("relu")
    test_file = relu.tests[0]
    test_file.write_text(change + test_file.read_text())
    assert collect_directly(relu.tests, course.root, {c.test for c in relu.checks}) is None


def test_a_check_with_another_fixture_runs_under_pytest(tmp_path: Path) -> None:
    course = _course_copy(tmp_path)
    (course / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef ten():\n    return 10\n"
    )
    test_file = course / "relu" / "test_relu.py"
    text = test_file.read_text().replace(
        "def test_lesson_values(student: Student) -> None:\n"
        '    student.expect_close("relu", -5, expected=0.0)\n'
        '    student.expect_close("relu", 10, expected=10.0)\n',
        "def test_lesson_values(student: Student, ten: int) -> None:\n"
        '    student.expect_close("relu", -5, expected=0.0)\n'
        '    student.expect_close("relu", ten, expected=10.0)\n',
    )
    assert "ten: int" in text
    test_file.write_text(text)
    reports = _grade_all(course, _submissions(tmp_path)[:2])
    lesson = {name: (status, score) for name, status, score, *_ in reports[0][1][4]}
    assert lesson["test_lesson_values"][1] > 0  # the fixture reached the check: it passed
    wrong = {name: status for name, status, *_ in reports[1][1][4]}
    assert wrong["test_lesson_values"] == "failed"


def test_a_test_file_that_does_not_import_is_a_grading_error(tmp_path: Path) -> None:
    course = _course_copy(tmp_path)
    test_file = course / "relu" / "test_relu.py"
    test_file.write_text("import no_such_module_for_grading\n" + test_file.read_text())
    loaded = "the hidden tests could not be loaded"
    with Grader(load_course(course)) as grader, pytest.raises(GradingError, match=loaded):
        grader.grade(SOLUTIONS, ["relu"])


def _graded_in_child(course: Path) -> dict:
    """Grade the fixture solutions in a fresh interpreter; say whether pytest was imported."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from grader.course.load import load_course\n"
        "from grader.grading.engine import Grader\n"
        f"with Grader(load_course(Path({str(course)!r}))) as grader:\n"
        f"    report = grader.grade(Path({str(SOLUTIONS)!r}))\n"
        "print(json.dumps({'score': report.score, 'max': report.max_score,"
        " 'pytest': 'pytest' in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout)


def test_grading_a_plain_course_never_imports_pytest(tmp_path: Path) -> None:
    course = _course_copy(tmp_path)
    plain = _graded_in_child(course)
    assert plain["pytest"] is False and plain["score"] == plain["max"] > 0
    (course / "conftest.py").write_text("")
    with_conftest = _graded_in_child(course)
    assert with_conftest == plain | {"pytest": True}


def test_a_warm_grader_reuses_its_checks_and_sees_a_new_submission(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(SOLUTIONS, tmp_path / "ws"))
    with Grader(load_course(FIXTURE)) as grader:
        first = grader.grade(folder, ["relu"]).items[0]
        shutil.copyfile(FIXTURE / "relu" / "wrong" / "python_max.py", folder / "relu.py")
        second = grader.grade(folder, ["relu"]).items[0]
    assert first.score == first.max_score and second.score < second.max_score
    assert second.diagnosis is not None and second.diagnosis.id == "python_max"


def test_a_missing_file_earns_nothing_even_from_a_check_that_never_calls_it(
    tmp_path: Path,
) -> None:
    course = _course_copy(tmp_path)
    tests = course / "relu" / "test_relu.py"
    tests.write_text(tests.read_text() + "\n\ndef test_lesson_values(student):\n    pass\n")
    present = tmp_path / "present"
    present.mkdir()
    (present / "relu.py").write_text(_WRONG_RELU)
    missing = tmp_path / "missing"
    missing.mkdir()
    with Grader(load_course(course)) as grader:
        relu_with_file = grader.grade(present, ["relu"]).items[0]
        relu_missing = grader.grade(missing, ["relu"]).items[0]
    assert relu_with_file.tests[0].score == 1  # the check that calls nothing passes with a file
    assert relu_missing.score == 0
    for test in relu_missing.tests:
        assert test.status.value == "not started"
        assert test.message == (
            "relu.py is missing; restore the starter file with: grade init . --keep-existing"
        )

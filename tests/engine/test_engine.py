"""The engine: one warm grader, many submissions, selections, diagnoses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.course.load import load_course
from grader.grading.engine import Grader, GradingError, Submission
from grader.grading.results import Report, Status
from grader.init import init_workspace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def grader():
    with Grader(load_course(ROOT / "exercises")) as warm:
        yield warm


def test_many_submissions_in_turn_do_not_leak_into_each_other(
    grader: Grader, tmp_path: Path
) -> None:
    stubs = tmp_path / "stubs"
    init_workspace(grader.course, stubs)
    complete = tmp_path / "complete"
    shutil.copytree(ROOT / "solutions", complete)
    order = [complete, stubs, complete, stubs]
    reports: list[tuple[str, Report]] = []
    grader.grade_many(
        [Submission(folder, f"{i}") for i, folder in enumerate(order)],
        lambda submission, report: reports.append((submission.label, report)),
    )
    assert [label for label, _ in reports] == ["0", "1", "2", "3"]
    scores = [report.score for _, report in reports]
    full = grader.course.max_score
    assert scores == [full, 0, full, 0]
    assert {item.status for item in reports[1][1].items} == {Status.NOT_STARTED}


def test_selection_grades_only_those_items(grader: Grader, tmp_path: Path) -> None:
    complete = tmp_path / "complete"
    shutil.copytree(ROOT / "solutions", complete)
    report = grader.grade(complete, ["relu", "relu_output"])
    assert [item.id for item in report.items] == ["relu", "relu_output"]
    assert report.notes == ()  # answers to other quizzes are not "unknown ids"
    reports: list[Report] = []
    grader.grade_many(
        [Submission(complete, "a", only=("relu",)), Submission(complete, "b")],
        lambda _, report: reports.append(report),
    )
    assert [item.id for item in reports[0].items] == ["relu"]
    assert len(reports[1].items) == len(grader.course.items)
    with pytest.raises(GradingError, match="no exercise or quiz called 'nope'"):
        grader.grade(complete, ["nope"])


def test_known_wrong_solution_is_diagnosed(grader: Grader, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(ROOT / "solutions", workspace)
    shutil.copyfile(
        ROOT / "exercises" / "sigmoid" / "wrong" / "exp_sign.py", workspace / "sigmoid.py"
    )
    item = next(item for item in grader.grade(workspace, ["sigmoid"]).items)
    assert item.status is Status.FAILED
    assert item.diagnosis is not None and item.diagnosis.id == "exp_sign"


def test_report_records_what_was_graded(grader: Grader, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(ROOT / "solutions", workspace)
    (workspace / "relu.py").unlink()
    report = grader.grade(workspace)
    files = {graded.name: graded for graded in report.files}
    assert files["relu.py"].sha256 is None
    assert files["sigmoid.py"].sha256 and len(files["sigmoid.py"].sha256) == 64
    assert "answers.yaml" in files
    relu = next(item for item in report.items if item.id == "relu")
    assert relu.status is Status.NOT_STARTED and relu.score == 0


def test_a_broken_sandbox_is_a_grading_error_not_a_traceback(tmp_path: Path, monkeypatch) -> None:
    from grader.sandbox import Sandbox, SandboxError

    def refuse(*_args, **_kwargs):
        raise SandboxError("no zygote")

    monkeypatch.setattr(Sandbox, "open", refuse)
    with Grader(load_course(ROOT / "exercises")) as broken:
        with pytest.raises(GradingError, match="the sandbox could not run student code: no zygote"):
            broken.grade(tmp_path, ["relu"])


def _file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder


_RELU_BUGS = {
    "abs_value": "import numpy as np\n\ndef relu(x):\n    return np.abs(x)\n",
    "returns_input": "def relu(x):\n    return x\n",
    "adds_one": "import numpy as np\n\ndef relu(x):\n    return np.maximum(0, x) + 1\n",
    "returns_list": (
        "def relu(x):\n    if hasattr(x, 'tolist'):\n        x = x.tolist()\n"
        "    if isinstance(x, list):\n        return [relu(v) for v in x]\n    return max(0, x)\n"
    ),
    # bugs no known-wrong file makes: failing the same checks must not name a mistake
    None: "import numpy as np\n\ndef relu(x):\n    return np.maximum(0, x) * 2 - 1\n",
}
_WEIGHTED_SUM_BUGS = {
    "subtracts_bias": (
        "import numpy as np\n\ndef weighted_sum(i, w, b):\n    return np.dot(i, w) - b\n"
    ),
    "sums_before_multiplying": "def weighted_sum(i, w, b):\n    return sum(i) * sum(w) + b\n",
    None: "import numpy as np\n\ndef weighted_sum(i, w, b):\n    return np.dot(i, w) + 2 * b\n",
}


def test_a_mistake_is_named_only_when_the_returned_values_match_it(
    grader: Grader, tmp_path: Path
) -> None:
    submissions, expected = [], {}
    for exercise, file, bugs in [
        ("relu", "relu.py", _RELU_BUGS),
        ("weighted_sum", "weighted_sum.py", _WEIGHTED_SUM_BUGS),
    ]:
        for name, text in bugs.items():
            label = f"{exercise}:{name}"
            submissions.append(
                Submission(_file(tmp_path / label, file, text), label, only=(exercise,))
            )
            expected[label] = name
    told: dict[str, str | None] = {}

    def record(submission: Submission, report: Report) -> None:
        item = report.items[0]
        assert item.score < item.max_score, submission.label
        told[submission.label] = item.diagnosis.id if item.diagnosis else None

    grader.grade_many(submissions, record)
    assert told == expected


def test_known_wrong_files_are_graded_once_per_exercise_content(
    grader: Grader, tmp_path: Path, monkeypatch
) -> None:
    folder = _file(tmp_path / "ws", "relu.py", _RELU_BUGS["abs_value"])
    grader.grade(folder, ["relu"])  # fingerprints are ready after the first diagnosis
    opened: list[Path] = []
    real_open = grader.sandbox.open
    monkeypatch.setattr(
        grader.sandbox, "open", lambda f, files: opened.append(f) or real_open(f, files)
    )
    again = grader.grade(folder, ["relu"]).items[0]
    assert again.diagnosis is not None and again.diagnosis.id == "abs_value"
    assert opened == [folder]  # only the student's folder: no known-wrong file graded again


def test_advisory_checks_are_shown_but_never_scored(grader: Grader, tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    shutil.copyfile(ROOT / "exercises/sigmoid/wrong/textbook_formula.py", folder / "sigmoid.py")
    item = grader.grade(folder, ["sigmoid"]).items[0]
    advisory = next(test for test in item.tests if test.advisory)
    assert advisory.status is Status.FAILED and "warning" in advisory.message
    assert (advisory.score, advisory.max_score) == (0, 0)
    assert item.score == item.max_score and item.status is Status.PASSED
    assert item.diagnosis is not None and item.diagnosis.id == "textbook_formula"
    assert item.passed_count == len(item.scored) == len(item.tests) - 1


def test_code_that_does_nothing_earns_nothing(grader: Grader, tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    for exercise in grader.course.exercises:
        body = "".join(
            f"def {name}(*args, **kwargs):\n    return None\n\n\n"
            if name.islower()
            else f"{name} = None\n"
            for name in exercise.functions
        )
        _file(folder, exercise.file, body)
    report = grader.grade(folder, [exercise.id for exercise in grader.course.exercises])
    assert [(item.id, item.score) for item in report.items if item.score] == []


def test_hostile_answers_cost_only_their_own_submission(grader: Grader, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile"
    shutil.copytree(ROOT / "solutions", hostile)
    text = (hostile / "answers.yaml").read_text()
    lines = text.splitlines()
    first_quiz = next(line.split(":")[0] for line in lines if line and line[0].isalpha())
    lines = [
        f"{first_quiz}: !!bool maybe" if line.startswith(f"{first_quiz}:") else line
        for line in lines
    ]
    lines += ["<<: {a: 1}", "=: 2", "!!int one: 1", "big: 1.0e+308", "huge: " + "9" * 400]
    (hostile / "answers.yaml").write_text("\n".join(lines) + "\n")
    honest = tmp_path / "honest"
    shutil.copytree(ROOT / "solutions", honest)
    reports: list[Report] = []
    grader.grade_many(
        [Submission(hostile, "hostile"), Submission(honest, "honest")],
        lambda _, report: reports.append(report),
        [quiz.id for quiz in grader.course.quizzes],
    )
    assert len(reports) == 2
    bad = [item.id for item in reports[0].items if item.score < item.max_score]
    assert bad == [first_quiz]
    assert reports[1].score == reports[1].max_score


def test_an_unexpected_error_costs_only_that_submission(
    grader: Grader, tmp_path: Path, monkeypatch
) -> None:
    import grader.grading.quizzes as quizzes

    complete = tmp_path / "complete"
    shutil.copytree(ROOT / "solutions", complete)
    real = quizzes.read_answers

    def explode(folder: Path):
        if folder.name == "broken":
            raise RuntimeError("boom")
        return real(folder)

    monkeypatch.setattr(quizzes, "read_answers", explode)  # the engine imports it when used
    broken = tmp_path / "broken"
    shutil.copytree(ROOT / "solutions", broken)
    reports: list[Report] = []
    grader.grade_many(
        [Submission(broken, "broken"), Submission(complete, "complete")],
        lambda _, report: reports.append(report),
        ["relu_output", "relu"],
    )
    assert [item.status for item in reports[0].items] == [Status.ERROR, Status.ERROR]
    assert "RuntimeError: boom" in reports[0].items[0].tests[0].message
    assert reports[1].items[1].status is Status.PASSED


def test_exercise_files_can_import_each_other(grader: Grader, tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    shutil.copytree(ROOT / "solutions", folder)
    (folder / "step.py").write_text(
        "import numpy as np\nfrom sigmoid import sigmoid\n\n\ndef step(x):\n"
        "    y = np.where(np.asarray(sigmoid(x)) > 0.5, 1.0, 0.0)\n"
        "    return float(y) if y.ndim == 0 else y\n"
    )
    assert grader.grade(folder, ["step"]).items[0].status is Status.PASSED
    (folder / "sigmoid.py").write_text("def sigmoid(x)\n    return x\n")
    item = grader.grade(folder, ["step"]).items[0]
    assert item.score == 0 and "sigmoid.py line 1" in item.tests[0].message


def test_checks_carry_their_duration_and_printed_output(grader: Grader, tmp_path: Path) -> None:
    folder = _file(
        tmp_path / "ws", "relu.py", "def relu(x):\n    print('debug: x =', x)\n    return x\n"
    )
    item = grader.grade(folder, ["relu"]).items[0]
    failed = item.tests[0]
    assert failed.status is Status.FAILED and "debug: x = -5" in failed.output
    assert all(test.seconds > 0 for test in item.tests)


def test_grading_writes_nothing_into_the_course(tmp_path: Path) -> None:
    course_copy = tmp_path / "course"
    shutil.copytree(ROOT / "exercises", course_copy)
    before = sorted(str(path) for path in course_copy.rglob("*"))
    with Grader(load_course(course_copy)) as fresh:
        fresh.grade(ROOT / "solutions", ["relu", "step"])
    assert sorted(str(path) for path in course_copy.rglob("*")) == before


def test_two_courses_in_one_process_each_run_their_own_hidden_tests(tmp_path: Path) -> None:
    """Hidden test modules share names across courses (relu.test_relu); each course gets its own."""
    fixture = ROOT / "tests" / "fixture_course"
    strict = tmp_path / "strict_course"
    shutil.copytree(fixture, strict)
    tests = strict / "relu" / "test_relu.py"
    tests.write_text(
        tests.read_text(encoding="utf-8")
        + "\n\ndef test_lesson_values(student: Student) -> None:\n"
        + "    student.fail('relu(0)', 'anything', 'nothing', 'this course fails everyone')\n",
        encoding="utf-8",
    )
    solutions = ROOT / "tests" / "fixture_solutions"
    scores = {}
    for name, root in (("strict", strict), ("fixture", fixture), ("strict again", strict)):
        with Grader(load_course(root)) as grader:
            (relu,) = grader.grade(solutions, ["relu"]).items
            scores[name] = relu.score
    assert scores["fixture"] == 6
    assert scores["strict"] == scores["strict again"] < 6


@pytest.mark.parametrize(
    ("first_file_extra", "workers"),
    [("", 1), ("\nnp.abs = np.negative\n", 2)],
)
def test_a_failure_is_run_again_alone_only_when_another_file_changed_the_worker(
    grader: Grader, tmp_path: Path, monkeypatch, first_file_extra: str, workers: int
) -> None:
    """A wrong relu.py beside a weighted_sum.py that changes nothing fails at once; beside one
    that patches numpy, its failures are run again alone: the report is the same either way."""
    wrong_relu = "import numpy as np\n\ndef relu(x):\n    return np.abs(x)\n"
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "relu.py").write_text(wrong_relu)
    expected = grader.grade(alone, ["relu"]).items[0]
    both = tmp_path / "both"
    both.mkdir()
    (both / "relu.py").write_text(wrong_relu)
    solution = (ROOT / "solutions" / "weighted_sum.py").read_text()
    (both / "weighted_sum.py").write_text(solution + first_file_extra)
    spawned = []
    spawn = grader.sandbox.spawn
    monkeypatch.setattr(grader.sandbox, "spawn", lambda *a: spawned.append(1) or spawn(*a))
    weighted_sum, relu = grader.grade(both, ["weighted_sum", "relu"]).items
    assert weighted_sum.score == weighted_sum.max_score
    assert relu.status is Status.FAILED and len(spawned) == workers
    assert [(t.status, t.message) for t in relu.tests] == [
        (t.status, t.message) for t in expected.tests
    ]

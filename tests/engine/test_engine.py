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

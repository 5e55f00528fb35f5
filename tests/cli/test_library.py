"""In-process tests of the library behind list, hint, watch and ci: the hostile hint state,
the hint order, the polling watcher, CI settings."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from grade_cli_support import EXERCISES, SOLUTIONS

from grader.ci import CiError, check_pass_mark, grader_source, pass_mark_points, render_ci
from grader.course.load import load_course
from grader.course.model import Course
from grader.grading.results import CheckResult as CheckResult
from grader.grading.results import ItemResult, Status
from grader.hint import (
    MAX_STATE_BYTES,
    STATE_PATH,
    HintState,
    ItemProgress,
    load_state,
    next_hint,
    save_state,
)
from grader.reporters.terminal import use_color
from grader.watch import Screen, watch


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(EXERCISES)


# -- the hint state file -----------------------------------------------------------------


def _state_file(folder: Path) -> Path:
    (folder / ".grade").mkdir(exist_ok=True)
    return folder / STATE_PATH


def test_missing_state_is_empty_without_a_notice(tmp_path: Path) -> None:
    state = load_state(tmp_path)
    assert state.items == {} and state.notice == ""


def test_state_round_trips(tmp_path: Path) -> None:
    state = HintState({"sigmoid": ItemProgress(2, "test_lesson_value"), "relu": ItemProgress()})
    assert save_state(tmp_path, state) == ""
    again = load_state(tmp_path)
    assert again.items == {"sigmoid": ItemProgress(2, "test_lesson_value")}
    assert again.notice == ""
    assert sorted(os.listdir(tmp_path / ".grade")) == ["hints.json"], "no temporary left"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"[" * 50_000,
        b"\xff\xfe",
        b'{"version": 2, "items": {}}',
        b'{"version": 1, "items": []}',
        b'{"version": 1, "items": {"Sigmoid!": {"shown": 1}}}',
        b'{"version": 1, "items": {"sigmoid": {"shown": -1}}}',
        b'{"version": 1, "items": {"sigmoid": {"shown": true}}}',
        b'{"version": 1, "items": {"sigmoid": {"shown": 1e999}}}',
        b'{"version": 1, "items": {"sigmoid": {"shown": 1, "check": "../../x"}}}',
        b'{"version": 1, "items": {"sigmoid": {"shown": ' + b"9" * 5000 + b"}}}",
    ],
)
def test_garbage_state_resets_with_a_notice(tmp_path: Path, content: bytes) -> None:
    _state_file(tmp_path).write_bytes(content)
    state = load_state(tmp_path)
    assert state.items == {}
    assert state.notice.startswith(f"{STATE_PATH} could not be used (")
    assert state.notice.endswith("starting hints over.") and "\n" not in state.notice


@pytest.mark.only_on("linux", "darwin", reason="FIFOs (os.mkfifo) are POSIX")
def test_oversized_links_fifos_and_folders_are_not_read(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    path.write_bytes(b" " * (MAX_STATE_BYTES + 1))
    assert "limit" in load_state(tmp_path).notice
    path.unlink()
    secret = tmp_path / "secret.json"
    secret.write_text('{"version": 1, "items": {"sigmoid": {"shown": 3}}}')
    path.symlink_to(secret)
    assert "symbolic link" in load_state(tmp_path).notice
    assert save_state(tmp_path, HintState({"relu": ItemProgress(1)})) == ""
    assert not path.is_symlink() and "sigmoid" in secret.read_text(), "the link is replaced"
    path.unlink()
    os.mkfifo(path)
    assert "not a regular file" in load_state(tmp_path).notice  # and it did not block
    path.unlink()
    path.mkdir()
    assert load_state(tmp_path).notice
    assert save_state(tmp_path, HintState({"relu": ItemProgress(1)})).startswith(
        "could not save hint progress"
    )


def test_state_folder_that_is_a_file_or_a_link_is_not_written(tmp_path: Path) -> None:
    (tmp_path / ".grade").write_text("not a folder")
    assert "is not a folder" in save_state(tmp_path, HintState({"relu": ItemProgress(1)}))
    (tmp_path / ".grade").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / ".grade").symlink_to(elsewhere)
    assert "is not a folder" in save_state(tmp_path, HintState({"relu": ItemProgress(1)}))
    assert list(elsewhere.iterdir()) == []


# -- which hint comes next -----------------------------------------------------------------


def _result(course: Course, item_id: str, status: Status, failing: str = "") -> ItemResult:
    item = course.item(item_id)
    tests = tuple(
        CheckResult(
            test=check.test,
            name=check.name,
            status=status if check.test == failing or not failing else Status.PASSED,
            score=0,
            max_score=check.points,
            visibility=check.visibility,
        )
        for check in getattr(item, "checks", ())
    )
    return ItemResult(item.id, item.title, item.kind, item.lesson, status, 0, 1, tests)


def test_a_new_failing_check_gets_its_hint_before_the_next_general_hint(course: Course) -> None:
    progress = ItemProgress()
    relu = course.item("relu")
    first, second = relu.checks[0], relu.checks[1]
    hint = next_hint(relu, _result(course, "relu", Status.FAILED, first.test), progress)
    assert hint.lines[0] == f"For the failing check '{first.name}': {first.hint}"
    assert hint.advanced and progress == ItemProgress(0, first.test)
    hint = next_hint(relu, _result(course, "relu", Status.FAILED, first.test), progress)
    assert hint.lines[0].startswith(f"Hint 1 of {len(relu.hints)}: ")
    hint = next_hint(relu, _result(course, "relu", Status.FAILED, second.test), progress)
    assert hint.lines[0].startswith(f"For the failing check '{second.name}'")
    assert progress == ItemProgress(1, second.test)


def test_not_started_and_passed_items(course: Course) -> None:
    progress = ItemProgress()
    started = next_hint(course.item("relu"), _result(course, "relu", Status.NOT_STARTED), progress)
    assert started.lines[0].startswith("Hint 1 of ")
    done = next_hint(course.item("relu"), _result(course, "relu", Status.PASSED), progress)
    assert done.lines == ("relu already has full marks: no hint needed.",)
    assert not done.advanced and progress.shown == 1


def test_a_file_that_cannot_load_comes_before_any_hint(course: Course) -> None:
    relu = course.item("relu")
    broken = replace(
        _result(course, "relu", Status.ERROR),
        file="relu.py",
        tests=tuple(
            replace(test, message="relu.py line 1: SyntaxError: expected ':'")
            for test in _result(course, "relu", Status.ERROR).tests
        ),
    )
    progress = ItemProgress()
    hint = next_hint(relu, broken, progress)
    assert hint.lines[0] == "First make relu.py load: relu.py line 1: SyntaxError: expected ':'"
    assert not hint.advanced and progress == ItemProgress()


def test_quizzes_get_their_hints_one_by_one(course: Course) -> None:
    quiz = course.item("sigmoid_minus_one")
    progress = ItemProgress()
    lines = [
        next_hint(quiz, _result(course, quiz.id, Status.FAILED), progress).lines[0]
        for _ in range(len(quiz.hints) + 1)
    ]
    assert lines[0] == f"Hint 1 of {len(quiz.hints)}: {quiz.hints[0]}"
    assert lines[-1].startswith("You have seen ")


# -- watch, with an injected sleep instead of real time ------------------------------------


def test_watch_polls_with_an_injected_clock(course: Course, tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    shutil.copyfile(SOLUTIONS / "relu.py", folder / "relu.py")
    written: list[str] = []
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            (folder / "relu.py").write_text("def relu(x):\n    return x\n")

    watch(
        course, folder, ["relu"], Screen(written.append), interval=0.25, max_rounds=3, sleep=sleep
    )
    assert naps == [0.25, 0.25, 0.25]
    text = "".join(written)
    assert text.count("relu.py changed") == 1
    assert "6/6  passed" in text and "failed" in text.split("relu.py changed")[1]
    assert text.endswith("Stopped watching.\n")


# -- CI settings and colour ---------------------------------------------------------------


def test_grader_source_defaults_and_validation() -> None:
    source = grader_source(env={})
    assert source.is_placeholder and source.ref.startswith("v")
    env = {"GRADE_COURSE_URL": "https://github.com/uni/neurons.git", "GRADE_COURSE_REF": "abc123"}
    assert grader_source(env=env).requirement == (
        "neuron-grader @ git+https://github.com/uni/neurons.git@abc123"
    )
    assert grader_source("git+ssh://git@host/uni/n.git", "v1", env={}).url == (
        "ssh://git@host/uni/n.git"
    )
    for url in ("http://x/y", "https://x/y z", "https://x/a@b", 'https://x/"y', "ftp://x/y"):
        with pytest.raises(CiError):
            grader_source(url, "v1", env={})
    for ref in ("", "-x", "a..b", "v1 && rm", "$(id)"):
        with pytest.raises(CiError):
            grader_source("https://x/y", ref or " ", env={})


def test_pass_marks() -> None:
    assert pass_mark_points(None, 58) == 58
    assert pass_mark_points("50%", 58) == 29
    assert pass_mark_points("40", 58) == 40
    for bad in ("", "lots", "-3", "101%", "1e3", "80 %"):
        with pytest.raises(CiError):
            check_pass_mark(bad)
    with pytest.raises(CiError, match="only 58 points"):
        pass_mark_points("59", 58)


def test_templates_have_no_unfilled_placeholders() -> None:
    for kind in ("github", "gitlab"):
        text = render_ci(kind, grader_source("https://x/y.git", "v9", env={}), "80%")
        assert "@@" not in text and "neuron-grader @ git+https://x/y.git@v9" in text
        assert 'PASS_MARK: "80%"' in text


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_colour_rules() -> None:
    assert use_color(_Stream(True), {}) is True
    assert use_color(_Stream(False), {}) is False
    assert use_color(_Stream(True), {"NO_COLOR": "1"}) is False
    assert use_color(_Stream(True), {"NO_COLOR": ""}) is True, "an empty NO_COLOR is unset"
    assert use_color(_Stream(True), {"TERM": "dumb"}) is False


def test_json_state_is_what_the_docs_show(tmp_path: Path) -> None:
    save_state(tmp_path, HintState({"sigmoid": ItemProgress(1, "test_lesson_value")}))
    assert json.loads((tmp_path / STATE_PATH).read_text()) == {
        "version": 1,
        "items": {"sigmoid": {"shown": 1, "check": "test_lesson_value"}},
    }

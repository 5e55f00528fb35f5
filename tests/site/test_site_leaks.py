"""The leak scan: no reference solution and no plain quiz answer may reach the site."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURE_COURSE, FIXTURE_SOLUTIONS, Workspace, tree_bytes

from grader.course.load import load_course
from grader.course.problems import InputError
from grader.website import scan_for_leaks

SOLUTION_LINE = "result = np.maximum(np.asarray(x, dtype=np.float64), 0.0)"


def _plant(workspace: Workspace, old: str, new: str, item: str = "relu_demo") -> Path:
    source = workspace.course_dir / item / "exercise.yaml"
    text = source.read_text("utf-8")
    assert old in text
    source.write_text(text.replace(old, new, 1), "utf-8")
    return source


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_clean_fixture_site_has_no_leaks(fixture_site: Path) -> None:
    course = load_course(FIXTURE_COURSE)
    assert scan_for_leaks(fixture_site, FIXTURE_SOLUTIONS, course) == []


def test_solution_line_planted_in_the_lesson_fails_the_build(workspace: Workspace) -> None:
    workspace.build()
    before = tree_bytes(workspace.out)
    source = _plant(workspace, "Read more in", f"Try `{SOLUTION_LINE}`. Read more in")
    with pytest.raises(InputError) as error:
        workspace.build()
    message = str(error.value)
    assert f"relu_demo/exercise.yaml:{_line_of(source, 'np.maximum(np.asarray')}:" in message
    assert "reference solution" in message and "relu_demo.py" in message
    assert tree_bytes(workspace.out) == before  # the old site is untouched
    assert sorted(p.name for p in workspace.root.iterdir()) == ["exercises", "site", "solutions"]


def test_solution_line_in_a_stub_comment_is_found(workspace: Workspace) -> None:
    stub = workspace.course_dir / "relu_demo" / "stub.py"
    stub.write_text(stub.read_text("utf-8") + f"    # {SOLUTION_LINE}\n", "utf-8")
    with pytest.raises(InputError, match="reference solution"):
        workspace.build()


def test_solution_comment_does_not_hide_a_line(workspace: Workspace) -> None:
    # The solution line ends with a comment; the lesson copies only the code part.
    _plant(workspace, "Read more in", f"    {SOLUTION_LINE}\n\n  Read more in")
    with pytest.raises(InputError, match="reference solution"):
        workspace.build()


def test_lines_shared_with_the_stub_are_not_leaks(workspace: Workspace) -> None:
    docstring = '"""Return max(0, x) for a number or, element by element, for a numpy array."""'
    _plant(workspace, "Read more in", f"The stub says `{docstring}`. Read more in")
    workspace.build()


def test_solution_lines_marked_public_may_appear(workspace: Workspace) -> None:
    solution = workspace.solutions / "relu_demo.py"
    solution.write_text(
        solution.read_text("utf-8").replace("# keeps the shape", "# site: public"), "utf-8"
    )
    _plant(workspace, "Read more in", f"Hint: `{SOLUTION_LINE}`. Read more in")
    workspace.build()


@pytest.mark.parametrize(
    ("item", "old", "new"),
    [
        ("double_it", "Give it to two decimal places.", "The answer is 2.5."),
        ("double_it", "Multiply the input", "Correct answer: 2.50. Multiply the input"),
        ("relu_demo", "Read more in", "Note: double_it: 2.5. Read more in"),
        ("pick_range", "ReLU never outputs", "The correct answer is (b). ReLU never outputs"),
        ("pick_range", "ReLU never outputs", 'answer = "b". ReLU never outputs'),
    ],
)
def test_plain_answers_fail_the_build(workspace: Workspace, item: str, old: str, new: str) -> None:
    _plant(workspace, old, new, item)
    with pytest.raises(InputError, match="reveals the answer"):
        workspace.build()


def test_innocent_numbers_and_letters_are_not_leaks(workspace: Workspace) -> None:
    # 2.5 as a plain number and "answer is a" in prose say nothing about the answers.
    _plant(workspace, "Read more in", "So relu(2.5) is 2.5; the answer is a number. Read more in")
    _plant(workspace, "ReLU never outputs", "The answer is a bit more. ReLU never", "pick_range")
    workspace.build()


def _tamper(site: Path, copy: Path, name: str, old: str, new: str) -> Path:
    shutil.copytree(site, copy)
    page = copy / name
    text = page.read_text("utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), "utf-8")
    return copy


def test_extra_payload_keys_are_leaks(fixture_site: Path, tmp_path: Path) -> None:
    old, new = '"id": "double_it"', '"id": "double_it", "hint": 1'
    site = _tamper(fixture_site, tmp_path / "s", "double_it.html", old, new)
    found = scan_for_leaks(site, None, load_course(FIXTURE_COURSE))
    assert any("quiz data may hold only" in leak for leak in found), found


def test_prefilled_quiz_forms_are_leaks(fixture_site: Path, tmp_path: Path) -> None:
    old, new = 'value="b" data-quiz-choice', 'value="b" checked data-quiz-choice'
    site = _tamper(fixture_site, tmp_path / "s", "pick_range.html", old, new)
    found = scan_for_leaks(site, None, load_course(FIXTURE_COURSE))
    assert found == [
        "pick_range.html: a quiz form <input> is pre-selected; quiz forms must start empty"
    ]


def test_answers_in_the_starter_zip_are_leaks(fixture_site: Path, tmp_path: Path) -> None:
    site = tmp_path / "s"
    shutil.copytree(fixture_site, site)
    path = site / "downloads" / "starter-workspace.zip"
    with zipfile.ZipFile(path) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    files["fixture-course/answers.yaml"] = files["fixture-course/answers.yaml"].replace(
        b"double_it:", b"double_it: 2.5"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    found = scan_for_leaks(site, FIXTURE_SOLUTIONS, load_course(FIXTURE_COURSE))
    assert any("starter-workspace.zip:fixture-course/answers.yaml" in leak for leak in found)
    assert any("gives an answer for 'double_it'" in leak for leak in found)

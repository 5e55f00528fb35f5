"""The wheel a student installs: no reference solution, no plaintext quiz answer, and it works."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    (found,) = out.glob("*.whl")
    return found


def _members(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _statements(source: str) -> list[str]:
    """Return the module's top-level statements without docstrings, normalised by ast.unparse."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            body.pop(0)
    return [ast.unparse(statement) for statement in tree.body]


def _holds_solution(member: str, solution: list[str]) -> bool:
    try:
        statements = set(_statements(member))
    except SyntaxError:
        return False
    return all(statement in statements for statement in solution)


def test_wheel_ships_the_course_but_no_solutions(wheel: Path) -> None:
    members = _members(wheel)
    names = list(members)
    assert "grader/_course/course.yaml" in names
    assert any(name.endswith("test_sigmoid.py") for name in names), "hidden tests must ship"
    assert not [name for name in names if "solutions" in name], "solutions/ must never ship"
    assert not [name for name in names if name.endswith("answers.yaml")]
    sources = [data.decode() for name, data in members.items() if name.endswith(".py")]
    for path in sorted((ROOT / "solutions").glob("*.py")):
        solution = _statements(path.read_text())
        assert not any(_holds_solution(source, solution) for source in sources), path.name


def test_quiz_answers_ship_only_as_digests(wheel: Path) -> None:
    answers = yaml.safe_load((ROOT / "solutions" / "answers.yaml").read_text())
    members = _members(wheel)
    quizzes = 0
    for name, data in members.items():
        if not name.endswith("exercise.yaml"):
            continue
        spec = yaml.safe_load(data)
        if spec["kind"] == "code":
            continue
        quizzes += 1
        assert set(spec["answer"]) == {"salt", "sha256"}, name
    assert quizzes == len(answers)
    text = b"\n".join(members.values()).decode("utf-8", errors="replace")
    for quiz_id, answer in answers.items():
        assert f"{quiz_id}: {answer}" not in text


def test_installed_wheel_grades_a_fresh_workspace(wheel: Path, tmp_path: Path) -> None:
    """The wheel and its dependencies, installed by pip into a venv of its own: nothing comes
    from the interpreter running the tests (no --system-site-packages)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    isolated = subprocess.run(
        [python, "-c", "import numpy"], capture_output=True, timeout=60, cwd=tmp_path
    )
    assert isolated.returncode != 0, "the fresh venv must not see the test interpreter's packages"
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    grade = str(venv / "bin" / "grade")
    workspace = tmp_path / "ws"
    run = subprocess.run(
        [grade, "init", str(workspace)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    located = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import grader; print(grader.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert str(venv) in located.stdout, "the venv's own grader must be the one that runs"
    run = subprocess.run(
        [grade, "check", "--format", "json", "--workspace", str(workspace)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 1, run.stderr
    import json

    report = json.loads(run.stdout)
    assert report["score"] == 0
    assert {item["status"] for item in report["exercises"]} == {"not started"}
    site = tmp_path / "site"
    run = subprocess.run(
        [grade, "build-site", "--out", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert (site / "index.html").is_file() and (site / "sigmoid.html").is_file()

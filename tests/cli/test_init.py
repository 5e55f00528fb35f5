"""`grade init` never overwrites; --keep-existing fills in only what is missing."""

from __future__ import annotations

from pathlib import Path

import yaml
from grade_cli_support import EXERCISES, grade

from grader.course.load import load_course


def test_existing_files_are_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# my repository\n")
    done = grade("init", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert "README.md: already exists; grade init never overwrites" in done.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["README.md"]


def test_keep_existing_writes_only_the_missing_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# my repository\n")
    (tmp_path / "sigmoid.py").write_text("def sigmoid(x):\n    return 0.5\n")
    done = grade("init", ".", "--keep-existing", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "keeping the files that were already there" in done.stdout
    assert (tmp_path / "README.md").read_text() == "# my repository\n"
    assert (tmp_path / "sigmoid.py").read_text() == "def sigmoid(x):\n    return 0.5\n"
    assert "raise NotImplementedError" in (tmp_path / "relu.py").read_text()
    assert (tmp_path / "answers.yaml").is_file()
    again = grade("init", ".", "--keep-existing", cwd=tmp_path)
    assert again.returncode == 0 and "Created 0 files" in again.stdout


def test_init_ignores_the_hint_state_in_git(tmp_path: Path) -> None:
    assert grade("init", "ws", cwd=tmp_path).returncode == 0
    ignored = (tmp_path / "ws" / ".gitignore").read_text().splitlines()
    assert ".grade/" in ignored


def test_answers_yaml_carries_each_question_and_its_choices(tmp_path: Path) -> None:
    assert grade("init", "ws", cwd=tmp_path).returncode == 0
    text = (tmp_path / "ws" / "answers.yaml").read_text()
    assert yaml.safe_load(text) == {quiz.id: None for quiz in load_course(EXERCISES).quizzes}
    comments = " ".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))
    comments = " ".join(comments.split())
    assert "The neuron then applies ReLU. What number does it output?" in comments
    assert "σ(z) = 1/(1 + e^(-z))" in comments, "math stays readable"
    assert "$" not in comments


def test_a_pinned_course_package_goes_into_the_workflow(tmp_path: Path) -> None:
    wheel = "https://example.edu/releases/neuron_grader-1.0-py3-none-any.whl"
    sha = "ab" * 32
    done = grade("init", "ws", "--grader-wheel", wheel, "--grader-sha256", sha, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Note:" not in done.stdout
    workflow = yaml.safe_load((tmp_path / "ws/.github/workflows/grade.yml").read_text())
    assert workflow["env"]["GRADER_PACKAGE"] == f"neuron-grader @ {wheel}#sha256={sha}"


def test_the_placeholder_note_names_the_course_package(tmp_path: Path) -> None:
    done = grade("init", "ws", cwd=tmp_path)
    assert done.returncode == 0
    assert "--grader-wheel URL --grader-sha256 HASH" in " ".join(done.stdout.split())

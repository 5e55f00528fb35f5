"""Authors' commands use the course of the checkout they stand in and say which; `grade
package` builds the student-safe wheel and refuses one that would leak."""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from pathlib import Path

from grade_cli_support import EXERCISES, ROOT, SOLUTIONS, grade

NO_OVERRIDE = {"GRADE_COURSE_DIR": ""}  # no fixture course: the checkout decides


def _checkout(folder: Path) -> Path:
    """Return an author's checkout of the fixture course: exercises/ and solutions/."""
    shutil.copytree(EXERCISES, folder / "exercises")
    shutil.copytree(SOLUTIONS, folder / "solutions")
    return folder


def test_validate_uses_the_checkout_and_says_which(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path / "course")
    done = grade("validate", cwd=checkout, env=NO_OVERRIDE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Course: Fixture Neurons (version 1.0) at {checkout / 'exercises'}" in done.stderr
    assert done.stdout.rstrip().endswith("18 checks, 0 problems.")


def test_build_site_uses_the_course_folder_you_stand_in(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path / "course")
    done = grade("build-site", "--out", str(tmp_path / "site"), cwd=checkout / "exercises",
                 env=NO_OVERRIDE)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Course: Fixture Neurons" in done.stderr
    assert (tmp_path / "site" / "relu.html").is_file()
    assert not (tmp_path / "site" / "tanh.html").exists(), "not the installed course"


def test_digest_takes_negative_answers(tmp_path: Path) -> None:
    done = grade("digest", "relu_output", "-1.5", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"answer:\n  salt: [0-9a-f]+\n  sha256: [0-9a-f]{64}\n", done.stdout)


def test_show_prints_a_quiz_question_as_plain_text(tmp_path: Path) -> None:
    done = grade("show", "sigmoid_minus_one", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("sigmoid_minus_one: The sigmoid of minus one, by hand\n")
    assert "σ(z) = 1/(1 + e^(-z))" in out and "$" not in out and "**" not in out
    assert max(map(len, out.splitlines())) <= 80
    assert "Answer in answers.yaml, as `sigmoid_minus_one: ...`" in " ".join(out.split())


def test_package_builds_a_clean_wheel_and_prints_its_hash(tmp_path: Path) -> None:
    done = grade("package", "--out", str(tmp_path / "dist"), cwd=ROOT, env=NO_OVERRIDE,
                 timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert f"SHA-256: {sha}" in done.stdout
    assert f"--grader-wheel https://…/{wheel.name} --grader-sha256 {sha}" in done.stdout
    names = zipfile.ZipFile(wheel).namelist()
    assert "grader/_course/course.yaml" in names
    assert not [name for name in names if "solutions" in name or name.endswith("answers.yaml")]


def test_package_refuses_a_wheel_that_would_ship_a_solution(tmp_path: Path) -> None:
    checkout = tmp_path / "course"
    for name in ("grader", "exercises", "site/templates", "site/assets", "solutions"):
        shutil.copytree(ROOT / name, checkout / name, ignore=shutil.ignore_patterns("_build"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(ROOT / name, checkout / name)
    shutil.copyfile(ROOT / "solutions" / "relu.py", checkout / "exercises" / "relu" / "notes.py")
    done = grade("package", "--out", str(tmp_path / "dist"), cwd=checkout, env=NO_OVERRIDE,
                 timeout=600)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the course package would leak; not written" in done.stderr
    assert "grader/_course/relu/notes.py: holds the reference solution relu.py" in done.stderr
    assert not (tmp_path / "dist").exists()


def test_validate_rejects_math_the_site_build_cannot_render(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path / "course")
    path = checkout / "exercises" / "relu" / "exercise.yaml"
    path.write_text(path.read_text().replace("text: |\n", "text: |\n  Try $\\leaky{z}$ here.\n", 1))
    done = grade("validate", cwd=checkout, env=NO_OVERRIDE)
    assert done.returncode == 1, done.stdout + done.stderr
    failing = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failing) == 1, done.stdout
    assert "site" in failing[0] and "relu/exercise.yaml:8:" in failing[0]
    assert "\\leaky" in failing[0]
    built = grade("build-site", "--out", str(tmp_path / "site"), cwd=checkout, env=NO_OVERRIDE)
    assert built.returncode != 0 and "\\leaky" in built.stderr  # the very same check

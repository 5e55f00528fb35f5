"""`grade validate` through real processes: the course as shipped, a broken reference, bad YAML."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from grade_cli_support import REAL_COURSE, grade

ROOT = Path(__file__).resolve().parents[2]


def _validate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run this interpreter's `grade validate` on the real course (unless --course says)."""
    return grade(
        "validate", *args, cwd=cwd, env={"GRADE_COURSE_DIR": str(REAL_COURSE)}, timeout=300
    )


def test_the_course_validates(tmp_path: Path) -> None:
    done = _validate(cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Course: Neurons from Scratch (version 2026.11) at {REAL_COURSE}" in done.stderr
    assert done.stdout.rstrip().endswith("checks, 0 problems.")
    assert "FAIL" not in done.stdout


def test_a_wrong_reference_and_a_digest_mismatch_are_problems(tmp_path: Path) -> None:
    solutions = tmp_path / "solutions"
    shutil.copytree(ROOT / "solutions", solutions)
    shutil.copyfile(ROOT / "exercises" / "relu" / "wrong" / "python_max.py", solutions / "relu.py")
    answers = solutions / "answers.yaml"
    answers.write_text(answers.read_text().replace("relu_output: 1.5", "relu_output: 2.5"))
    done = _validate("--solutions", str(solutions), cwd=tmp_path)
    assert done.returncode == 1
    failing = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert any("reference earns full" in line and " relu " in line for line in failing)
    assert any(
        "quiz digest matches solutions" in line and "relu_output" in line for line in failing
    )
    assert done.stdout.rstrip().endswith("checks, 2 problems.")


def test_a_broken_course_names_file_line_and_fix(tmp_path: Path) -> None:
    course = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", course)
    path = course / "relu" / "exercise.yaml"
    path.write_text(path.read_text().replace("points: 1", "points: 0", 1))
    done = _validate("--course", str(course), "--solutions", str(ROOT / "solutions"), cwd=tmp_path)
    assert done.returncode == 2
    assert "relu/exercise.yaml:" in done.stderr
    assert "'points' must be a positive integer; write points: 1" in done.stderr
    assert "Traceback" not in done.stderr

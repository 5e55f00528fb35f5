"""`grade class` and `grade export` as an instructor runs them: real processes, real files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from grade_cli_support import grade

from .conftest import EXERCISES, GradedClass


@pytest.fixture
def graded_folder(graded_class: GradedClass, tmp_path: Path) -> Path:
    folder = tmp_path / "graded"
    graded_class.write_reports(folder)
    return folder


def test_class_then_export_to_canvas_moodle_and_csv(
    graded_folder: Path, graded_class: GradedClass, data_dir: Path, tmp_path: Path
) -> None:
    course = ["--course", str(EXERCISES)]
    done = grade(
        "class", str(graded_folder), *course,
        "--roster", str(data_dir / "roster.csv"),
        "--policy", str(data_dir / "policy.yaml"),
        "--times", str(data_dir / "times.csv"),
        "--submissions", str(graded_class.root),
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Missing (on the roster, no submission): hal" in done.stdout
    assert "Unmatched (graded, not on the roster): zed" in done.stdout
    assert "Late: 1 submission(s) penalised; 1 without a submission time" in done.stdout
    html = (graded_folder / "class-report.html").read_text()
    assert "sigmoid uses exp(x) instead of exp(-x)" in html
    assert 'href="reports/ben.json"' in html

    out = tmp_path / "canvas-import.csv"
    done = grade(
        "export", str(graded_folder), "--lms", "canvas",
        "--template", str(data_dir / "canvas-export.csv"),
        "--column", "Perceptrons", "--out", str(out),
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Filled 7 scores into column 'Perceptrons (104512)'" in done.stdout
    assert "Left unchanged (1 rows with no graded student): Student, Test" in done.stderr
    assert "Not in the canvas file (2; add them in the LMS or enter by hand): hal, zed" in (
        done.stderr
    )
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[1][0] == "    Points Possible" and rows[1][5] == "22.00"
    assert {row[3]: row[5] for row in rows[2:4]} == {"ada": "22", "ben": "6.6"}

    out = tmp_path / "moodle-import.csv"
    done = grade(
        "export", str(graded_folder), "--lms", "moodle",
        "--template", str(data_dir / "moodle-export.csv"),
        "--column", "Assignment: Perceptrons (Real)", "--out", str(out),
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Left unchanged (1 rows with no graded student): Ivy Quinn" in done.stderr

    out = tmp_path / "scores.csv"
    done = grade("export", str(graded_folder), "--lms", "csv", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.read_text().splitlines()[:3] == ["student,score", "ada,22", "ben,6.6"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--lms", "canvas", "--out", "x.csv"], "--lms canvas needs --template"),
        (
            ["--lms", "canvas", "--template", "{data}/canvas-export.csv", "--column", "Lab",
             "--out", "x.csv"],
            "no column 'Lab' in the export",
        ),
        (["--lms", "csv", "--out", "nowhere/x.csv"], "its folder does not exist"),
    ],
)  # fmt: skip
def test_export_usage_errors(
    args: list[str], says: str, graded_folder: Path, data_dir: Path, tmp_path: Path
) -> None:
    (graded_folder / "gradebook.csv").write_text("student,final_score\r\nada,1\r\n")
    args = [arg.replace("{data}", str(data_dir)) for arg in args]
    done = grade("export", str(graded_folder), *args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.csv").exists()


def test_class_problems_are_one_located_line(graded_folder: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("student\nada\nada\n")
    done = grade(
        "class", str(graded_folder), "--course", str(EXERCISES), "--roster", str(roster),
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert "roster.csv:3:1: student 'ada' is already on line 2; keep one row" in done.stderr
    assert "Traceback" not in done.stderr and not (graded_folder / "gradebook.csv").exists()
    done = grade("export", str(graded_folder), "--lms", "csv", "--out", "s.csv", cwd=tmp_path)
    assert done.returncode == 2 and "no gradebook.csv" in done.stderr

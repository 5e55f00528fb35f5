"""One `grade batch` with a roster, a policy and a times manifest, as the issue's "done when":
final scores in the gradebook, a filled Canvas file, changes.csv after a regrade, the report.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from grade_cli_support import grade

from .conftest import CLASS, EXERCISES, SOLUTIONS, _make


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from grader.course.load import load_course

    course = load_course(EXERCISES)
    root = tmp_path_factory.mktemp("batch") / "submissions"
    for student, spec in CLASS.items():
        _make(root / student, course, spec)
    return root


def _table(path: Path) -> dict[str, dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    return {row["student"]: row for row in csv.DictReader(io.StringIO(text))}


def test_batch_with_roster_policy_times_then_export_and_regrade(
    submissions: Path, data_dir: Path, tmp_path: Path
) -> None:
    subs = Path(shutil.copytree(submissions, tmp_path / "subs"))
    out = tmp_path / "out"
    args = [
        "batch", str(subs), "--out", str(out), "-j", "2",
        "--roster", str(data_dir / "roster.csv"),
        "--policy", str(data_dir / "policy.yaml"),
        "--times", str(data_dir / "times.csv"),
    ]  # fmt: skip
    done = grade(*args, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Missing (on the roster, no submission): hal" in done.stdout
    assert "Unmatched (graded, not on the roster): zed" in done.stdout
    assert "Regrade" not in done.stdout and (out / "changes.csv").read_bytes() == b""

    rows = _table(out / "gradebook.csv")
    assert set(rows) == {*CLASS, "hal"}
    ben = rows["ben"]
    max_score = float(ben["max_score"])
    penalty = min(float(ben["raw_score"]), round(2 * 0.1 * max_score, 2))  # 2 started days
    assert float(ben["late_penalty"]) == pytest.approx(penalty)
    assert float(ben["final_score"]) == pytest.approx(float(ben["raw_score"]) - penalty)
    assert (ben["time_source"], ben["late"][:11]) == ("times.csv", "2 days late")
    assert ben["score"] == ben["raw_score"]  # the batch's own column, unchanged
    assert (rows["hal"]["status"], rows["hal"]["final_score"]) == ("missing", "0")
    assert (rows["zed"]["status"], rows["zed"]["roster"]) == ("graded", "unmatched")
    assert rows["gus"]["late"] == "no submission time: no penalty applied"
    html = (out / "class-report.html").read_text()
    assert "sigmoid uses exp(x) instead of exp(-x)" in html
    assert "timed out" in html and "Integrity hints" in html
    link = '<a href="#[^"]+">{}</a>'
    same = (
        r"<code>sigmoid.py</code> \(\d+ tokens\): " + link.format("ben") + ", " + link.format("cai")
    )
    assert re.search(same, html), "ben and cai hand in the same sigmoid.py"

    canvas = tmp_path / "canvas-import.csv"
    done = grade(
        "export", str(out), "--lms", "canvas", "--template", str(data_dir / "canvas-export.csv"),
        "--column", "Perceptrons", "--out", str(canvas), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    filled = list(csv.reader(io.StringIO(canvas.read_bytes().decode("utf-8-sig"))))
    assert filled[3][3] == "ben" and float(filled[3][5]) == float(ben["final_score"])

    done = grade(*args, cwd=tmp_path, timeout=300)  # nothing changed
    assert done.returncode == 0, done.stderr
    assert "Regrade: no score changed (changes.csv is empty)" in done.stdout
    assert (out / "changes.csv").read_bytes() == b""

    shutil.copy(SOLUTIONS / "sigmoid.py", subs / "cai" / "sigmoid.py")  # cai fixes sigmoid
    done = grade(*args, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Regrade: 1 score change(s) written to changes.csv" in done.stdout
    lines = (out / "changes.csv").read_text().splitlines()
    assert lines[0] == "student,item,old_score,new_score"
    assert lines[1].startswith("cai,sigmoid,") and len(lines) == 2


def test_a_bad_roster_stops_batch_before_grading(submissions: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("name\nAda\n")
    done = grade(
        "batch", str(submissions), "--out", str(tmp_path / "out"), "--roster", str(roster),
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert "roster.csv:1:1: no column 'student'" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()

"""Gradebook rows, regrade changes and the files finish_class writes."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

from grader.classroom.policy import load_policy
from grader.classroom.roster import read_roster, read_times
from grader.classroom.rows import Change, changes, render_changes_csv
from grader.classroom.run import finish_class

from .conftest import GradedClass


def _gradebook(folder: Path) -> dict[str, dict[str, str]]:
    text = (folder / "gradebook.csv").read_text(encoding="utf-8")
    return {row["student"]: row for row in csv.DictReader(io.StringIO(text))}


def test_one_run_with_roster_policy_and_times(
    graded_class: GradedClass, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    finished = finish_class(
        out,
        graded_class.reports,
        max_score=22,
        roster=read_roster(data_dir / "roster.csv"),
        policy=load_policy(data_dir / "policy.yaml"),
        times=read_times(data_dir / "times.csv"),
    )
    rows = _gradebook(out)
    assert list(rows) == ["ada", "ben", "cai", "dee", "eve", "fay", "gus", "hal", "zed"]
    assert rows["hal"]["status"] == "missing" and rows["hal"]["final_score"] == "0"
    assert (rows["zed"]["status"], rows["zed"]["roster"]) == ("graded", "unmatched")
    assert rows["zed"]["final_score"] == "22" and rows["ada"]["roster"] == "listed"
    ben = rows["ben"]
    assert (ben["raw_score"], ben["late_penalty"], ben["final_score"]) == ("11", "4.4", "6.6")
    assert (ben["submitted_at"], ben["time_source"]) == ("2026-12-03T09:00:00+01:00", "times.csv")
    assert ben["late"] == "2 days late (-4.4 points)"
    assert rows["dee"]["late"] == "on time"  # her extension
    assert rows["eve"]["late"] == "within the grace period"
    assert rows["gus"]["time_source"] == "none"
    assert rows["gus"]["late"] == "no submission time: no penalty applied"
    assert finished.missing == ("hal",) and finished.unmatched == ("zed",)
    assert finished.changed is None and (out / "changes.csv").read_bytes() == b""
    assert (out / "class-report.html").is_file()
    assert "Missing (on the roster, no submission): hal" in finished.summary()


def test_a_regrade_writes_changes_and_an_empty_file_when_nothing_changed(
    graded_class: GradedClass, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    finish_class(out, graded_class.reports, max_score=22)
    again = finish_class(out, graded_class.reports, max_score=22)
    assert again.changed == 0
    assert (out / "changes.csv").read_bytes() == b""
    assert "Regrade: no score changed (changes.csv is empty)" in again.summary()

    fixed = copy.deepcopy(graded_class.reports)  # a fixed test gives ben his sigmoid points
    sigmoid = next(item for item in fixed["ben"]["exercises"] if item["id"] == "sigmoid")
    old = sigmoid["score"]
    sigmoid["score"] = sigmoid["max_score"]
    for report in fixed.values():  # and a new quiz appears for everyone
        report["exercises"].append({"id": "new_quiz", "score": 0, "max_score": 1})
    later = finish_class(out, fixed, max_score=22)
    lines = (out / "changes.csv").read_text().splitlines()
    assert lines[0] == "student,item,old_score,new_score"
    assert f"ben,sigmoid,{old},{sigmoid['max_score']}" in lines
    assert "ada,new_quiz,,0" in lines
    assert later.changed == len(lines) - 1 == len(fixed) + 1
    # A student graded for the first time is a new submission, not a change.
    fixed["new_student"] = fixed["ada"]
    finish_class(out, fixed, max_score=22)
    assert (out / "changes.csv").read_bytes() == b""
    scores = json.loads((out / "scores.json").read_text())
    assert scores["ben"]["sigmoid"] == sigmoid["max_score"]


def test_changes_compare_item_scores() -> None:
    found = changes({"a": {"x": 1, "y": 2}}, {"a": {"x": 1, "y": 3}, "b": {"x": 0}})
    assert found == [Change("a", "y", 2, 3), Change("b", "x", None, 0)]
    assert render_changes_csv([]) == ""
    assert render_changes_csv(found) == (
        "student,item,old_score,new_score\r\na,y,2,3\r\nb,x,,0\r\n"
    )

"""`grade batch` and `grade merge` end to end, through real processes."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from .conftest import (
    FILES,
    GRADE,
    SLOW_RELU,
    SOLUTIONS,
    grade_batch,
    make_class,
    outputs,
    rows,
    timeless,
)

EXPECTED_STATUS = {
    "ada": "graded",
    "bob": "graded",
    "cy": "graded",
    "dee": "graded",
    "eve": "graded",
    "fay": "graded",
    "gus": "unreadable",
    "hal": "timed out",
    "ivy": "graded",
    "jon": "graded",
    "kim": "unreadable",
    "lee": "unreadable",
    "max": "unreadable",
    "ned": "unreadable",
    "ola": "unreadable",
    "pam": "unreadable",
    "quin": "unreadable",
    "rex": "unreadable",
}


def _csv(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text("utf-8"))))


def test_every_student_has_exactly_one_status(graded_class) -> None:
    _, out, _ = graded_class
    table = _csv(out)
    assert {row["student"]: row["status"] for row in table} == EXPECTED_STATUS
    header = (out / "gradebook.csv").read_text("utf-8").splitlines()[0].split(",")
    assert header[:4] == ["student", "status", "score", "max_score"]
    assert header[4:7] == ["weighted_sum", "tumour_probability", "neuron"]  # course order
    ada = next(row for row in table if row["student"] == "ada")
    assert int(ada["relu"]) == int(ada["sigmoid"]) > 0 and ada["relu_output"] == "1"


def test_hostile_archives_say_why(graded_class) -> None:
    _, out, text = graded_class
    with open(out / "attention.csv", encoding="utf-8") as table:
        why = {r["student"]: r["message"] for r in csv.DictReader(table)}
    assert "outside the archive" in why["kim"]
    assert "absolute" in why["lee"]
    assert "link" in why["max"] and "link" in why["ned"]
    assert "device" in why["ola"]
    assert "bomb" in why["pam"] and "bomb" in why["quin"]
    assert "none of the course's files" in why["gus"]
    assert "budget" in why["hal"]
    assert "Need attention (10" in text


def test_nothing_written_outside_out(graded_class, tmp_path) -> None:
    submissions, out, _ = graded_class
    assert not (submissions.parent / "escaped.py").exists()
    assert not Path("/tmp/absolute-escape.py").exists()
    assert sorted(p.name for p in submissions.parent.iterdir()) == ["out", "submissions"]
    assert not (out / ".work").exists()
    # The submissions are untouched: still just what make_class wrote.
    fresh = make_class(tmp_path / "again")
    assert outputs(submissions).keys() == outputs(fresh).keys()


def test_reports_match_grade_check_exactly(graded_class, tmp_path) -> None:
    submissions, out, _ = graded_class
    for student in ("ada", "bob", "cy", "eve", "fay", "ivy", "jon"):
        folder = submissions / student
        if not folder.is_dir():  # an archive: check the same files unpacked
            folder = tmp_path / student
            folder.mkdir()
            if (submissions / f"{student}.zip").exists():
                zipfile.ZipFile(submissions / f"{student}.zip").extractall(folder)
                folder = next(folder.iterdir())
            else:
                subprocess.run(
                    ["tar", "-xzf", str(submissions / f"{student}.tar.gz"), "-C", str(folder)],
                    check=True,
                )
        done = subprocess.run(
            [*GRADE, "check", "--format", "json", "-w", str(folder)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        graded = (out / "reports" / f"{student}.json").read_text("utf-8")
        assert timeless(done.stdout) == timeless(graded), student
        report = json.loads(done.stdout)
        assert (out / "reports" / f"{student}.md").read_text("utf-8").strip()
        db = sqlite3.connect(out / "gradebook.sqlite")
        (score,) = db.execute("SELECT score FROM students WHERE student = ?", (student,)).fetchone()
        items = dict(
            db.execute("SELECT item, score FROM item_scores WHERE student = ?", (student,))
        )
        db.close()
        assert score == report["score"]
        assert items == {item["id"]: item["score"] for item in report["exercises"]}


def test_plain_progress_lines_when_not_a_terminal(graded_class) -> None:
    _, _, text = graded_class
    assert "batch: 18/18 (100%)" in text
    assert "\r" not in text
    assert "submissions/s" in text


def test_unchanged_class_is_not_graded_again(graded_class) -> None:
    submissions, out, _ = graded_class
    before, files = rows(out), outputs(out)
    done = grade_batch("batch", str(submissions), "--out", str(out), "--jobs", "1", cwd=out.parent)
    assert done.returncode == 0, done.stderr
    assert "18 unchanged" in done.stdout
    assert rows(out) == before
    assert outputs(out) == files


def test_kill_minus_nine_then_resume_equals_one_run(
    graded_class, tmp_path, searchable_tmp_path
) -> None:
    _, reference, _ = graded_class
    submissions = make_class(tmp_path / "submissions", hanging=False)
    out = tmp_path / "out"
    command = [*GRADE, "batch", str(submissions), "--out", str(out), "--jobs", "1"]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=dict(os.environ, TMPDIR=str(searchable_tmp_path)),  # where its workers' folders stay
    )
    deadline = time.monotonic() + 300
    committed: dict = {}
    while time.monotonic() < deadline and process.poll() is None:
        try:
            committed = {k: v for k, v in rows(out).items() if v[0] == "graded"}
        except sqlite3.Error:
            committed = {}
        if committed:
            break
        time.sleep(0.005)
    assert process.poll() is None, "the batch finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    survived = rows(out)
    assert len(survived) < 17  # it really was interrupted
    done = grade_batch(*command[len(GRADE) :], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    after = rows(out)
    for student, row in survived.items():  # nothing lost, nothing graded twice
        assert after[student] == row
    expected = {k: v for k, v in outputs(reference).items() if "hal" not in k}
    for name in ("gradebook.csv", "attention.csv"):  # this class has no hanging student
        lines = expected[name].splitlines(keepends=True)
        expected[name] = b"".join(line for line in lines if not line.startswith(b"hal,"))
    got = outputs(out)
    # The reference class also has the hanging student, who is in every part of its class
    # report; the class report is compared whole by the rerun and shard tests instead.
    del expected["class-report.html"]
    assert ">hal<" not in got.pop("class-report.html").decode()
    assert got == expected


def test_two_shards_merged_equal_one_run(graded_class, tmp_path) -> None:
    submissions, reference, _ = graded_class
    for shard in ("1/2", "2/2"):
        done = grade_batch(
            "batch",
            str(submissions),
            "--out",
            str(tmp_path / shard[0]),
            "--shard",
            shard,
            "--jobs",
            "2",
            "--budget",
            "4",
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
    one, two = rows(tmp_path / "1"), rows(tmp_path / "2")
    assert one and two and not set(one) & set(two)
    merged = tmp_path / "merged"
    for _ in range(2):  # idempotent
        done = grade_batch(
            "merge", str(tmp_path / "1"), str(tmp_path / "2"), "--out", str(merged), cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert outputs(merged) == outputs(reference)


def test_shard_from_gitlab_environment(tmp_path) -> None:
    submissions = tmp_path / "s"
    submissions.mkdir()
    env = dict(os.environ, CI_NODE_INDEX="3", CI_NODE_TOTAL="2")
    done = subprocess.run(
        [*GRADE, "batch", str(submissions), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "3/2" in done.stderr and "GitLab" in done.stderr


def test_a_hanging_module_loses_one_call_and_the_others_go_on(tmp_path) -> None:
    """As with `grade check`: one timed-out call per module, its other checks say why not run."""
    student = tmp_path / "s" / "hang"
    student.mkdir(parents=True)
    (student / "relu.py").write_text("def relu(x):\n    while True:\n        pass\n")
    (student / "sigmoid.py").write_text("import math\n\ndef sigmoid(z):\n    return 0.5\n")
    started = time.monotonic()
    done = grade_batch(
        "batch", "s", "--out", "o", "--jobs", "1", "--call-timeout", "0.4", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 60
    report = json.loads((tmp_path / "o" / "reports" / "hang.json").read_text())
    relu = next(item for item in report["exercises"] if item["id"] == "relu")
    messages = [test["message"] for test in relu["tests"]]
    assert "did not return within 0.4 s" in messages[0]
    assert messages[1:] and all(" was not run: " in m and "relu.py" in m for m in messages[1:])
    sigmoid = next(item for item in report["exercises"] if item["id"] == "sigmoid")
    assert all("not run" not in test["message"] for test in sigmoid["tests"])
    assert sigmoid["status"] == "failed"  # graded: 0.5 is right at 0 only


@pytest.mark.parametrize("backend", ["linux", "portable"])
def test_a_timed_out_submission_leaves_no_copy_behind(
    tmp_path, searchable_tmp_path, backend
) -> None:
    """A worker killed for its budget cannot remove its copy of the submission: the pool does."""
    good = tmp_path / "s" / "ada"
    good.mkdir(parents=True)
    for name in FILES:
        shutil.copy(SOLUTIONS / name, good / name)
    slow = tmp_path / "s" / "hal"
    slow.mkdir()
    (slow / "relu.py").write_text(SLOW_RELU)
    environment = {"TMPDIR": str(searchable_tmp_path), "GRADE_SANDBOX": backend}
    done = grade_batch(
        "batch", "s", "--out", "o", "--jobs", "1", "--budget", "4", cwd=tmp_path, env=environment
    )
    assert done.returncode == 0, done.stderr
    graded = {row["student"]: row for row in _csv(tmp_path / "o")}
    assert graded["hal"]["status"] == "timed out"
    # The workers read their copies below the pool's folders: every file of ada's scored.
    assert graded["ada"]["status"] == "graded"
    assert all(int(graded["ada"][column]) > 0 for column in ("weighted_sum", "sigmoid", "relu"))
    assert sorted(p.name for p in searchable_tmp_path.iterdir()) == []

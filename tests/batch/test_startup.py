"""`grade batch` starts its workers before it reads the course, for a fresh OUT only."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

from grader.classroom.gradebook import FILE_NAME
from grader.classroom.runner import Pool, Task
from grader.classroom.startup import WORK_DIR, early_workers, publish_course, worker_pool
from grader.classroom.worker import SAVED_COURSE
from grader.course.load import load_course

from .conftest import grade_batch

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "tests" / "fixture_course"


def _class(folder: Path) -> Path:
    (folder / "ada").mkdir(parents=True)
    (folder / "ada" / "relu.py").write_text("def relu(x):\n    return max(x, 0)\n")
    return folder


def _early(submissions: Path, out: Path, force: bool = False):
    return early_workers(submissions, out, 2, 1.0, 10.0, force, COURSE)


def test_workers_start_early_for_a_fresh_out_and_are_stopped_however_it_ends(
    tmp_path: Path,
) -> None:
    submissions, out = _class(tmp_path / "s"), tmp_path / "o"
    with _early(submissions, out) as pool:
        assert isinstance(pool, Pool) and len(pool.workers) == 2
        assert (out / WORK_DIR).is_dir()
        processes = [worker.process for worker in pool.workers]
    assert all(process.poll() is not None for process in processes)  # killed, and reaped
    assert not out.exists()  # made for the workers only: nothing was written there


def test_no_early_workers_where_the_class_may_need_none_or_the_folders_are_wrong(
    tmp_path: Path,
) -> None:
    submissions, out = _class(tmp_path / "s"), tmp_path / "o"
    out.mkdir()
    (out / FILE_NAME).write_bytes(b"")  # an earlier run: perhaps nothing changed since
    with _early(submissions, out) as pool:
        assert pool is None
    with _early(submissions, out, force=True) as pool:  # everything is graded again
        assert isinstance(pool, Pool)
    assert sorted(path.name for path in out.iterdir()) == [FILE_NAME]
    (tmp_path / "empty").mkdir()
    with _early(tmp_path / "empty", tmp_path / "o2") as pool:
        assert pool is None
    with _early(submissions, submissions / "out") as pool:  # OUT inside the class
        assert pool is None
    assert not (tmp_path / "o2").exists() and not (submissions / "out").exists()


def test_a_worker_started_early_waits_for_the_course_the_parent_saves(tmp_path: Path) -> None:
    course = load_course(COURSE)
    relu = next(item for item in course.items if item.id == "relu")
    renamed = dataclasses.replace(relu, title="ReLU, as the parent loaded it")
    items = tuple(renamed if item is relu else item for item in course.items)
    submissions = _class(tmp_path / "s")
    pool = Pool(1, COURSE, call_timeout=5.0, budget=60.0, shared=tmp_path)
    try:
        pool.submit(Task(1, submissions / "ada", ("relu",)))
        time.sleep(0.5)  # the worker is up and looking for the course: not there yet
        publish_course(tmp_path, dataclasses.replace(course, items=items))
        deadline, outcomes = time.monotonic() + 120, []
        while not outcomes and time.monotonic() < deadline:
            outcomes = pool.wait(0.5)
    finally:
        pool.close(kill=True)
    [graded] = outcomes
    assert graded.items is not None and graded.items[0]["title"] == renamed.title


def test_a_course_that_cannot_be_saved_is_loaded_by_the_workers_at_once(tmp_path: Path) -> None:
    (tmp_path / SAVED_COURSE).write_bytes(b"")  # what publish_course leaves when save fails
    submissions = _class(tmp_path / "s")
    pool = Pool(1, COURSE, call_timeout=5.0, budget=60.0, shared=tmp_path)
    try:
        pool.submit(Task(1, submissions / "ada", ("relu",)))
        deadline, outcomes = time.monotonic() + 20, []  # far less than the wait for a course
        while not outcomes and time.monotonic() < deadline:
            outcomes = pool.wait(0.5)
    finally:
        pool.close(kill=True)
    [graded] = outcomes
    assert graded.items is not None and graded.items[0]["title"] == "ReLU, the modern default"


def test_a_course_with_problems_stops_the_run_and_its_early_workers(tmp_path: Path) -> None:
    course = tmp_path / "course"
    shutil.copytree(COURSE, course)
    broken = next(course.glob("*/exercise.yaml"))
    broken.write_text(broken.read_text() + "\npoints: -3\n")
    _class(tmp_path / "s")
    started = time.monotonic()
    env = {"GRADE_COURSE_DIR": str(course)}
    done = grade_batch("batch", "s", "--out", "o", cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stderr
    assert "points" in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 25  # its workers did not keep it waiting for a course
    assert not (tmp_path / "o").exists()


def test_the_workers_get_the_course_folder_as_an_absolute_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(COURSE.parent)  # GRADE_COURSE_DIR=fixture_course, say: relative
    work = tmp_path / "o" / WORK_DIR
    work.mkdir(parents=True)
    pool = worker_pool(1, Path(COURSE.name), 1.0, 10.0, work)
    try:
        assert pool.course_dir == COURSE  # they run in OUT, where the relative path misses
    finally:
        pool.close(kill=True)

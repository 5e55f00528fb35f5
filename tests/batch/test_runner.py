"""The pool of warm batch workers, through real worker processes: a lost worker, a broken start."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from pathlib import Path

import pytest

from grader.classroom.runner import Outcome, Pool, RunnerError, Task
from grader.classroom.worker import KNOWN_WRONG_DIR, SAVED_COURSE
from grader.course.cache import save
from grader.course.load import load_course

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "tests" / "fixture_course"


def _wait_for(pool: Pool, count: int, seconds: float = 120.0) -> list[Outcome]:
    """Collect `count` outcomes from the pool (or fail after `seconds`)."""
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + seconds
    while len(outcomes) < count and time.monotonic() < deadline:
        outcomes += pool.wait(0.5)
    assert len(outcomes) == count, f"only {len(outcomes)} of {count} tasks ended"
    return outcomes


def test_a_worker_killed_mid_task_costs_that_task_only(tmp_path: Path) -> None:
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "relu.py").write_text("def relu(x):\n    while True:\n        pass\n")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "relu.py").write_text((ROOT / "solutions" / "relu.py").read_text())
    pool = Pool(1, COURSE, call_timeout=5.0, budget=60.0)
    try:
        pool.submit(Task(1, tmp_path / "ada", ("relu",)))
        while not pool.workers[0].ready:  # the task is sent; its budget starts once warm
            assert pool.wait(0.2) == []
        time.sleep(0.3)  # well into the hanging call
        os.killpg(pool.workers[0].process.pid, signal.SIGKILL)
        [lost] = _wait_for(pool, 1)
        assert lost.status == "error" and "ended unexpectedly" in lost.message
        assert pool.restarts == 1 and pool.busy() == 0
        pool.submit(Task(2, tmp_path / "bob", ("relu",)))
        [graded] = _wait_for(pool, 1)
        assert graded.status == "graded" and graded.task.number == 2
        assert graded.items is not None and graded.items[0]["score"] == graded.items[0]["max_score"]
    finally:
        pool.close(kill=True)


def test_a_task_waiting_behind_a_timed_out_one_is_graded_on_its_own_budget(
    tmp_path: Path,
) -> None:
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "relu.py").write_text("def relu(x):\n    while True:\n        pass\n")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "relu.py").write_text((ROOT / "solutions" / "relu.py").read_text())
    pool = Pool(1, COURSE, call_timeout=30.0, budget=2.0)
    try:
        assert pool.idle() == 2  # the one it grades, and the next waiting in its pipe
        pool.submit(Task(1, tmp_path / "ada", ("relu",)))
        pool.submit(Task(2, tmp_path / "bob", ("relu",)))
        assert pool.idle() == 0 and pool.busy() == 2
        with pytest.raises(RunnerError):
            pool.submit(Task(3, tmp_path / "bob", ("relu",)))
        outcomes = {outcome.task.number: outcome for outcome in _wait_for(pool, 2)}
    finally:
        pool.close(kill=True)
    assert outcomes[1].status == "timed out" and "2 s budget" in outcomes[1].message
    # bob waited 2 s behind ada: his own budget started when his worker began him
    assert outcomes[2].status == "graded", outcomes[2].message
    assert outcomes[2].items is not None
    assert outcomes[2].items[0]["score"] == outcomes[2].items[0]["max_score"]
    assert pool.restarts == 1


def test_a_task_waiting_behind_a_lost_worker_goes_to_its_replacement(tmp_path: Path) -> None:
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "relu.py").write_text("def relu(x):\n    while True:\n        pass\n")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "relu.py").write_text((ROOT / "solutions" / "relu.py").read_text())
    pool = Pool(1, COURSE, call_timeout=30.0, budget=60.0)
    try:
        pool.submit(Task(1, tmp_path / "ada", ("relu",)))
        pool.submit(Task(2, tmp_path / "bob", ("relu",)))
        while not pool.workers[0].ready:
            assert pool.wait(0.2) == []
        time.sleep(0.3)  # well into ada's hanging call
        os.killpg(pool.workers[0].process.pid, signal.SIGKILL)
        outcomes = {outcome.task.number: outcome for outcome in _wait_for(pool, 2)}
    finally:
        pool.close(kill=True)
    assert outcomes[1].status == "error" and "ended unexpectedly" in outcomes[1].message
    assert outcomes[2].status == "graded", outcomes[2].message
    assert pool.restarts == 1


def test_workers_that_cannot_start_stop_the_run_with_their_last_words(tmp_path: Path) -> None:
    pool = Pool(1, tmp_path / "no-such-course", call_timeout=1.0, budget=10.0)
    try:
        with pytest.raises(RunnerError) as raised:
            _wait_for(pool, 1, seconds=120.0)
        message = str(raised.value)
        assert message.startswith("the grading worker could not start: ended unexpectedly")
        assert "no-such-course" in message  # the worker's own stderr says what was wrong
    finally:
        pool.close(kill=True)


@pytest.mark.parametrize("readable", [True, False])
def test_workers_read_the_course_the_parent_saved_and_share_known_wrong_results(
    tmp_path: Path, readable: bool
) -> None:
    course = load_course(COURSE)
    relu = next(item for item in course.items if item.id == "relu")
    renamed = dataclasses.replace(relu, title="ReLU, as the parent loaded it")
    items = tuple(renamed if item is relu else item for item in course.items)
    saved_course = tmp_path / SAVED_COURSE
    assert save(saved_course, dataclasses.replace(course, items=items))
    if not readable:
        saved_course.write_text("{not json", encoding="utf-8")  # loaded from the YAML instead
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "relu.py").write_text("def relu(x):\n    return max(x, 0)\n")  # known
    pool = Pool(1, COURSE, call_timeout=5.0, budget=60.0, shared=tmp_path)
    try:
        pool.submit(Task(1, tmp_path / "ada", ("relu",)))
        [graded] = _wait_for(pool, 1)
    finally:
        pool.close(kill=True)
    assert graded.items is not None
    assert graded.items[0]["title"] == (renamed.title if readable else relu.title)
    assert graded.items[0]["diagnosis"][0] == "python_max"  # [id, title, feedback]
    assert len(list((tmp_path / KNOWN_WRONG_DIR).glob("*.json"))) == 1  # for the next worker


def _cpus_of(pid: int) -> set[int]:
    return os.sched_getaffinity(pid)


def _children(pid: int) -> list[int]:
    found = []
    for thread in Path(f"/proc/{pid}/task").iterdir():  # a child belongs to the thread that made it
        found += [int(child) for child in (thread / "children").read_text().split()]
    return found


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux and two usable CPUs",
)
def test_each_worker_and_its_sandbox_keep_to_a_cpu_of_their_own(tmp_path: Path) -> None:
    usable = os.sched_getaffinity(0)
    pool = Pool(2, COURSE, call_timeout=5.0, budget=60.0)
    try:
        while not all(worker.ready for worker in pool.workers):
            assert pool.wait(0.2) == []
        kept = [_cpus_of(worker.process.pid) for worker in pool.workers]
        assert all(len(cpus) == 1 and cpus <= usable for cpus in kept)
        assert kept[0] != kept[1]  # spread, not stacked
        for worker, cpus in zip(pool.workers, kept, strict=True):
            sandbox = _children(worker.process.pid)  # the zygote, started after the pinning
            assert sandbox and all(_cpus_of(child) == cpus for child in sandbox)
        first = pool.workers[0]
        freed = _cpus_of(first.process.pid)
        pool._replace(first, [])  # as after a timed-out task: the new worker takes the freed CPU
        while not all(worker.ready for worker in pool.workers):
            assert pool.wait(0.2) == []
        assert _cpus_of(pool.workers[-1].process.pid) == freed
    finally:
        pool.close(kill=True)


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux and two usable CPUs",
)
def test_workers_are_not_kept_to_a_cpu_when_the_run_uses_only_some_of_them() -> None:
    usable = os.sched_getaffinity(0)
    pool = Pool(1, COURSE, call_timeout=5.0, budget=60.0)
    try:
        while not pool.workers[0].ready:
            assert pool.wait(0.2) == []
        assert _cpus_of(pool.workers[0].process.pid) == usable  # free to go where it is idle
    finally:
        pool.close(kill=True)

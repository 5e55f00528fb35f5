"""A pool of warm batch workers with a wall-clock budget per submission.

Each worker is `python -m grader.classroom.worker`, one Grader collected once, graded one task
at a time. A worker holds up to two tasks: the one it grades, and the next, waiting in its
pipe, so it goes on at once instead of waiting for this busy process to read its result and
send another. A task's budget starts when its worker begins it (the previous task's result
came, or the worker became ready). A task over its budget gets `timed out`: its worker's whole
process group is killed (its sandbox goes with it) and a fresh worker takes its place, with
the task that waited behind it; the rest of the batch goes on.
Only what every OS has: pipes read by one thread each (Windows cannot wait on pipes with
select), and on Windows a killed worker takes its sandbox children with it through their
kill-on-close Job Objects (grader/sandbox/winjob.py). Each worker's TMPDIR is a folder of its
own, removed once the worker is stopped or killed: a killed worker cannot remove the copies
of the submissions it was grading, so this does.

Where the OS lets a process choose its CPUs (Linux) and the run has a worker for each CPU it
may use (or more), each worker is kept on one of them, spread evenly (`WORKER_CPU`): a
worker and its sandbox take turns (a request, then its reply), so on one CPU each turn is a
local wake-up instead of a cross-CPU one, and the pair never competes with the other
workers' pairs for a core.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from grader.classroom.cpus import usable_cpus
from grader.classroom.worker import WORKER_CPU
from grader.sandbox.copy import make_temp_dir

_READY_TIMEOUT = 120.0  # python + numpy + pytest collection on a very busy machine
_MAX_LINE = 64 << 20
_MAX_START_FAILURES = 3
_STDERR_TAIL = 4000
_END_GRACE = 1.0  # how long a lost worker's exit and last words may take to arrive
_DEPTH = 2  # tasks a worker holds: the one it grades and the next, waiting in its pipe


class RunnerError(Exception):
    """Raise when workers cannot start at all: the grader itself cannot run."""


@dataclass
class Task:
    """One submission to grade in a worker."""

    number: int
    folder: Path
    only: tuple[str, ...]
    payload: Any = None  # the caller's own data, handed back with the outcome


@dataclass
class Outcome:
    """How a task ended: `items` (plain data) when graded, else a status and message."""

    task: Task
    items: list[dict] | None = None
    status: str = "graded"
    message: str = ""
    alone: frozenset[str] = frozenset()  # exercises graded with no other student file beside


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    started: float
    temp_dir: str  # its TMPDIR, where its submissions' copies go ("": the inherited one)
    cpu: int | None = None  # the CPU it keeps to, if any
    ready: bool = False
    tasks: deque[Task] = field(default_factory=deque)  # sent, in order: it grades the first
    begun: float = 0.0  # when it began the first (once ready): that task's budget starts
    buffer: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)  # its tail, kept by its reader
    stderr_ended: threading.Event = field(default_factory=threading.Event)


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    """Return a worker's pipe (every one is opened with PIPE, so never None)."""
    if stream is None:
        raise RunnerError("a grading worker has no pipe")
    return stream


def _private_temp_dir() -> str:
    """Make a worker's own temporary folder (anyone may search it); "" if none can be made."""
    try:
        return make_temp_dir()
    except OSError:
        return ""  # the worker's copies go to the usual folder, and only the sweep bounds them


def _remove(temp_dir: str) -> None:
    """Remove a worker's temporary folder, the copies of the submissions it was grading too."""
    if temp_dir:
        shutil.rmtree(temp_dir, ignore_errors=True)


class Pool:
    """Run tasks on `jobs` warm workers."""

    def __init__(
        self,
        jobs: int,
        course_dir: Path,
        call_timeout: float,
        budget: float,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        shared: Path | None = None,
    ) -> None:
        self.jobs = jobs
        self.shared = shared  # the parent's folder for what the workers share (worker.py)
        self.cwd = cwd
        self.course_dir = course_dir
        self.call_timeout = call_timeout
        self.budget = budget
        self.env = env
        # What the workers' stdout brought: (worker, chunk, when it came), b"" at its end.
        self.events: queue.SimpleQueue[tuple[_Worker, bytes, float]] = queue.SimpleQueue()
        self.workers: list[_Worker] = []
        self.start_failures = 0
        self.restarts = 0
        # The first ready worker's report `sandbox` object (None if its sandbox cannot run).
        self.sandbox: dict[str, Any] | None = None
        self.sandbox_known = False
        usable = usable_cpus()
        # Kept to CPUs only when the run uses every CPU it may (else, on a share of a bigger
        # machine, pinned workers could not move away from the other work there).
        self.cpus = usable if jobs >= len(usable) else []
        for _ in range(jobs):
            self._start()

    # -- public --------------------------------------------------------------------------

    def idle(self) -> int:
        """Return how many more tasks the workers can take now."""
        return sum(_DEPTH - len(w.tasks) for w in self.workers)

    def busy(self) -> int:
        """Return how many tasks are in flight."""
        return sum(len(w.tasks) for w in self.workers)

    def submit(self, task: Task) -> None:
        """Give a task to the worker holding the fewest (one with room: see `idle`)."""
        worker = min(self.workers, key=lambda w: len(w.tasks))
        if len(worker.tasks) >= _DEPTH:
            raise RunnerError("no grading worker has room for another task")
        self._send(worker, task)

    def _send(self, worker: _Worker, task: Task) -> None:
        if not worker.tasks:
            worker.begun = time.monotonic()
        worker.tasks.append(task)
        line = json.dumps({"task": task.number, "folder": str(task.folder), "only": task.only})
        try:
            stdin = _pipe(worker.process.stdin)
            stdin.write((line + "\n").encode())
            stdin.flush()
        except OSError:
            pass  # the worker died; its end is noticed by wait()

    def wait(self, timeout: float) -> list[Outcome]:
        """Wait up to `timeout` seconds; return the tasks that ended meanwhile."""
        done: list[Outcome] = []
        now = time.monotonic()
        deadlines = [d for w in self.workers if (d := self._deadline(w)) is not None]
        wait = max(0.0, min([timeout, *(d - now for d in deadlines)]))
        try:
            events = [self.events.get(timeout=wait)]
            while not self.events.empty():  # all that came meanwhile, without waiting again
                events.append(self.events.get_nowait())
        except queue.Empty:
            events = []
        for worker, chunk, when in events:
            if worker not in self.workers:
                continue  # stopped or replaced: what it still said does not count
            if not chunk:
                done.extend(self._lost(worker, ended=True))
                continue
            worker.buffer += chunk
            if len(worker.buffer) > _MAX_LINE:
                done.extend(self._lost(worker))
                continue
            while b"\n" in worker.buffer and worker in self.workers:
                line, _, rest = bytes(worker.buffer).partition(b"\n")
                worker.buffer = bytearray(rest)
                done.extend(self._message(worker, line, when))
        now = time.monotonic()
        for worker in list(self.workers):
            deadline = self._deadline(worker)
            if deadline is not None and now >= deadline:
                done.extend(self._expired(worker))
        return done

    def release(self) -> None:
        """Tell every idle worker to end (its stdin closed), without waiting for it: workers
        end side by side, and while the caller goes on. `close` then waits for them."""
        for worker in self.workers:
            if not worker.tasks:
                try:
                    _pipe(worker.process.stdin).close()
                except OSError:
                    pass

    def close(self, kill: bool = False) -> None:
        """Stop every worker: let idle ones finish, or (`kill`) kill them all at once."""
        if not kill:
            self.release()
        for worker in list(self.workers):
            self._stop(worker, kill=kill or bool(worker.tasks))

    # -- internals -----------------------------------------------------------------------

    def _deadline(self, worker: _Worker) -> float | None:
        if not worker.ready:
            return worker.started + _READY_TIMEOUT
        if worker.tasks:
            return worker.begun + self.budget
        return None

    def _start(self) -> None:
        temp_dir = _private_temp_dir()
        env = dict(os.environ if self.env is None else self.env)
        if temp_dir:
            env["TMPDIR"] = temp_dir
        cpu = self._least_used_cpu()
        if cpu is not None:
            env[WORKER_CPU] = str(cpu)
        try:
            process = self._spawn(env)
        except BaseException:
            _remove(temp_dir)
            raise
        worker = _Worker(process, time.monotonic(), temp_dir, cpu)
        self.workers.append(worker)
        for reader in (self._read_stdout, self._read_stderr):
            threading.Thread(target=reader, args=(worker,), daemon=True).start()

    def _least_used_cpu(self) -> int | None:
        """Return the usable CPU with the fewest workers kept to it (the lowest on a tie)."""
        if not self.cpus:
            return None
        used = [w.cpu for w in self.workers]
        return min(self.cpus, key=used.count)

    # Each pipe is read by its own thread (Windows cannot select() on pipes), and only that
    # thread closes it: closed under a blocked read, its fd number could be reused by a new
    # worker's pipe and read there by mistake.

    def _read_stdout(self, worker: _Worker) -> None:
        """Queue what a worker's protocol pipe brings, then b"" at its end."""
        stream = _pipe(worker.process.stdout)
        try:
            while chunk := os.read(stream.fileno(), 1 << 16):
                self.events.put((worker, chunk, time.monotonic()))
        except OSError:
            pass
        self.events.put((worker, b"", time.monotonic()))
        stream.close()

    def _read_stderr(self, worker: _Worker) -> None:
        """Keep the tail of what a worker wrote to stderr (why it failed, if it does)."""
        stream = _pipe(worker.process.stderr)
        try:
            while chunk := os.read(stream.fileno(), 1 << 16):
                worker.stderr = (worker.stderr + chunk)[-_STDERR_TAIL:]
        except OSError:
            pass
        worker.stderr_ended.set()
        stream.close()

    def _spawn(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-P",  # never import from the current folder (it may hold submissions)
                "-m",
                "grader.classroom.worker",
                str(self.course_dir),
                str(self.call_timeout),
                *([str(self.shared)] if self.shared else []),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",  # its own group: killed as one (killpg)
            env=env,
            cwd=self.cwd,
        )

    def _stop(self, worker: _Worker, kill: bool) -> None:
        self.workers.remove(worker)
        stdin = _pipe(worker.process.stdin)
        if not kill:
            try:
                stdin.close()
                worker.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                kill = True
        if kill:
            _kill_tree(worker.process)
            worker.process.wait()
        try:
            stdin.close()
        except OSError:
            pass
        _remove(worker.temp_dir)

    def _replace(self, worker: _Worker, waiting: list[Task]) -> None:
        """Stop a worker and start a fresh one, sent the tasks that waited behind its own."""
        self._stop(worker, kill=True)
        self.restarts += 1
        self._start()
        for task in waiting:
            self._send(self.workers[-1], task)

    def _message(self, worker: _Worker, line: bytes, when: float) -> list[Outcome]:
        try:
            message = json.loads(line)
        except ValueError:
            return self._lost(worker)
        if message.get("ready") is True:
            worker.ready = True
            if not self.sandbox_known:
                self.sandbox, self.sandbox_known = message.get("sandbox"), True
            self.start_failures = 0
            worker.begun = when  # a budget starts once the grader is warm
            return []
        if not worker.tasks or message.get("task") != worker.tasks[0].number:
            return self._lost(worker)
        task = worker.tasks.popleft()
        worker.begun = when  # the next one began as this result was sent
        alone = message.get("alone")
        ids = frozenset(i for i in alone if isinstance(i, str)) if isinstance(alone, list) else ()
        return [Outcome(task, items=message.get("items") or [], alone=frozenset(ids))]

    def _expired(self, worker: _Worker) -> list[Outcome]:
        if not worker.ready or not worker.tasks:
            return self._lost(worker, "did not start in time")
        task, *waiting = worker.tasks
        self._replace(worker, waiting)
        return [
            Outcome(
                task,
                status="timed out",
                message=f"grading took longer than the {self.budget:g} s budget",
            )
        ]

    def _lost(self, worker: _Worker, why: str = "", ended: bool = False) -> list[Outcome]:
        """Replace a worker that died or broke the protocol: its task (if it had begun one)
        ends in `error`; the tasks that had not begun go to its replacement."""
        tasks = list(worker.tasks)
        task = tasks.pop(0) if worker.ready and tasks else None
        if ended:  # its protocol pipe closed as it was dying: let it finish dying
            try:
                worker.process.wait(timeout=_END_GRACE)
            except subprocess.TimeoutExpired:
                why = why or "closed its protocol pipe"
        code = worker.process.poll()
        if code is None and not why:
            why = "sent a malformed message"
        if code is not None:  # it ended: its last words may still be on their way
            worker.stderr_ended.wait(_END_GRACE)
        tail = worker.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        reason = why or f"ended unexpectedly (exit status {code})"
        if tail:
            reason += f": {tail[0][:300]}"
        if not worker.ready:
            self.start_failures += 1
            if self.start_failures >= _MAX_START_FAILURES:
                self._stop(worker, kill=True)
                raise RunnerError(f"the grading worker could not start: {reason}")
        self._replace(worker, tasks)
        if task is None:
            return []
        return [Outcome(task, status="error", message=f"the grader's worker {reason}")]


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Kill a worker and its sandbox: its process group (POSIX) or the process (Windows).

    On Windows the worker's sandbox children sit in Job Objects that only the worker holds,
    created kill-on-close, so they end with it.
    """
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:
        pass

"""The portable backend: a plain child interpreter per submission, over pipes (any OS).

Built only on what every OS has: ``subprocess``, pipes and threads.  A submission gets a
fresh ``python -I -B child/__main__.py --pipes`` in a new session (POSIX) or a new process
group inside a Job Object (Windows); requests and replies travel as frames on its stdin and
stdout (moved to private fds by the child), and whatever student code prints goes to its
stderr, read here by a thread, capped, and cut per request at a marker the worker writes
after each reply.  Timeouts and budgets are enforced from outside by killing the process
tree.  Nothing confines what a worker may read, write or connect to: feedback, not a grade.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from typing import IO

from grader.sandbox import winjob
from grader.sandbox.codec import Malformed
from grader.sandbox.core import (
    _DEFAULT_LIMITS,
    CHILD_MAIN,
    Gone,
    Limits,
    Sandbox,
    SandboxError,
    Timeout,
    WorkerHandle,
    describe_end,
    load_json,
    strip_directory,
)
from grader.sandbox.output_tap import OutputTap

_START_TIMEOUT = 60.0  # a cold start of python + numpy on a busy machine
_OUTPUT_GRACE = 2.0  # wait for a request's output marker once its reply came (once lost: 0)
_HELLO_BYTES = 1 << 16
_BASE_MEMORY = 512 << 20  # the interpreter and numpy, on top of Limits.memory_bytes (Windows)


class PortableWorker(WorkerHandle):
    """Hold the trusted end of one child interpreter: its process, pipes and threads."""

    def __init__(self, proc: subprocess.Popen, job: object, limits: Limits, secret: str) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.job = job  # the Windows Job Object, or None
        self.reply_limit = max(limits.reply_bytes, _HELLO_BYTES)
        self.replies: queue.SimpleQueue[bytes | Exception] = queue.SimpleQueue()
        self.killed = False
        assert proc.stdout is not None
        assert proc.stderr is not None
        self.secret = secret  # the end marker's, sent with the worker's settings
        self.command: list[str] = []  # how it was started (a prestarted one is adopted if equal)
        self.job_bytes: int | None = None  # its Job Object's memory limit (Windows)
        self.tap = OutputTap(proc.stderr, limits.output_bytes, secret)
        self.output_wait = 0.0  # no output is expected until a request was sent
        threading.Thread(target=self._read_replies, args=(proc.stdout,), daemon=True).start()

    def _read_replies(self, stream: IO[bytes]) -> None:
        """Read frames from the worker; refuse a frame over the limit before reading it."""
        try:
            while True:
                head = stream.read(4)
                if len(head) < 4:
                    break
                size = int.from_bytes(head, "big")
                if size > self.reply_limit:
                    self.replies.put(Malformed("reply too large"))
                    return
                body = stream.read(size)
                if len(body) < size:
                    break
                self.replies.put(body)
        except (OSError, ValueError):
            pass
        self.replies.put(Gone())

    def receive(self, deadline: float) -> bytes:
        """Return the next reply frame before ``deadline``."""
        try:
            item = self.replies.get(timeout=max(deadline - time.monotonic(), 0.0))
        except queue.Empty:
            raise Timeout() from None
        if isinstance(item, Exception):
            self.replies.put(item)  # the end stays the end
            raise item
        return item

    def _write(self, data: bytes) -> None:
        """Write one frame to the worker's stdin (in a thread: a full pipe never blocks us)."""
        stdin = self.proc.stdin
        try:
            assert stdin is not None
            stdin.write(len(data).to_bytes(4, "big") + data)
            stdin.flush()
        except (OSError, ValueError, AssertionError):
            pass  # the worker is gone: its reader says so

    def send(self, data: bytes) -> None:
        """Send one frame without waiting for the worker to read it."""
        threading.Thread(target=self._write, args=(data,), daemon=True).start()

    def exchange(self, data: bytes, deadline: float, limit: int) -> bytes:
        """Send one request and return the raw reply."""
        self.tap.begin(self.seq)
        self.output_wait = 0.0 if self.tap.lost else _OUTPUT_GRACE
        self.send(data)
        return self.receive(deadline)

    def close(self) -> None:
        """Kill the worker and release everything it holds."""
        self.finish(0)
        self.close_output()

    def read_output(self, cap: int) -> str:
        """Return what the worker printed during the current request (at most ``cap`` bytes)."""
        kept, total = self.tap.take(self.output_wait)
        self.output_wait = 0.0
        text = strip_directory(kept[:cap].decode("utf-8", errors="replace"), self.directory)
        if total > cap:
            text += f"\n[output truncated: {total} bytes printed, {cap} shown]"
        return text

    def end_request(self) -> None:
        """Drop the current request's output."""
        self.tap.take(0.0)
        self.output_wait = 0.0

    def kill(self) -> None:
        """Kill the worker's whole process tree (its session or Job Object)."""
        if self.done:
            return
        self.killed = True
        if self.job is not None:
            winjob.terminate(self.job)
        elif self.proc.returncode is None and hasattr(os, "killpg"):  # no Job: POSIX only
            try:  # the worker leads its own session: its group id is its pid while it lives
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            self.proc.kill()
        except OSError:
            pass

    def _ended(self, grace: float) -> bool:
        """Wait up to ``grace`` s for the worker to end, unreaped where POSIX allows.

        Unreaped, its pid (its group id) is not reused: the group can be killed safely.
        """
        deadline = time.monotonic() + grace
        while True:
            if self.job is None and hasattr(os, "waitid"):
                try:
                    if os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG):
                        return True
                except ChildProcessError:
                    return True
            elif self.proc.poll() is not None:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def finish(self, grace: float) -> dict:
        """End the worker (after ``grace`` seconds) and everything it started; say how."""
        if self.done:
            return {"status": "unknown"}
        ended_alone = self._ended(grace) and not self.killed
        self.kill()  # also any process it started, even when it ended on its own
        code = self.proc.wait()
        self.done = True
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        if code < 0:
            return {"status": "signaled", "signal": -code, "killed": not ended_alone}
        if not ended_alone:
            return {"status": "signaled", "signal": 9, "killed": True}
        return {"status": "exited", "code": code}

    def close_output(self) -> None:
        """Close the output pipe and the Job Object."""
        self.tap.take(0.0)
        if self.job is not None:
            winjob.close(self.job)
            self.job = None
        try:
            if self.proc.stderr is not None:
                self.proc.stderr.close()
        except OSError:
            pass


def _child_env() -> dict[str, str]:
    """Return the scrubbed environment of a worker (what Python needs to start on this OS)."""
    env = {
        "PATH": os.defpath,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if sys.platform == "win32":
        for key in ("SYSTEMROOT", "WINDIR", "TEMP", "TMP"):
            if key in os.environ:
                env[key] = os.environ[key]
    else:
        env["LANG"] = "C.UTF-8"
    return env


class PortableSandbox(Sandbox):
    """Start a child interpreter per submission; contained (killable, capped), not confined."""

    backend = "portable"
    confined = False
    spares = 1  # children kept booted ahead of need, once the prestarted ones are used up

    def __init__(self, limits: Limits = _DEFAULT_LIMITS) -> None:
        """Hold the limits; adopt the prestarted children (see ``prestart``) that fit them."""
        super().__init__(limits)
        self._features: dict[str, bool] | None = None
        pool = self._state.spare = _Spares()
        command, job_bytes = self._command(), _job_bytes(limits)
        if _PRESTARTED:
            self.spares = 1 if _PRESTART["more"] else 0
        while _PRESTARTED:
            worker = _PRESTARTED.popleft()
            if worker.command == command and worker.job_bytes in (None, job_bytes):
                pool.workers.append(worker)
            else:
                worker.close()

    def features(self) -> dict[str, object]:
        """Report which protections apply (every kernel confinement is False here)."""
        if self._features is None:
            self.spawn(None, []).close_output()
        separation = {"identity": "grader_user", "separate_process": True}
        return dict(self._features or {}) | {"separation": separation}

    def spawn(self, directory: str | None, files: list[str]) -> PortableWorker:
        """Hand a booted child interpreter its submission's settings and read its hello.

        Children boot (python + numpy) before they are needed (``prestart``, or the pool,
        topped up here); each serves one submission only.  Raise SandboxError if none starts.
        """
        if self._state.closed:
            raise SandboxError("the sandbox is closed")
        pool: _Spares = self._state.spare
        spare = pool.take()
        if spare is None:
            self.spares = max(self.spares, 1)  # more workers than prestarted children
        try:
            return self._configure(spare or self._start(), directory, files)
        except SandboxError:
            if spare is None or self._state.closed:
                raise
            return self._configure(self._start(), directory, files)  # the spare had died
        finally:
            while not self._state.closed and len(pool.workers) < self.spares:
                pool.workers.append(self._start())

    def _configure(
        self, worker: PortableWorker, directory: str | None, files: list[str]
    ) -> PortableWorker:
        """Send a started worker its settings and wait for its hello."""
        limits = self.limits
        cfg = {
            "dir": directory,
            "files": files,
            "memory_bytes": limits.memory_bytes,
            "reply_bytes": limits.reply_bytes,
            "cpu_seconds": int(max(30, 3 * (limits.call_timeout + limits.import_timeout))),
            "mark": worker.secret,
        }
        worker.reply_limit = max(limits.reply_bytes, _HELLO_BYTES)
        worker.tap.cap = limits.output_bytes  # no request yet: nothing was kept
        worker.send(json.dumps(cfg).encode())
        try:
            hello = load_json(worker.receive(time.monotonic() + _START_TIMEOUT))
            features = hello.get("features")
            if hello.get("hello") is not True or type(features) is not dict:
                raise Malformed("bad hello")
        except (Timeout, Gone, Malformed) as exc:
            status = worker.finish(0 if isinstance(exc, Timeout) else 1.0)
            worker.close_output()
            why = describe_end(status) if isinstance(exc, Gone) else type(exc).__name__
            raise SandboxError(f"a sandbox worker did not start ({why})") from exc
        self._features = {
            "separate_process": True,
            "wall_clock_timeouts": True,
            "checked_copy": True,
            "process_tree_killed": True,
            "memory_limit": features.get("memory_limit") is True or worker.job is not None,
            "seccomp": False,
            "landlock": False,
            "private_filesystem": False,
            "network_blocked": False,
            "dropped_privileges": False,
        }
        if directory is None:
            worker.finish(0)
        worker.directory = directory or ""
        return worker

    def _command(self) -> list[str]:
        """Return the command line of a worker (it reads its settings as its first frame)."""
        return _worker_command()

    def _start(self) -> PortableWorker:
        """Start a child process (and, on Windows, put it in a Job Object)."""
        return _start_worker(self._command(), _job_bytes(self.limits))


def _worker_command() -> list[str]:
    """Return the command line of a worker (it reads its settings as its first frame)."""
    return [sys.executable, "-I", "-B", str(CHILD_MAIN), "--pipes"]


def _job_bytes(limits: Limits) -> int:
    """Return the memory limit of a worker's Job Object under ``limits`` (Windows)."""
    return limits.memory_bytes + _BASE_MEMORY


class _Spares:
    """Children booted before they are needed, oldest first; closing kills them all."""

    def __init__(self) -> None:
        self.workers: deque[PortableWorker] = deque()

    def take(self) -> PortableWorker | None:
        """Return the oldest child still alive (None if there is none)."""
        while self.workers:
            worker = self.workers.popleft()
            if worker.proc.poll() is None:
                return worker
            worker.close()
        return None

    def pids(self) -> list[int]:
        """Return the pids of the booted children (for tests and diagnostics)."""
        return [worker.pid for worker in self.workers]

    def close(self) -> None:
        """Kill every child of the pool."""
        while self.workers:
            self.workers.popleft().close()


def _start_worker(command: list[str], job_bytes: int) -> PortableWorker:
    """Start a child process (and, on Windows, put it in a Job Object of ``job_bytes``)."""
    options: dict = {"start_new_session": True}
    if sys.platform == "win32":
        options = {"creationflags": winjob.CREATION_FLAGS}
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tempfile.gettempdir(),
            env=_child_env(),
            close_fds=True,
            **options,
        )
    except OSError as exc:
        raise SandboxError(f"could not start a sandbox worker: {exc}") from exc
    job = None
    if sys.platform == "win32":
        try:
            job = winjob.contain(proc, limits_bytes=job_bytes)
        except OSError as exc:
            proc.kill()
            proc.wait()
            raise SandboxError(f"could not contain a sandbox worker: {exc}") from exc
    worker = PortableWorker(proc, job, _DEFAULT_LIMITS, secrets.token_hex(16))
    worker.command = command
    worker.job_bytes = job_bytes if job is not None else None
    return worker


_PRESTARTED: deque[PortableWorker] = deque()  # booted by prestart() for the next sandbox
_PRESTART = {"more": True, "owner": os.getpid()}  # more modules may follow; who started them


def prestart(count: int = 1, more: bool = True) -> None:
    """Boot ``count`` children now, for the next PortableSandbox to adopt (`grade check`).

    They boot while the command imports the rest and loads the course.  Unless ``more``
    modules may follow, the adopting sandbox boots no further spare until one is missing.
    Those never adopted are killed at exit (if this process dies, each ends by itself).
    """
    _PRESTART.update(more=more, owner=os.getpid())
    while len(_PRESTARTED) < count:
        _PRESTARTED.append(_start_worker(_worker_command(), _job_bytes(_DEFAULT_LIMITS)))


def _kill_prestarted() -> None:
    """Kill the prestarted children no sandbox adopted (not a forked copy's: the owner's)."""
    while _PRESTARTED and _PRESTART["owner"] == os.getpid():
        _PRESTARTED.popleft().close()


atexit.register(_kill_prestarted)

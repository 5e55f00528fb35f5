"""The Linux backend's zygote: one warm ``python -I -B child/__main__.py`` that forks workers.

Linux only (``socket.SOCK_SEQPACKET``, ``SCM_RIGHTS``, ``os.memfd_create``, /proc); imported
only by :mod:`grader.sandbox.linux`.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import grader
from grader.sandbox.core import CHILD_MAIN, SandboxError

_READY_TIMEOUT = 60.0  # a cold start of python + numpy on a busy machine
_CONTROL_TIMEOUT = 20.0  # one zygote request (a fork, a reap)


def _namespace(pid: int | str, kind: str) -> str | None:
    """Return the identity of a process's namespace of ``kind`` (None if unreadable)."""
    try:
        return os.readlink(f"/proc/{pid}/ns/{kind}")
    except OSError:
        return None


@functools.cache
def _own_namespace(kind: str) -> str | None:
    """Return this process's namespace of ``kind`` (it never changes: read once)."""
    return _namespace("self", kind)


def observe_separation(pid: int, claimed: object) -> dict[str, object]:
    """Say how a worker is separated, reading its uid and namespaces from /proc (not its word).

    ``identity`` is ``per_worker_uid`` (root: a uid of its own), ``nobody`` (root, where a uid
    range is not mapped: workers share one unprivileged uid), ``user_namespace`` (not root:
    root only inside a namespace of its own) or ``grader_user`` (not root, no namespace).
    """
    uid = None
    try:
        fd = os.open(f"/proc/{pid}/status", os.O_RDONLY | os.O_CLOEXEC)
        try:
            status = os.read(fd, 1 << 16)
        finally:
            os.close(fd)
        uid = int(status.split(b"\nUid:", 1)[1].split(None, 1)[0])
    except (OSError, ValueError, IndexError):
        pass
    out: dict[str, object] = {"worker_uid": uid}
    for kind in ("ipc", "user", "pid", "mnt"):
        theirs, mine = _namespace(pid, kind), _own_namespace(kind)
        out[f"{kind}_namespace"] = None if theirs is None or mine is None else theirs != mine
    identity = str(claimed)[:32] if type(claimed) is str else "unknown"
    if uid is not None:
        if uid == os.getuid() and os.getuid() != 0 and identity != "user_namespace":
            identity = "grader_user"
        elif uid == 0:
            identity = "root"  # never expected: a worker that runs as root ends itself
        elif os.getuid() == 0:
            identity = "nobody" if uid == 65534 else "per_worker_uid"
    out["identity"] = identity
    return out


def _interpreter() -> str:
    """Return a path that executes this very interpreter.

    ``sys.executable`` is preferred; where this user cannot reach it by path (an ordinary user
    running an interpreter installed under /root, e.g. ``setpriv`` in CI) the running binary is
    re-executed through ``/proc/self/exe``, with argv[0] still naming ``sys.executable`` so the
    same virtual environment is found.
    """
    if os.access(sys.executable, os.X_OK) or not os.path.exists("/proc/self/exe"):
        return sys.executable
    return "/proc/self/exe"


def _child_env() -> dict[str, str]:
    """Return the scrubbed environment of the zygote."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def zygote_options(private_root: bool) -> str:
    """Say which sys.path entries to drop and which directories a worker must not see."""
    package = Path(grader.__file__).resolve().parent
    root = package.parent
    drop = [] if root.name in ("site-packages", "dist-packages") else [str(root)]
    hide = {str(package), *drop}
    for entry in sys.path:
        candidate = Path(entry or ".") / "grader"
        if entry and candidate.is_dir():
            hide.add(str(candidate.resolve()))
    return json.dumps({"drop": drop, "hide": sorted(hide), "private_root": private_root})


class _Spawner:
    """Start zygotes from one long-lived thread."""

    # PR_SET_PDEATHSIG fires when the *thread* that forked the zygote ends, so that must not be
    # whichever short-lived thread happened to create a Sandbox.
    _lock = threading.Lock()
    _queue: queue.SimpleQueue | None = None
    _owner = -1

    @classmethod
    def popen(cls, args: list[str], **kwargs: object) -> subprocess.Popen:
        """Run subprocess.Popen in the spawner thread and return its result."""
        with cls._lock:
            if cls._queue is None or cls._owner != os.getpid():
                cls._queue = queue.SimpleQueue()
                cls._owner = os.getpid()
                thread = threading.Thread(
                    target=cls._serve,
                    args=(cls._queue,),
                    name="grader-sandbox-spawner",
                    daemon=True,
                )
                thread.start()
            jobs = cls._queue
        done: Future[subprocess.Popen] = Future()
        jobs.put((done, args, kwargs))
        return done.result()

    @staticmethod
    def _serve(jobs: queue.SimpleQueue) -> None:
        """Start processes until the interpreter exits."""
        while True:
            done, args, kwargs = jobs.get()
            try:
                done.set_result(subprocess.Popen(args, **kwargs))
            except BaseException as exc:
                done.set_exception(exc)


class Zygote:
    """Own the zygote process and its control socket."""

    def __init__(self, private_root: bool = True) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        debug = os.environ.get("GRADER_SANDBOX_DEBUG") == "1"
        try:
            self.proc = _Spawner.popen(
                [
                    sys.executable,
                    "-I",
                    "-B",
                    str(CHILD_MAIN),
                    str(child.fileno()),
                    str(os.getpid()),
                    zygote_options(private_root),
                ],
                executable=_interpreter(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=None if debug else subprocess.DEVNULL,
                env=_child_env(),
                close_fds=True,
                pass_fds=(child.fileno(),),
                start_new_session=True,
            )
        except OSError as exc:
            parent.close()
            raise SandboxError(f"could not start the sandbox: {exc}") from exc
        finally:
            child.close()
        self.ctl = parent
        self.lock = threading.Lock()
        self.ready = False
        self.alive = True
        self.started = time.monotonic()
        self.ready_seconds: float | None = None

    def wait_ready(self) -> None:
        """Wait for the zygote's ready message (the first use pays for the start)."""
        if self.ready:
            return
        if not self.alive:
            raise SandboxError("the sandbox process is gone")
        try:
            self.ctl.settimeout(_READY_TIMEOUT)
            msg = self.ctl.recv(65536)
            ready = json.loads(msg) if msg else None
        except (OSError, ValueError) as exc:
            self.alive = False
            raise SandboxError(f"the sandbox did not start: {exc}") from exc
        if type(ready) is not dict or ready.get("ready") is not True:
            self.alive = False
            code = self.proc.poll()
            raise SandboxError(f"the sandbox did not start (exit status {code})")
        self.ctl.settimeout(_CONTROL_TIMEOUT)
        self.ready = True
        self.ready_seconds = time.monotonic() - self.started

    def _request(self, msg: dict, fds: list[int]) -> tuple[dict, list[int]]:
        """Send one control request and return the answer with any fds it carries."""
        with self.lock:
            self.wait_ready()
            try:
                socket.send_fds(self.ctl, [json.dumps(msg).encode()], fds)
                data, got, _, _ = socket.recv_fds(self.ctl, 65536, 2)
                reply = json.loads(data) if data else None
            except (OSError, ValueError) as exc:
                self.alive = False
                raise SandboxError(f"lost the sandbox process: {exc}") from exc
        for fd in got:
            os.set_inheritable(fd, False)
        if type(reply) is not dict:
            self.alive = False
            for fd in got:
                os.close(fd)
            raise SandboxError("lost the sandbox process")
        return reply, got

    def spawn(self, cfg: dict) -> tuple[int, socket.socket, int]:
        """Fork a fresh worker: return its pid, the trusted end of its socket, its setup memfd."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            reply, fds = self._request({"op": "spawn", "cfg": cfg}, [theirs.fileno()])
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        if reply.get("ok") is not True or type(reply.get("pid")) is not int or len(fds) != 1:
            mine.close()
            for fd in fds:
                os.close(fd)
            raise SandboxError(f"could not start a worker: {reply.get('error', 'no pid')}")
        mine.setblocking(False)
        return reply["pid"], mine, fds[0]

    def reap(self, pid: int, grace: float) -> dict:
        """Ask the zygote to end and reap a worker."""
        if not self.alive:
            return {"status": "orphaned"}
        try:
            reply, fds = self._request({"op": "reap", "pid": pid, "grace": grace}, [])
        except SandboxError:
            return {"status": "orphaned"}
        for fd in fds:
            os.close(fd)
        return reply

    def close(self) -> None:
        """Close the control socket (the zygote then kills its workers) and end the zygote."""
        self.alive = False
        try:
            self.ctl.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

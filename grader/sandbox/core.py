"""Run student code in killable, unprivileged, seccomp-filtered worker processes (trusted side)."""

from __future__ import annotations

import array
import hashlib
import json
import logging
import math
import os
import queue
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import grader
from grader.sandbox import codec as _codec
from grader.sandbox.child import wire
from grader.sandbox.codec import Malformed
from grader.sandbox.copy import check_file_names, copy_files, make_temp_dir
from grader.sandbox.outcomes import Crashed, Outcome, Raised, Returned, TimedOut, Unavailable

log = logging.getLogger(__name__)

_CHILD_MAIN = Path(__file__).parent / "child" / "__main__.py"
_READY_TIMEOUT = 60.0  # a cold start of python + numpy on a busy machine
_CONTROL_TIMEOUT = 20.0  # one zygote request (a fork, a reap)
_HELLO_TIMEOUT = 10.0  # a worker's own setup, before any student code
_CRASH_GRACE = 1.0  # how long a worker that hung up may take to exit on its own
_MAX_CHUNK = 1 << 20
_OUTPUT_FILE_BYTES = 1 << 20  # RLIMIT_FSIZE: a flood is cut by the reader, not failed by write
_MAX_REPLY_TOKENS = wire.MAX_TOKENS + wire.REPLY_SLACK_TOKENS
_SPENT_GRACE = 0.5  # seconds per request once a submission's hang budget is spent


@dataclass(frozen=True)
class Limits:
    """Bound what one submission may use."""

    call_timeout: float = 2.0  # seconds per call, wall clock
    import_timeout: float = 5.0  # seconds to import one student module
    memory_bytes: int = 1 << 30  # on top of the interpreter's own footprint
    output_bytes: int = 64 * 1024  # captured stdout+stderr per worker
    file_bytes: int = 1 << 20  # max size of one submitted .py file
    reply_bytes: int = 16 << 20  # max size of one reply message
    module_seconds: float = 10.0  # wall clock for one module's imports and calls, in all
    submission_seconds: float = 30.0  # wall clock for all modules of one submission
    module_hang_seconds: float = 4.0  # time one module may lose to calls that time out
    hang_seconds: float = 8.0  # time a submission may lose to calls/imports that time out

    def __post_init__(self) -> None:
        """Reject limits that cannot work."""
        for name in (
            "call_timeout", "import_timeout", "module_seconds", "submission_seconds",
            "module_hang_seconds", "hang_seconds",
        ):  # fmt: skip
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"Limits.{name} must be a positive number of seconds")
        for name in ("memory_bytes", "output_bytes", "file_bytes", "reply_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive int")
        if self.reply_bytes >= 1 << 31:
            raise ValueError("Limits.reply_bytes must be below 2 GiB")


_DEFAULT_LIMITS = Limits()


class SandboxError(RuntimeError):
    """The sandbox itself could not work; this is never the student's fault."""


# --------------------------------------------------------------------------- framing


class _Timeout(Exception):
    """The deadline passed."""


class _Gone(Exception):
    """The worker closed its end (it ended, or it closed the socket)."""


def _wait(sock: socket.socket, event: int, deadline: float) -> None:
    """Wait until ``sock`` is ready for ``event`` or raise _Timeout."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Timeout()
    poller = select.poll()
    poller.register(sock, event)
    poller.poll(max(1, math.ceil(left * 1000)))


def _send_frame(sock: socket.socket, data: bytes, deadline: float, fds: list[int]) -> None:
    """Send one length-prefixed frame before ``deadline``, ``fds`` attached to its first byte."""
    view = memoryview(wire.header(len(data)) + data)
    while view:
        try:
            if fds:
                rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
                sent = sock.sendmsg([view[:_MAX_CHUNK]], rights, socket.MSG_NOSIGNAL)
                fds = []
            else:
                sent = sock.send(view[:_MAX_CHUNK], socket.MSG_NOSIGNAL)
        except BlockingIOError:
            _wait(sock, select.POLLOUT, deadline)
            continue
        except OSError as exc:  # EPIPE, ECONNRESET
            raise _Gone() from exc
        view = view[sent:]


def _recv_exact(sock: socket.socket, n: int, deadline: float) -> bytes:
    """Receive exactly ``n`` bytes before ``deadline``."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        try:
            k = sock.recv_into(view[got:], min(n - got, _MAX_CHUNK))
        except BlockingIOError:
            _wait(sock, select.POLLIN, deadline)
            continue
        except OSError as exc:
            raise _Gone() from exc
        if k == 0:
            raise _Gone()
        got += k
    return bytes(buf)


def _recv_frame(sock: socket.socket, deadline: float, limit: int) -> bytes:
    """Receive one frame of at most ``limit`` bytes."""
    size = int.from_bytes(_recv_exact(sock, 4, deadline), "big")
    if size > limit:
        raise Malformed("reply too large")
    return _recv_exact(sock, size, deadline)


def _load_json(raw: bytes) -> dict:
    """Parse a hostile JSON frame into a dict, bounding its memory before parsing it."""
    if raw.count(b",") + raw.count(b"[") + raw.count(b"{") > _MAX_REPLY_TOKENS:
        raise Malformed("too many items")
    try:
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError, MemoryError) as exc:
        raise Malformed("not JSON") from exc
    if type(value) is not dict:
        raise Malformed("not an object")
    return value


def _describe_end(status: dict) -> str:
    """Turn the zygote's report of how a worker ended into one line."""
    kind = status.get("status")
    if kind == "exited":
        return f"exited with status {status.get('code')}"
    if kind == "signaled":
        sig = status.get("signal")
        if status.get("killed"):
            return "stopped answering (it closed its connection to the grader)"
        try:
            name = signal.Signals(sig).name
        except (ValueError, TypeError):
            name = "unknown signal"
        text = f"killed by signal {sig} ({name})"
        if sig == signal.SIGKILL:  # not sent by the grader: timeouts are reported as such
            text += (
                ", not sent by the grader (the system's out-of-memory killer or another process)"
            )
        elif sig == signal.SIGSEGV:
            text += "; this often means too deep recursion"
        elif sig == signal.SIGXCPU:
            text += "; it used too much CPU time"
        return text
    if kind == "orphaned":
        return "was stopped because the sandbox's zygote process ended"
    return "ended unexpectedly"


def _namespace(pid: int | str, kind: str) -> str | None:
    """Return the identity of a process's namespace of ``kind`` (None if unreadable)."""
    try:
        return os.readlink(f"/proc/{pid}/ns/{kind}")
    except OSError:
        return None


def _observe_separation(pid: int, claimed: object) -> dict[str, object]:
    """Say how a worker is separated, reading its uid and namespaces from /proc (not its word).

    ``identity`` is ``per_worker_uid`` (root: a uid of its own), ``nobody`` (root, where a uid
    range is not mapped: workers share one unprivileged uid), ``user_namespace`` (not root:
    root only inside a namespace of its own) or ``grader_user`` (not root, no namespace).
    """
    uid = None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Uid:"):
                    uid = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    out: dict[str, object] = {"worker_uid": uid}
    for kind in ("ipc", "user", "pid", "mnt"):
        theirs, mine = _namespace(pid, kind), _namespace("self", kind)
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


# --------------------------------------------------------------------------- zygote


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


def _zygote_options(private_root: bool) -> str:
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


class _Worker:
    """Hold the trusted end of one worker: its pid, socket and output memfd."""

    def __init__(self, zygote: _Zygote, pid: int, sock: socket.socket, memfd: int) -> None:
        self.zygote = zygote
        self.pid = pid
        try:  # the zygote has not reaped the pid yet, so this is surely our worker
            self.pidfd = os.pidfd_open(pid)
        except (OSError, AttributeError):
            self.pidfd = -1
        self.sock = sock
        self.memfd = memfd  # the worker's setup output (before its first request)
        self.call_fd = -1  # the current request's output
        self.seq = 0
        self.done = False
        self.directory = ""  # the submission's private copy, hidden from printed output

    def begin_request(self) -> int:
        """Make a fresh output file for one request; return the fd to send with it."""
        self.end_request()
        self.call_fd = os.memfd_create("grader-call-output", os.MFD_CLOEXEC)
        return self.call_fd

    def end_request(self) -> None:
        """Forget the last request's output file (the worker may keep its copy, unread)."""
        if self.call_fd >= 0:
            os.close(self.call_fd)
            self.call_fd = -1

    def read_output(self, cap: int) -> str:
        """Return what the worker printed during the current request (at most ``cap`` bytes).

        Each request has its own output file, made here and read here from offset 0: what a
        module printed before (even a flood that filled a file) cannot hide a later call's
        output, and moving the worker's file offset affects only its own file.  Before the
        first request, the worker's setup output (zygote's memfd) is read instead.
        """
        fd = self.call_fd if self.call_fd >= 0 else self.memfd
        if fd < 0:
            return ""
        try:
            size = os.fstat(fd).st_size
            data = os.pread(fd, cap, 0)
        except OSError:
            return ""
        text = data.decode("utf-8", errors="replace")
        if self.directory:  # "/tmp/grader-sandbox-x/sigmoid.py:5: ..." reads "sigmoid.py:5: ..."
            text = text.replace(self.directory.rstrip("/") + "/", "")
        if size > cap:
            text += f"\n[output truncated: {size} bytes printed, {cap} shown]"
        self.end_request()
        return text

    def kill(self) -> None:
        """SIGKILL the worker (through its pidfd) and its process group (while unreaped)."""
        if self.done:
            return
        if self.pidfd >= 0:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except OSError:
                pass
        if not self.zygote.alive or self.zygote.proc.poll() is not None:
            return  # without its zygote the pid may already belong to someone else
        for kill in (os.killpg, os.kill):
            try:
                kill(self.pid, signal.SIGKILL)
            except OSError:
                pass

    def finish(self, grace: float) -> dict:
        """End the worker (after ``grace`` seconds), reap it, close its socket; say how it ended."""
        if self.done:
            return {"status": "unknown"}
        if grace <= 0:
            self.kill()
        status = self.zygote.reap(self.pid, grace)
        self.done = True
        try:
            self.sock.close()
        except OSError:
            pass
        return status

    def close_output(self) -> None:
        """Close the output memfds and the pidfd."""
        self.end_request()
        for fd in (self.memfd, self.pidfd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.memfd = self.pidfd = -1


class _Zygote:
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
                    str(_CHILD_MAIN),
                    str(child.fileno()),
                    str(os.getpid()),
                    _zygote_options(private_root),
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

    def spawn(self, cfg: dict) -> _Worker:
        """Fork a fresh worker."""
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
        return _Worker(self, reply["pid"], mine, fds[0])

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


# --------------------------------------------------------------------------- sandbox


class _State:
    """Hold what the finalizer of a Sandbox needs (never the Sandbox itself)."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.zygote: _Zygote | None = None
        self.cleanups: dict[int, weakref.finalize] = {}
        self.closed = False


def _shutdown(state: _State) -> None:
    """Kill every worker and the zygote (finalizer of a Sandbox)."""
    if state.owner != os.getpid():
        return
    state.closed = True
    for cleanup in list(state.cleanups.values()):
        cleanup()
    if state.zygote is not None:
        state.zygote.close()
        state.zygote = None


def _cleanup_submission(owner: int, workers: dict[str, _Worker], directory: str) -> None:
    """Kill a submission's workers and delete its directory (finalizer of a SandboxSession)."""
    if owner != os.getpid():
        return
    ending = list(workers.values())
    for worker in ending:  # signal them all first, so they die while the others are reaped
        worker.kill()
    for worker in ending:
        worker.finish(0)
        worker.close_output()
    workers.clear()
    shutil.rmtree(directory, ignore_errors=True)


class Sandbox:
    """One per trusted grading process: owns a warm zygote; reusable for many submissions."""

    _private_root = True  # tests turn this off to exercise the fallback filesystem view

    def __init__(self, limits: Limits = _DEFAULT_LIMITS) -> None:
        """Start the zygote now without waiting for it."""
        self.limits = limits
        self._state = _State()
        self._state.zygote = _PRESTARTED.pop() if _PRESTARTED else _Zygote(self._private_root)
        self._features: dict[str, bool] | None = None
        self._separation: dict[str, object] = {}
        self._finalizer = weakref.finalize(self, _shutdown, self._state)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self, folder: Path, files: Iterable[str]) -> SandboxSession:
        """Copy the expected files of a submission into a fresh directory."""
        if self._state.closed:
            raise SandboxError("the sandbox is closed")
        return SandboxSession(self, Path(folder), list(files))

    def close(self) -> None:
        """Kill the zygote and every worker; idempotent."""
        self._finalizer()

    @property
    def zygote_ready_seconds(self) -> float | None:
        """Return how long the zygote took to become ready (None before first use)."""
        zygote = self._state.zygote
        return zygote.ready_seconds if zygote is not None else None

    def features(self) -> dict[str, object]:
        """Report which protections a worker could put in place on this machine.

        Every entry is a bool except ``separation``: how workers are kept apart from each
        other and from other gradings, as observed from outside (see ``_observe_separation``).
        """
        if self._features is None:
            worker = self._spawn(None, [])
            worker.close_output()
        return dict(self._features or {}) | {"separation": dict(self._separation)}

    # -- internals -----------------------------------------------------------------

    def _zygote(self) -> _Zygote:
        """Return a live zygote, starting a new one if the old one died."""
        if self._state.closed:
            raise SandboxError("the sandbox is closed")
        zygote = self._state.zygote
        if zygote is None or not zygote.alive:
            if zygote is not None:
                zygote.close()
            zygote = self._state.zygote = _Zygote(self._private_root)
        return zygote

    def _spawn(self, directory: str | None, files: list[str]) -> _Worker:
        """Start a worker; a zygote that cannot spawn one (dead or not) is replaced, once."""
        try:
            return self._spawn_once(directory, files)
        except SandboxError:
            if self._state.closed:
                raise
            log.debug("restarting a zygote that could not spawn a worker", exc_info=True)
            zygote = self._state.zygote
            if zygote is not None:
                zygote.close()
            self._state.zygote = _Zygote(self._private_root)
            return self._spawn_once(directory, files)

    def _spawn_once(self, directory: str | None, files: list[str]) -> _Worker:
        """Start a worker and read its hello; raise SandboxError if it cannot start."""
        limits = self.limits
        cfg = {
            "dir": directory,
            "files": files,
            "memory_bytes": limits.memory_bytes,
            "output_bytes": max(limits.output_bytes + 1, _OUTPUT_FILE_BYTES),
            "reply_bytes": limits.reply_bytes,
            "cpu_seconds": int(max(30, 3 * (limits.call_timeout + limits.import_timeout))),
            "cpu_hard_seconds": 3600,
        }
        worker = self._zygote().spawn(cfg)
        try:
            hello = _load_json(_recv_frame(worker.sock, time.monotonic() + _HELLO_TIMEOUT, 1 << 16))
            features = hello.get("features")
            if hello.get("hello") is not True or type(features) is not dict:
                raise Malformed("bad hello")
            items = [(k, v) for k, v in list(features.items())[:64] if k != "identity"]
            claimed = {str(k)[:64]: v is True for k, v in items}
            self._features = claimed | {"wall_clock_timeouts": True, "checked_copy": True}
            self._separation = _observe_separation(worker.pid, features.get("identity"))
        except (_Timeout, _Gone, Malformed) as exc:
            status = worker.finish(0)
            worker.close_output()
            why = _describe_end(status) if isinstance(exc, _Gone) else type(exc).__name__
            raise SandboxError(f"a sandbox worker did not start ({why})") from exc
        if directory is None:
            worker.finish(0)
        worker.directory = directory or ""
        return worker


_PRESTARTED: list[_Zygote] = []  # started by prestart() for the next Sandbox to adopt


def prestart() -> None:
    """Start the next Sandbox's zygote now (`grade check` boots it while it imports the rest)."""
    if not _PRESTARTED:
        _PRESTARTED.append(_Zygote(Sandbox._private_root))


class SandboxSession:
    """One student's files, copied; each module runs in its own worker, started on first use."""

    def __init__(self, sandbox: Sandbox, folder: Path, files: list[str]) -> None:
        """Copy the expected files (see ``Sandbox.open``)."""
        check_file_names(files)
        if not folder.is_dir():
            raise NotADirectoryError(f"not a directory: {folder}")
        self._sandbox = sandbox
        self._limits = sandbox.limits
        self._files = list(dict.fromkeys(files))
        self._modules = {name[:-3]: name for name in self._files}
        try:
            self._dir = make_temp_dir(folder)
        except OSError as exc:
            raise SandboxError(f"could not create a temporary directory: {exc}") from exc
        self._workers: dict[str, _Worker] = {}
        self._failed: dict[str, Outcome] = {}
        self._spent: dict[str, float] = {}  # wall clock per module (imports and calls)
        self._spent_total = 0.0
        self._hung = 0.0  # time lost to timed-out calls and imports
        self._hung_by: dict[str, float] = {}  # the same, per module
        self._import_seconds: dict[str, float] = {}  # what the last import of a module cost
        self._closed = False
        self._finalizer = weakref.finalize(
            self, _cleanup_submission, os.getpid(), self._workers, self._dir
        )
        cleanups = sandbox._state.cleanups
        for key in [k for k, f in cleanups.items() if not f.alive]:
            del cleanups[key]
        cleanups[id(self._finalizer)] = self._finalizer
        try:
            problems, copied = copy_files(folder, self._files, self._dir, self._limits.file_bytes)
        except OSError as exc:
            self._finalizer()
            raise SandboxError(f"could not copy the submission: {exc}") from exc
        self._problems = {name[:-3]: problem for name, problem in problems.items()}
        self._digests = {
            name: (hashlib.sha256(data).hexdigest(), len(data)) for name, data in copied.items()
        }

    def __enter__(self) -> SandboxSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def directory(self) -> str:
        """Return the private copy's directory (for tests and diagnostics)."""
        return self._dir

    def digest(self, name: str) -> tuple[str, int] | None:
        """Return (SHA-256, size) of the file as copied, or None if it was not usable."""
        return self._digests.get(name)

    def worker_pids(self) -> list[int]:
        """Return the pids of the live workers (for tests and diagnostics)."""
        return [w.pid for w in self._workers.values() if not w.done]

    def close(self) -> None:
        """Kill this submission's workers and delete its directory; idempotent."""
        self._closed = True
        self._finalizer()

    # -- public calls --------------------------------------------------------------

    def call(
        self,
        module: str,
        function: str,
        args: tuple = (),
        kwargs: dict | None = None,
        *,
        return_args: bool = False,
        timeout: float | None = None,
    ) -> Outcome:
        """Call ``module.function(*args, **kwargs)`` in the module's worker."""
        self._check(module, function)
        payload = {
            "op": "call",
            "fn": function,
            "args": _codec.encode_arg(tuple(args)),
            "kwargs": _codec.encode_arg(dict(kwargs or {})),
            "return_args": bool(return_args),
        }
        return self._run(module, payload, timeout, return_args)

    def get(self, module: str, name: str) -> Outcome:
        """Read a module-level value (e.g. AND_WEIGHTS)."""
        self._check(module, name)
        return self._run(module, {"op": "get", "name": name}, None, False)

    def has(self, module: str, name: str) -> Outcome:
        """Tell whether ``name`` is defined: Returned({"defined": bool, "callable": bool})."""
        self._check(module, name)
        return self._run(module, {"op": "has", "name": name}, None, False)

    # -- internals -----------------------------------------------------------------

    def _check(self, module: str, name: str) -> None:
        """Reject a module that was not expected or a name that is not an identifier."""
        if self._closed or self._sandbox._state.closed:
            raise SandboxError("the submission is closed")
        if module not in self._modules:
            raise ValueError(f"{module!r} is not one of the expected modules {list(self._modules)}")
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"not a Python name: {name!r}")

    def _run(self, module: str, payload: dict, timeout: float | None, return_args: bool) -> Outcome:
        """Send one request; a bug here becomes a Crashed outcome, never a traceback."""
        try:
            return self._run_unguarded(module, payload, timeout, return_args)
        except SandboxError:
            raise
        except Exception as exc:
            log.debug("sandbox failure", exc_info=True)
            worker = self._workers.pop(module, None)
            if worker is not None:
                worker.finish(0)
                worker.close_output()
            return Crashed(reason=f"the sandbox failed unexpectedly ({type(exc).__name__})")

    def _run_unguarded(
        self, module: str, payload: dict, timeout: float | None, return_args: bool
    ) -> Outcome:
        """Send one request to the module's worker, starting the worker if needed."""
        problem = self._problems.get(module) or self._failed.get(module)
        if problem is not None:
            return problem
        wanted = float(self._limits.call_timeout if timeout is None else timeout)
        worker = self._workers.get(module)
        if worker is None:
            # A re-import (after a call was killed) costs what the last one did: pay it only
            # if the budget can still cover it and a call.
            needed = self._import_seconds.get(module, 0.0)
            refusal = self._refusal(module, needed, wanted)
            if refusal is not None:
                return refusal
            started = self._start(module)
            if not isinstance(started, _Worker):
                return started
            worker = started
        refusal = self._refusal(module, 0.0, wanted)
        if refusal is not None:
            return refusal
        seconds, budget = self._allowance(module, wanted)
        try:
            reply = self._exchange(worker, payload, seconds, False, budget)
            if not isinstance(reply, dict):
                return reply
            return self._outcome(worker, reply, return_args)
        except Malformed:
            return self._end(worker, "sent a malformed reply", False)

    # -- time budgets --------------------------------------------------------------

    def _budgets(self, module: str) -> list[tuple[float, str]]:
        """Return (seconds left, message when spent) for each budget that refuses calls.

        The first two are wall clock (module, submission); the others are time lost to code
        that does not finish.
        """
        limits = self._limits
        name = self._modules.get(module, module)
        hang = (
            f"{name} did not finish earlier and the submission's time budget of"
            f" {limits.hang_seconds:g} s for code that does not finish is spent"
        )
        budgets = [
            (
                limits.module_seconds - self._spent.get(module, 0.0),
                f"the time budget of {limits.module_seconds:g} s for {name} is spent",
            ),
            (
                limits.submission_seconds - self._spent_total,
                f"the submission's time budget of {limits.submission_seconds:g} s is spent",
            ),
            (
                limits.module_hang_seconds - self._hung_by.get(module, 0.0),
                f"the time budget of {limits.module_hang_seconds:g} s for code of {name} that"
                " does not finish is spent",
            ),
        ]
        if self._hung >= limits.hang_seconds and self._hung_by.get(module):
            budgets.append((0.0, hang))
        return budgets

    def _allowance(self, module: str, wanted: float) -> tuple[float, str]:
        """Return the deadline for one request and the budget message if a budget sets it.

        Once the submission has lost ``hang_seconds`` to code that does not finish, a module
        that has not hung yet still runs, but each request gets at most ``_SPENT_GRACE``
        seconds: honest code answers in milliseconds, and one more hang costs little.
        """
        seconds, budget = wanted, ""
        for left, message in self._budgets(module):
            if left < seconds:
                seconds, budget = max(left, 0.0), message
        if self._hung >= self._limits.hang_seconds and seconds > _SPENT_GRACE:
            seconds = _SPENT_GRACE
            budget = (
                f"the submission's time budget of {self._limits.hang_seconds:g} s for code"
                f" that does not finish is spent, so this call had only {_SPENT_GRACE:g} s"
            )
        return seconds, budget

    def _refusal(self, module: str, needed: float, wanted: float) -> TimedOut | None:
        """Refuse at once when a budget is spent (or cannot cover a re-import of ``needed`` s)."""
        for index, (left, message) in enumerate(self._budgets(module)):
            wall_clock = index < 2  # a re-import is paid from these, not from the hang budgets
            if left <= 0.05 or (wall_clock and needed > 0 and left < needed + min(wanted, 0.5)):
                return TimedOut(seconds=0.0, budget=message)
        return None

    def _charge(self, module: str, seconds: float, timed_out: bool) -> None:
        """Charge wall-clock time to the module's and the submission's budgets."""
        self._spent[module] = self._spent.get(module, 0.0) + seconds
        self._spent_total += seconds
        if timed_out:
            self._hung += seconds
            self._hung_by[module] = self._hung_by.get(module, 0.0) + seconds

    def _start(self, module: str) -> _Worker | Outcome:
        """Start a worker for ``module`` and import the module in it."""
        seconds, budget = self._allowance(module, float(self._limits.import_timeout))
        worker = self._sandbox._spawn(self._dir, self._files)
        try:
            started = time.monotonic()
            reply = self._exchange(worker, {"op": "load", "module": module}, seconds, True, budget)
            self._import_seconds[module] = time.monotonic() - started
            if not isinstance(reply, dict):
                # An import that hangs or crashes does so again: remember it for this submission
                # instead of paying the import timeout on every later call (unless a budget,
                # not the import limit, cut it short: then the budget refuses later calls).
                if not (isinstance(reply, TimedOut) and reply.budget):
                    self._failed[module] = reply
                return reply
            status = reply.get("status")
            if status == "ok":
                worker.end_request()  # import-time prints are dropped (a flood is harmless)
                self._workers[module] = worker
                return worker
            if status == "unavailable":
                failure = Unavailable(
                    reason=_codec.decode_message(reply.get("reason")),
                    frames=_codec.decode_frames(reply.get("frames")),
                )
                self._failed[module] = failure
                worker.finish(0)
                worker.close_output()
                return failure
            raise Malformed("bad load reply")
        except Malformed:
            return self._end(worker, "sent a malformed reply", True)
        except BaseException:
            if self._workers.get(module) is not worker:
                worker.finish(0)
                worker.close_output()
            raise

    def _end(self, worker: _Worker, reason: str, during_import: bool) -> Crashed:
        """Kill a misbehaving worker and report it as crashed."""
        worker.finish(0)
        output = worker.read_output(self._limits.output_bytes)
        worker.close_output()
        self._forget(worker)
        return Crashed(reason=reason, during_import=during_import, output=output)

    def _forget(self, worker: _Worker) -> None:
        """Drop a dead worker so that the next call starts a fresh one."""
        for module, known in list(self._workers.items()):
            if known is worker:
                del self._workers[module]

    def _exchange(
        self,
        worker: _Worker,
        payload: dict,
        seconds: float,
        during_import: bool,
        budget: str = "",
    ) -> dict | Outcome:
        """Send a request and wait for its reply; turn timeouts and crashes into outcomes.

        ``budget`` is the message to give if the deadline is a time budget's, not the limit's.
        """
        module = next((m for m, w in self._workers.items() if w is worker), None)
        module = module or payload.get("module") or ""
        started = time.monotonic()
        result: dict | Outcome | None = None
        try:
            result = self._exchange_timed(worker, payload, seconds, during_import, budget)
            return result
        finally:
            self._charge(module, time.monotonic() - started, isinstance(result, TimedOut))

    def _exchange_timed(
        self, worker: _Worker, payload: dict, seconds: float, during_import: bool, budget: str
    ) -> dict | Outcome:
        """Do the work of ``_exchange``."""
        worker.seq += 1
        payload["seq"] = worker.seq
        data = json.dumps(payload, separators=(",", ":")).encode()
        deadline = time.monotonic() + seconds
        try:
            _send_frame(worker.sock, data, deadline, [worker.begin_request()])
            reply = _load_json(_recv_frame(worker.sock, deadline, self._limits.reply_bytes))
        except _Timeout:
            worker.kill()
            worker.finish(0)
            output = worker.read_output(self._limits.output_bytes)
            worker.close_output()
            self._forget(worker)
            return TimedOut(
                seconds=seconds, during_import=during_import, output=output, budget=budget
            )
        except _Gone:
            status = worker.finish(_CRASH_GRACE)
            output = worker.read_output(self._limits.output_bytes)
            worker.close_output()
            self._forget(worker)
            return Crashed(_describe_end(status), during_import=during_import, output=output)
        except BaseException:  # e.g. KeyboardInterrupt: the reply would arrive out of step
            worker.finish(0)
            worker.close_output()
            self._forget(worker)
            raise
        if reply.get("seq") != worker.seq:
            raise Malformed("reply out of order")
        return reply

    def _outcome(self, worker: _Worker, reply: dict, return_args: bool) -> Outcome:
        """Turn a validated reply into an outcome."""
        status = reply.get("status")
        if status == "ok":
            if "value" not in reply or (return_args and "args_after" not in reply):
                raise Malformed("missing value")
            decoder = _codec.Decoder(self._limits.reply_bytes)
            value = decoder.value(reply["value"])
            args_after: tuple = ()
            if return_args:
                after = decoder.value(reply["args_after"])
                if type(after) is not tuple:
                    after = (after,)  # an Opaque stand-in for arguments too large to send
                args_after = after
            output = worker.read_output(self._limits.output_bytes)
            return Returned(value=value, args_after=args_after, output=output)
        if status == "raised":
            return Raised(
                type_name=_codec.decode_type_name(reply.get("type")),
                message=_codec.decode_message(reply.get("message")),
                frames=_codec.decode_frames(reply.get("frames")),
                output=worker.read_output(self._limits.output_bytes),
            )
        if status == "error":
            reason = _codec.decode_message(reply.get("reason"))
            return self._end(worker, f"could not answer ({reason})", False)
        raise Malformed("unknown status")


def sandbox_features(limits: Limits = _DEFAULT_LIMITS) -> dict[str, object]:
    """Report which protections the sandbox enforces on this machine (starts a probe worker)."""
    with Sandbox(limits) as sandbox:
        return sandbox.features()

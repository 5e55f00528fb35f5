"""The Linux backend: workers forked by a zygote, confined by the kernel (trusted side).

Each worker is forked by the zygote (:mod:`grader.sandbox.zygote`), confines itself (rlimits,
namespaces, Landlock, seccomp; see ``child/confine.py``) and talks over its own Unix socket;
its output goes to one memfd that is emptied here before each request.  Workers are killed
through pidfds.
"""

from __future__ import annotations

import logging
import math
import os
import select
import signal
import socket
import time

from grader.sandbox.child import wire
from grader.sandbox.codec import Malformed
from grader.sandbox.core import (
    _DEFAULT_LIMITS,
    HELLO_TIMEOUT,
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
from grader.sandbox.zygote import Zygote, observe_separation

log = logging.getLogger(__name__)

_MAX_CHUNK = 1 << 20
_FIRST_READ = 1 << 16  # what one read takes of a reply: most replies whole
_OUTPUT_FILE_BYTES = 1 << 20  # RLIMIT_FSIZE: a flood is cut by the reader, not failed by write

# --------------------------------------------------------------------------- framing


def _wait(sock: socket.socket, event: int, deadline: float) -> None:
    """Wait until ``sock`` is ready for ``event`` or raise Timeout."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise Timeout()
    poller = select.poll()
    poller.register(sock, event)
    poller.poll(max(1, math.ceil(left * 1000)))


def _send_frame(sock: socket.socket, data: bytes, deadline: float) -> None:
    """Send one length-prefixed frame before ``deadline``."""
    view = memoryview(wire.header(len(data)) + data)
    while view:
        try:
            sent = sock.send(view[:_MAX_CHUNK], socket.MSG_NOSIGNAL)
        except BlockingIOError:
            _wait(sock, select.POLLOUT, deadline)
            continue
        except OSError as exc:  # EPIPE, ECONNRESET
            raise Gone() from exc
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
            raise Gone() from exc
        if k == 0:
            raise Gone()
        got += k
    return bytes(buf)


def _recv_some(sock: socket.socket, most: int, deadline: float) -> bytes:
    """Receive between 1 and ``most`` bytes before ``deadline``."""
    while True:
        try:
            data = sock.recv(most)
        except BlockingIOError:
            _wait(sock, select.POLLIN, deadline)
            continue
        except OSError as exc:
            raise Gone() from exc
        if not data:
            raise Gone()
        return data


def _recv_frame(sock: socket.socket, deadline: float, limit: int) -> bytes:
    """Receive one frame of at most ``limit`` bytes (the worker sends nothing after it).

    A reply is rarely there when this starts: wait first, then one read usually brings the
    whole frame (two syscalls a reply instead of four).
    """
    _wait(sock, select.POLLIN, deadline)
    data = _recv_some(sock, _FIRST_READ, deadline)
    while len(data) < wire.HEADER_BYTES:
        data += _recv_some(sock, wire.HEADER_BYTES - len(data), deadline)
    size = wire.frame_size(data[: wire.HEADER_BYTES])
    if size > limit:
        raise Malformed("reply too large")
    body = data[wire.HEADER_BYTES :]
    if len(body) > size:
        raise Malformed("more than one reply")
    if len(body) < size:
        body += _recv_exact(sock, size - len(body), deadline)
    return body


# --------------------------------------------------------------------------- worker


class LinuxWorker(WorkerHandle):
    """Hold the trusted end of one worker: its pid, socket and output memfd."""

    def __init__(self, zygote: Zygote, pid: int, sock: socket.socket, memfd: int) -> None:
        self.zygote = zygote
        self.pid = pid
        try:  # the zygote has not reaped the pid yet, so this is surely our worker
            self.pidfd = os.pidfd_open(pid)
        except (OSError, AttributeError):
            self.pidfd = -1
        self.sock = sock
        self.memfd = memfd  # the worker's fds 1 and 2: its setup output, then each request's
        self.unread = True  # whether the memfd holds output not read yet (setup, or a request)
        self.seq = 0
        self.done = False
        self.directory = ""  # the submission's private copy, hidden from printed output

    def begin_request(self) -> None:
        """Empty the output file for one request (the worker rewinds to its start on receipt)."""
        if self.memfd >= 0:
            os.ftruncate(self.memfd, 0)
        self.unread = True

    def end_request(self) -> None:
        """Forget the current request's output (it is not read)."""
        self.unread = False

    def read_output(self, cap: int) -> str:
        """Return what the worker printed during the current request (at most ``cap`` bytes).

        The output file is emptied here before each request and read here from offset 0;
        the worker's seccomp filter denies ``ftruncate``, so only this side empties it.
        Output is advice, never proof (docs/security.md): code that keeps a thread printing,
        or moves the file offset, can only blur its own output.  Before the first request,
        this is what the worker printed while it started.
        """
        fd = self.memfd
        if fd < 0 or not self.unread:
            return ""
        try:
            size = os.fstat(fd).st_size
            data = os.pread(fd, cap, 0)
        except OSError:
            return ""
        text = strip_directory(data.decode("utf-8", errors="replace"), self.directory)
        if size > cap:
            text += f"\n[output truncated: {size} bytes printed, {cap} shown]"
        self.end_request()
        return text

    def exchange(self, data: bytes, deadline: float, limit: int) -> bytes:
        """Send a request (its output file emptied first); return the raw reply."""
        self.begin_request()
        _send_frame(self.sock, data, deadline)
        return _recv_frame(self.sock, deadline, limit)

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
        """Close the output memfd and the pidfd."""
        self.end_request()
        for fd in (self.memfd, self.pidfd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.memfd = self.pidfd = -1


_PRESTARTED: list[Zygote] = []  # started by prestart() for the next LinuxSandbox to adopt


def prestart() -> None:
    """Start the next sandbox's zygote now (`grade check` boots it while it imports the rest)."""
    if not _PRESTARTED:
        _PRESTARTED.append(Zygote(LinuxSandbox._private_root))


class LinuxSandbox(Sandbox):
    """Own a warm zygote that forks a kernel-confined worker per submission."""

    backend = "linux"
    confined = True
    _private_root = True  # tests turn this off to exercise the fallback filesystem view

    def __init__(self, limits: Limits = _DEFAULT_LIMITS) -> None:
        """Start the zygote now without waiting for it."""
        super().__init__(limits)
        self._state.zygote = _PRESTARTED.pop() if _PRESTARTED else Zygote(self._private_root)
        self._features: dict[str, bool] | None = None
        self._separation: dict[str, object] = {}

    @property
    def zygote_ready_seconds(self) -> float | None:
        """Return how long the zygote took to become ready (None before first use)."""
        zygote = self._state.zygote
        return zygote.ready_seconds if zygote is not None else None

    @property
    def separation(self) -> str:
        """Say how the latest worker was kept apart, as read from /proc ("" before any)."""
        identity = self._separation.get("identity")
        return identity if isinstance(identity, str) else ""

    def features(self) -> dict[str, object]:
        """Report which protections a worker could put in place on this machine.

        Every entry is a bool except ``separation``: how workers are kept apart from each
        other and from other gradings, as observed from outside (see ``_observe_separation``).
        """
        if self._features is None:
            worker = self.spawn(None, [])
            worker.close_output()
        return dict(self._features or {}) | {"separation": dict(self._separation)}

    # -- internals -----------------------------------------------------------------

    def _zygote(self) -> Zygote:
        """Return a live zygote, starting a new one if the old one died."""
        if self._state.closed:
            raise SandboxError("the sandbox is closed")
        zygote = self._state.zygote
        if zygote is None or not zygote.alive:
            if zygote is not None:
                zygote.close()
            zygote = self._state.zygote = Zygote(self._private_root)
        return zygote

    def spawn(self, directory: str | None, files: list[str]) -> LinuxWorker:
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
            self._state.zygote = Zygote(self._private_root)
            return self._spawn_once(directory, files)

    def _spawn_once(self, directory: str | None, files: list[str]) -> LinuxWorker:
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
        zygote = self._zygote()
        pid, sock, memfd = zygote.spawn(cfg)
        worker = LinuxWorker(zygote, pid, sock, memfd)
        try:
            hello = load_json(_recv_frame(worker.sock, time.monotonic() + HELLO_TIMEOUT, 1 << 16))
            features = hello.get("features")
            if hello.get("hello") is not True or type(features) is not dict:
                raise Malformed("bad hello")
            items = [(k, v) for k, v in list(features.items())[:64] if k != "identity"]
            claimed = {str(k)[:64]: v is True for k, v in items}
            self._features = claimed | {"wall_clock_timeouts": True, "checked_copy": True}
            self._separation = observe_separation(worker.pid, features.get("identity"))
        except (Timeout, Gone, Malformed) as exc:
            status = worker.finish(0)
            worker.close_output()
            why = describe_end(status) if isinstance(exc, Gone) else type(exc).__name__
            raise SandboxError(f"a sandbox worker did not start ({why})") from exc
        if directory is None:
            worker.finish(0)
        worker.directory = directory or ""
        return worker

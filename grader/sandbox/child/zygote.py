"""The zygote: import numpy once, then fork a confined worker per request (child program).

The trusted side (``grader/sandbox/core.py``) starts it as::

    python -I -B <this folder>/__main__.py <control fd> <trusted pid> <options JSON>

It reports ``{"ready": true}`` on its control socket (AF_UNIX, SOCK_SEQPACKET) and then
serves two requests, each answered by one message:

* ``{"op": "spawn", "cfg": {...}}`` with one socket fd attached (SCM_RIGHTS): fork a worker
  that serves that socket; the answer ``{"ok": true, "pid": pid}`` carries the worker's
  output memfd attached, so the trusted side can read what the worker printed even after
  killing it.
* ``{"op": "reap", "pid": pid, "grace": seconds}``: wait up to ``grace`` for the worker to end,
  kill its process group if it has not, reap it and report how it ended.  The zygote reaps a
  worker only when asked, so its pid (and process group id) cannot be reused while the
  trusted side may still ``killpg`` it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import time

from .confine import worker_main
from .filesystem import Layout
from .libc import PR_SET_PDEATHSIG, prctl


class Zygote:
    """Fork workers on request and report how they ended."""

    def __init__(self, ctl: socket.socket, layout: Layout) -> None:
        self.ctl = ctl
        self.layout = layout
        self.children: set[int] = set()

    def spawn(self, cfg: dict, fds: list[int]) -> tuple[dict, list[int]]:
        """Fork a worker serving the received socket."""
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            return {"ok": False, "error": "expected one socket"}, []
        sock_fd = fds[0]
        memfd = os.memfd_create("grader-output", os.MFD_CLOEXEC)
        me = os.getpid()
        pid = os.fork()
        if pid == 0:
            try:
                worker_main(sock_fd, memfd, cfg, self.layout, me)
            finally:
                os._exit(70)
        os.close(sock_fd)
        self.children.add(pid)
        return {"ok": True, "pid": pid}, [memfd]

    @staticmethod
    def _wait(pid: int, seconds: float) -> int | None:
        """Wait up to ``seconds`` for child ``pid`` to end; reap it and return its status."""
        deadline = time.monotonic() + seconds
        try:
            pidfd = os.pidfd_open(pid)
        except (OSError, AttributeError):
            pidfd = None
        try:
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return status
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                if pidfd is not None:
                    select.select([pidfd], [], [], left)
                else:
                    time.sleep(min(left, 0.002))
        except ChildProcessError:
            return None
        finally:
            if pidfd is not None:
                os.close(pidfd)

    def reap(self, pid: int, grace: float) -> dict:
        """End one worker (after ``grace`` seconds) and tell how it ended."""
        if pid not in self.children:
            return {"status": "unknown"}
        status = self._wait(pid, max(0.0, grace))
        killed = False
        if status is None:
            killed = True
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            status = self._wait(pid, 5.0)
        if status is None:
            return {"status": "unknown", "killed": killed}
        self.children.discard(pid)
        if os.WIFSIGNALED(status):
            return {"status": "signaled", "signal": os.WTERMSIG(status), "killed": killed}
        return {"status": "exited", "code": os.WEXITSTATUS(status), "killed": killed}

    def shutdown(self) -> None:
        """Kill and reap every worker."""
        for pid in list(self.children):
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        for pid in list(self.children):
            self._wait(pid, 5.0)

    def serve(self) -> None:
        """Answer control requests until the control socket closes."""
        while True:
            try:
                msg, fds, _, _ = socket.recv_fds(self.ctl, 65536, 4)
            except OSError:
                break
            if not msg:
                for fd in fds:
                    os.close(fd)
                break
            send_fds: list[int] = []
            try:
                req = json.loads(msg)
                if req.get("op") == "spawn":
                    reply, send_fds = self.spawn(req["cfg"], fds)
                else:
                    for fd in fds:
                        os.close(fd)
                    if req.get("op") == "reap":
                        reply = self.reap(int(req["pid"]), float(req.get("grace", 0)))
                    else:
                        reply = {"ok": True}
            except Exception as exc:  # a bug here must not kill the zygote
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            try:
                socket.send_fds(self.ctl, [json.dumps(reply).encode()], send_fds)
            except OSError:
                break
            finally:
                for fd in send_fds:
                    os.close(fd)
        self.shutdown()


def zygote_main(argv: list[str]) -> None:
    """Start the zygote: die with the trusted process, import numpy, serve spawn requests."""
    ctl_fd, parent = int(argv[1]), int(argv[2])
    options = json.loads(argv[3]) if len(argv) > 3 else {}
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)
    ctl = socket.socket(fileno=ctl_fd)
    ctl.setblocking(True)
    # Not numpy.random: its 91 mappings made each fork and exit cost about twice as much;
    # code that uses it imports it in its own worker.
    import math  # noqa: F401

    import numpy  # noqa: F401

    from . import worker  # noqa: F401  (loaded before any worker hides this folder)
    from .seccomp import prepare_seccomp
    from .untouched import copy_namespaces

    prepare_seccomp()  # each worker inherits the filter and only writes its pid into it

    layout = Layout(
        list(options.get("drop", [])),
        list(options.get("hide", [])),
        options.get("private_root", True) is True,
    )
    copy_namespaces()  # once, for every worker to compare with (see untouched.py)
    import gc

    gc.collect()
    gc.freeze()
    socket.send_fds(ctl, [json.dumps({"ready": True, "pid": os.getpid()}).encode()], [])
    Zygote(ctl, layout).serve()
    os._exit(0)

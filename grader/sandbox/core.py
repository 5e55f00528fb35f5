"""What every sandbox backend shares: limits, errors, the worker interface, the base Sandbox.

A backend (``linux.LinuxSandbox``, ``portable.PortableSandbox``) starts workers; each worker
answers framed JSON requests with replies that :class:`~grader.sandbox.session.SandboxSession`
turns into outcomes, charging the time budgets of :class:`Limits` the same way on every backend.
"""

from __future__ import annotations

import json
import math
import os
import signal
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.sandbox.child import wire
from grader.sandbox.codec import Malformed

if TYPE_CHECKING:
    from grader.sandbox.session import SandboxSession

CHILD_MAIN = Path(__file__).parent / "child" / "__main__.py"
HELLO_TIMEOUT = 10.0  # a worker's own setup, before any student code
MAX_REPLY_TOKENS = wire.MAX_TOKENS + wire.REPLY_SLACK_TOKENS


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
    module_hang_seconds: float = 2.0  # time one module may lose to calls that time out
    hang_seconds: float = 3.0  # time a submission may lose to calls/imports that time out

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


class Timeout(Exception):
    """The deadline passed."""


class Gone(Exception):
    """The worker closed its end (it ended, or it closed the socket)."""


def load_json(raw: bytes) -> dict:
    """Parse a hostile JSON frame into a dict, bounding its memory before parsing it."""
    if raw.count(b",") + raw.count(b"[") + raw.count(b"{") > MAX_REPLY_TOKENS:
        raise Malformed("too many items")
    try:
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError, MemoryError) as exc:
        raise Malformed("not JSON") from exc
    if type(value) is not dict:
        raise Malformed("not an object")
    return value


def describe_end(status: dict) -> str:
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
        if sig == getattr(signal, "SIGKILL", None):  # the grader reports its own kills as timeouts
            text += (
                ", not sent by the grader (the system's out-of-memory killer or another process)"
            )
        elif sig == signal.SIGSEGV:
            text += "; this often means too deep recursion"
        elif sig == getattr(signal, "SIGXCPU", None):
            text += "; it used too much CPU time"
        return text
    if kind == "orphaned":
        return "was stopped because the sandbox's zygote process ended"
    return "ended unexpectedly"


class WorkerHandle:
    """The trusted end of one worker process, whatever started it."""

    pid: int = -1
    done: bool = False
    seq: int = 0
    directory: str = ""  # the submission's private copy, hidden from printed output

    def exchange(self, data: bytes, deadline: float, limit: int) -> bytes:
        """Send one request frame and return the raw reply (Timeout, Gone or Malformed)."""
        raise NotImplementedError

    def read_output(self, cap: int) -> str:
        """Return what the worker printed during the current request (at most ``cap`` bytes)."""
        raise NotImplementedError

    def end_request(self) -> None:
        """Forget the current request's output."""

    def kill(self) -> None:
        """Kill the worker and everything it started, at once."""
        raise NotImplementedError

    def finish(self, grace: float) -> dict:
        """End the worker (after ``grace`` seconds), reap it; say how it ended."""
        raise NotImplementedError

    def close_output(self) -> None:
        """Release what holds the worker's output."""


def strip_directory(text: str, directory: str) -> str:
    """Make "/tmp/grader-sandbox-x/sigmoid.py:5: ..." read "sigmoid.py:5: ..."."""
    if not directory:
        return text
    for sep in {os.sep, "/"}:
        text = text.replace(directory.rstrip(sep) + sep, "")
    return text


class _State:
    """Hold what the finalizer of a Sandbox needs (never the Sandbox itself)."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.zygote: Any = None  # a backend's long-lived helper process, if it has one
        self.spare: Any = None  # a worker started before it is needed, if the backend has one
        self.cleanups: dict[int, weakref.finalize] = {}
        self.closed = False


def _shutdown(state: _State) -> None:
    """Kill every worker and the backend's helper process (finalizer of a Sandbox)."""
    if state.owner != os.getpid():
        return
    state.closed = True
    for cleanup in list(state.cleanups.values()):
        cleanup()
    for helper in (state.zygote, state.spare):
        if helper is not None:
            helper.close()
    state.zygote = state.spare = None


class Sandbox:
    """One per trusted grading process; reusable for many submissions.

    ``Sandbox(limits)`` makes the backend chosen for this system (see
    :func:`grader.sandbox.choice.make_sandbox`); a subclass makes itself.
    """

    backend = ""  # "linux" or "portable"
    confined = False  # whether the kernel confines workers (files, network, processes)

    def __new__(cls, limits: Limits = _DEFAULT_LIMITS) -> Sandbox:
        """Make the chosen backend when the base class itself is called."""
        if cls is Sandbox:
            from grader.sandbox.choice import backend_class

            cls = backend_class()
        return super().__new__(cls)

    def __init__(self, limits: Limits = _DEFAULT_LIMITS) -> None:
        """Hold the limits and the cleanup state."""
        self.limits = limits
        self._state = _State()
        self._finalizer = weakref.finalize(self, _shutdown, self._state)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def separation(self) -> str:
        """Say how workers are kept apart, as observed from outside ("": not separated)."""
        return ""

    @property
    def info(self) -> dict[str, object]:
        """Say which confinement applies: {"backend": ..., "confined": ...}."""
        return {"backend": self.backend, "confined": self.confined}

    def open(self, folder: Path, files: Iterable[str]) -> SandboxSession:
        """Copy the expected files of a submission into a fresh directory."""
        from grader.sandbox.session import SandboxSession

        if self._state.closed:
            raise SandboxError("the sandbox is closed")
        return SandboxSession(self, Path(folder), list(files))

    def close(self) -> None:
        """Kill every worker (and any helper process); idempotent."""
        self._finalizer()

    def features(self) -> dict[str, object]:
        """Report which protections a worker could put in place on this machine."""
        raise NotImplementedError

    def spawn(self, directory: str | None, files: list[str]) -> WorkerHandle:
        """Start a worker for a submission's copy (None: a probe) and wait for its hello."""
        raise NotImplementedError


def sandbox_features(limits: Limits = _DEFAULT_LIMITS) -> dict[str, object]:
    """Report which protections the sandbox enforces on this machine (starts a probe worker)."""
    with Sandbox(limits) as sandbox:
        return sandbox.features()

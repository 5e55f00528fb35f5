"""Choose the sandbox backend: Linux where its kernel features exist, portable elsewhere.

``GRADE_SANDBOX=linux`` or ``GRADE_SANDBOX=portable`` forces one; any other value, or
``linux`` on a system without what it needs, gives a sandbox that refuses to open a
submission with one line saying why (so ``grade`` stops with that line, exit status 2).
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from grader.sandbox.core import _DEFAULT_LIMITS, Limits, Sandbox, SandboxError

if TYPE_CHECKING:
    from grader.sandbox.session import SandboxSession

ENV = "GRADE_SANDBOX"
CHOICES = ("linux", "portable")


@cache
def linux_missing() -> tuple[str, ...]:
    """Name what this system lacks of the Linux backend's needs (empty: it can run)."""
    missing = []
    if not sys.platform.startswith("linux"):
        missing.append("a Linux kernel")
    for name in ("fork", "memfd_create", "pidfd_open"):
        if not hasattr(os, name):
            missing.append(f"os.{name}")
    if not (hasattr(socket, "AF_UNIX") and hasattr(socket, "SOCK_SEQPACKET")):
        missing.append("socket.SOCK_SEQPACKET")
    if not hasattr(socket, "send_fds"):
        missing.append("socket.send_fds")
    try:
        import resource  # noqa: F401
    except ImportError:
        missing.append("the resource module")
    try:
        import ctypes

        ctypes.CDLL(None).prctl  # noqa: B018
    except (ImportError, OSError, AttributeError, TypeError):
        missing.append("libc prctl")
    return tuple(missing)


def choose() -> tuple[str, str]:
    """Return (backend, "") or ("", the one-line reason no backend can be used)."""
    wanted = os.environ.get(ENV, "").strip()
    if wanted and wanted not in CHOICES:
        return "", f"{ENV} must be 'linux' or 'portable' (or unset to choose), not {wanted!r}"
    missing = linux_missing()
    if wanted == "linux" and missing:
        lacks = ", ".join(missing)
        return "", f"{ENV}=linux, but this system lacks {lacks}; unset it to use 'portable'"
    if wanted:
        return wanted, ""
    return ("portable" if missing else "linux"), ""


def prestart(children: int = 1, more: bool = True) -> None:
    """Start the chosen backend's processes early: the zygote (Linux), or children (portable).

    ``children``: how many portable children to boot (one per submission about to be graded);
    ``more``: whether more modules than that may follow.
    """
    backend = choose()[0]
    if backend == "linux":
        from grader.sandbox.linux import prestart as start_zygote

        start_zygote()
    elif backend == "portable":
        from grader.sandbox.portable import prestart as start_children

        start_children(children, more)


def backend_class() -> type[Sandbox]:
    """Return the Sandbox class chosen for this process."""
    backend, _ = choose()
    if backend == "linux":
        from grader.sandbox.linux import LinuxSandbox

        return LinuxSandbox
    if backend == "portable":
        from grader.sandbox.portable import PortableSandbox

        return PortableSandbox
    return RefusedSandbox


def make_sandbox(limits: Limits = _DEFAULT_LIMITS) -> Sandbox:
    """Make the sandbox chosen for this system (or forced by GRADE_SANDBOX)."""
    return backend_class()(limits)


def chosen_info() -> dict[str, object]:
    """Say which confinement the chosen backend applies: {"backend": ..., "confined": ...}."""
    cls = backend_class()
    return {"backend": cls.backend, "confined": cls.confined}


class RefusedSandbox(Sandbox):
    """A sandbox that cannot be used here; opening a submission says why, in one line."""

    backend = "none"

    def __init__(self, limits: Limits = _DEFAULT_LIMITS) -> None:
        """Remember why no backend can be used."""
        super().__init__(limits)
        self.reason = choose()[1] or "no sandbox backend can run here"

    def open(self, folder: Path, files: Iterable[str]) -> SandboxSession:
        """Refuse."""
        raise SandboxError(self.reason)

    def features(self) -> dict[str, object]:
        """Refuse."""
        raise SandboxError(self.reason)

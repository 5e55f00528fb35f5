"""Run hostile student code and get back plain data only.

Hidden tests run in the trusted process and reach student code only through
:class:`Sandbox` / :class:`SandboxSession`; every answer is one of the outcome objects
of :mod:`grader.sandbox.outcomes` (``Returned``, ``Raised``, ``TimedOut``, ``Crashed``,
``Unavailable``).

Backends
--------
``make_sandbox(limits)`` (or ``Sandbox(limits)``, which does the same) returns the backend
chosen in :mod:`grader.sandbox.choice`: :class:`~grader.sandbox.linux.LinuxSandbox` where the
kernel features below exist, else :class:`~grader.sandbox.portable.PortableSandbox` (a plain
child interpreter per submission over pipes, killed from outside, not confined: see its module
and docs/security.md); ``GRADE_SANDBOX=linux|portable`` forces one.  Both share
:mod:`~grader.sandbox.core` (``Limits``, errors, the worker interface) and
:mod:`~grader.sandbox.session` (requests, outcomes and time budgets).  ``sandbox.info`` says
``{"backend": ..., "confined": ...}``; every report carries it.

How the Linux backend works
---------------------------
``LinuxSandbox()`` starts a *zygote*: a fresh ``python -I -B child/__main__.py`` interpreter
(scrubbed environment, its own session, no trusted data, never a fork of the trusted process)
that imports numpy once.  ``grader/sandbox/child/`` is the whole untrusted program (standard
library and numpy only, never ``grader``): ``wire`` (framing and limits, shared with the
trusted ``codec``), ``confine`` + ``seccomp`` + ``filesystem`` (what a worker may do),
``worker`` + ``values`` (requests and replies), ``zygote`` (the fork server).
``Sandbox.open(folder, files)`` copies only the expected files into a fresh directory.
The first call into the submission asks the zygote to fork its *worker*, which imports each
module on its first use (the modules of one submission share a worker, as they share one
process in the student's own program) and answers calls over a socket with length-prefixed
JSON (no pickle anywhere).

Enforced (see :func:`sandbox_features` for what this machine actually supports)
-------------------------------------------------------------------------------
* Copy: only the expected names are read, each with ``O_NOFOLLOW|O_NONBLOCK`` after an
  ``lstat``: symlinks, FIFOs, devices, directories, files over ``file_bytes`` and files Python
  could not decode as source (PEP 263 coding lines and a BOM are honoured) are refused with a
  one-line reason naming the line.  Nothing in the student folder is ever changed.
  Other files there (``conftest.py``, ``numpy.py``, ``.pyc``...) are never read; the copy's
  directory is *appended* to ``sys.path``, so a student file cannot shadow a library.
* Time: every call and import has a wall-clock deadline enforced from outside; on expiry the
  worker's process group gets SIGKILL (``TimedOut``).  A per-request CPU-time rlimit is a
  backstop.  Nothing a worker does blocks the trusted process beyond the deadline.
* Crashes: a worker that exits, is killed (signal, OOM killer) or hangs up gives ``Crashed``
  with how it ended; the next call starts a fresh worker, which imports again only the
  modules used from then on.  A crash in a worker that held other modules too is run once
  more in a fresh worker holding only the called one before it counts.  A malformed reply
  (bad framing, bad JSON, a field of the wrong type, a dtype not in the whitelist, a size
  that does not match its shape, too deep, too large) gives
  ``Crashed("sent a malformed reply")``.
* Identity and namespaces: as root, a worker drops to a uid of its own (2**28 + its pid, no
  groups), or to ``nobody`` where that uid range is not mapped (a container); it gets its own
  IPC namespace.  As an ordinary user, it enters a fresh user+IPC namespace (root inside,
  the grader's own uid outside) where the kernel allows, which also gives it the private
  filesystem below.  ``features()["separation"]`` reports what applied, read from /proc by
  the trusted side.  ``PR_SET_PDEATHSIG`` ties the zygote to the trusted process (it is
  forked from a long-lived helper thread, since the signal follows the forking *thread*) and
  each worker to the zygote, so none outlives grading.  Workers are killed through pidfds,
  so a recycled pid is never hit.  A zygote that cannot spawn (dead or not) is replaced.
* Filesystem (root, or a user namespace): each worker gets a private mount namespace whose
  root (via ``pivot_root``) holds only /usr, /lib*, the interpreter's own directories (with any
  installed ``grader`` package covered by an empty directory), /proc, /dev/null, /dev/zero,
  /dev/(u)random and the submission's copy.  The student folder, other submissions, the
  grader's repository, hidden tests and solutions are simply not there.
* Time budgets (``Limits``): besides the per-call and per-import limits, a budget per module
  and per submission of wall-clock time and of time lost to code that does not finish; a
  spent budget answers ``TimedOut(seconds=0, budget=<one sentence>)`` at once.
* Per request: the worker's output memfd emptied (``ftruncate``, which seccomp denies the
  worker) and read from offset 0 by the trusted side, the worker rewinding to its start (a
  flood at import or a moved file offset cannot hide a later call's output), and numpy's
  error state, the warnings filters and ``sys.stdout``/``sys.stderr`` restored from
  references taken before student code ran (advisory: a module can still monkeypatch them).
* Limits per worker: ``RLIMIT_AS`` (own size + ``memory_bytes``), ``RLIMIT_FSIZE`` (1 MiB
  per output file; the reader shows ``output_bytes`` and says the rest was cut),
  ``RLIMIT_NOFILE`` 64, ``RLIMIT_CORE`` 0, ``RLIMIT_CPU`` (a per-request backstop); stdin
  is /dev/null; the worker is the preferred victim of the OOM killer.
* seccomp-BPF (x86_64 and aarch64; any other architecture is killed) as an *allow list*:
  the ~130 calls Python and numpy need; anything else fails with ENOSYS.  Named denials
  (EPERM): fork, vfork, execve(at), clone without CLONE_THREAD (threads still work), socket,
  socketpair, ptrace, process_vm_readv/writev, pidfd_*, rt_(tg)sigqueueinfo, setpriority,
  sched_set*, ioprio_set, process_madvise, SysV shm/msg/sem, POSIX mqueues, keyrings,
  memfd_create, unshare, setns, prctl(PR_SET_PDEATHSIG) and every file-changing call (open
  for writing, unlink, rename, mkdir, link, truncate, chmod, chown, utimes, mknod, xattr
  setters).  Pid-taking calls reach only the worker itself: kill/tkill/tgkill its own pid,
  prlimit64/sched_getaffinity/getpriority 0 or its own pid.  ENOSYS for clone3, openat2,
  io_uring_* and x32 syscalls.  Hence no network: no socket can be made.
* Data: worker replies are encoded by *exact* type; subclasses, complex numbers, object
  arrays and anything else come back as ``Opaque(type_name, text)`` described inside the
  worker.  The trusted decoder validates every field and never calls a student method; it
  counts a raw reply's brackets and commas before parsing it, so memory is bounded first.

Not enforced
------------
* Reading files where neither Landlock (Linux 5.13+; it confines reads to the system
  libraries, the interpreter's folders, /proc, a few devices and the worker's own copy, and
  forbids every write) nor a private filesystem (root with mount namespaces) is available:
  a worker may then read any file readable by its user, e.g. world-readable solutions or
  other students' folders.  The interpreter's folders (site-packages, where the hidden tests
  are installed) are always readable, and /proc stays visible (other processes' command
  lines, not their memory or files).
* Where seccomp is unavailable, network access and file changes are NOT blocked (only the
  unprivileged user and rlimits remain), and ``RLIMIT_NPROC`` 0 is used to stop new processes,
  which also stops threads.  When not run as root and without user namespaces, workers keep
  the grader's user (and no private filesystem or IPC namespace).
* Output printed while a module is imported is dropped (except in ``TimedOut`` and
  ``Crashed`` during the import); output beyond ``output_bytes`` per request is cut.
* Pid namespaces are not used: a worker sees other processes in /proc (not their memory).
* CPU time within the wall-clock limit, and threads, are not limited separately (threads
  share the memory limit).

:func:`sandbox_features` tells what this machine enforces (``seccomp``, ``private_filesystem``,
``landlock``, ``dropped_privileges``, ``network_blocked``, ...).

``SandboxError`` is raised only when the sandbox itself cannot work (the zygote cannot start,
a worker cannot be forked); ``ValueError``/``TypeError`` only for a caller's mistake (an
unexpected module, an argument type the sandbox cannot carry).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.sandbox.choice import make_sandbox
    from grader.sandbox.core import Limits, Sandbox, SandboxError, sandbox_features
    from grader.sandbox.session import SandboxSession

# Imported on first use, so that a process needing only `grader.sandbox.outcomes` (the
# results, the reports, `grade batch`'s parent) does not import numpy through the codec.
_HOMES = {
    "Limits": "core",
    "Sandbox": "core",
    "SandboxError": "core",
    "sandbox_features": "core",
    "SandboxSession": "session",
    "make_sandbox": "choice",
}

__all__ = [
    "Limits",
    "Sandbox",
    "SandboxError",
    "SandboxSession",
    "make_sandbox",
    "sandbox_features",
]


def __getattr__(name: str) -> object:
    """Import a public name's module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value

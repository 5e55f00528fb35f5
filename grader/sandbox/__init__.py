"""Run hostile student code and get back plain data only.

Hidden tests run in the trusted process and reach student code only through
:class:`Sandbox` / :class:`SandboxSession`; every answer is one of the outcome objects
of :mod:`grader.sandbox.outcomes` (``Returned``, ``Raised``, ``TimedOut``, ``Crashed``,
``Unavailable``).

How it works
------------
``Sandbox()`` starts a *zygote*: a fresh ``python -I -B child/__main__.py`` interpreter
(scrubbed environment, its own session, no trusted data, never a fork of the trusted process)
that imports numpy once.  ``grader/sandbox/child/`` is the whole untrusted program (standard
library and numpy only, never ``grader``): ``wire`` (framing and limits, shared with the
trusted ``codec``), ``confine`` + ``seccomp`` + ``filesystem`` (what a worker may do),
``worker`` + ``values`` (requests and replies), ``zygote`` (the fork server).
``Sandbox.open(folder, files)`` copies only the expected files into a fresh directory.
The first call into a module asks the zygote to fork a *worker* for it, which imports the
module and then answers calls over a socket with length-prefixed JSON (no pickle anywhere).

Enforced (see :func:`sandbox_features` for what this machine actually supports)
-------------------------------------------------------------------------------
* Copy: only the expected names are read, each with ``O_NOFOLLOW|O_NONBLOCK`` after an
  ``lstat``: symlinks, FIFOs, devices, directories, files over ``file_bytes`` and non-UTF-8
  files are refused with a one-line reason.  Nothing in the student folder is ever changed.
  Other files there (``conftest.py``, ``numpy.py``, ``.pyc``...) are never read; the copy's
  directory is *appended* to ``sys.path``, so a student file cannot shadow a library.
* Time: every call and import has a wall-clock deadline enforced from outside; on expiry the
  worker's process group gets SIGKILL (``TimedOut``).  A per-request CPU-time rlimit is a
  backstop.  Nothing a worker does blocks the trusted process beyond the deadline.
* Crashes: a worker that exits, is killed (signal, OOM killer) or hangs up gives ``Crashed``
  with how it ended; the next call starts a fresh worker.  A malformed reply (bad framing,
  bad JSON, a field of the wrong type, a dtype not in the whitelist, a size that does not
  match its shape, too deep, too large) gives ``Crashed("sent a malformed reply")``.
* Privileges: when the grader runs as root, a worker drops to ``nobody`` (65534, no
  supplementary groups) before any student code runs; ``PR_SET_PDEATHSIG`` ties the zygote
  to the trusted process (it is forked from a long-lived helper thread, since the signal
  follows the forking *thread*) and each worker to the zygote, so none outlives grading.
  Workers are killed through pidfds, so a recycled pid is never hit.
* Filesystem (root only): each worker gets a private mount namespace whose root (via
  ``pivot_root``) holds only /usr, /lib*, the interpreter's own directories (with any
  installed ``grader`` package covered by an empty directory), /proc, /dev/null, /dev/zero,
  /dev/(u)random and the submission's copy.  The student folder, other submissions, the
  grader's repository, hidden tests and solutions are simply not there.
* Limits per worker: ``RLIMIT_AS`` (own size + ``memory_bytes``), ``RLIMIT_FSIZE``
  (``output_bytes``; the captured stdout/stderr memfd cannot grow past it), ``RLIMIT_NOFILE``
  64, ``RLIMIT_CORE`` 0, ``RLIMIT_CPU`` (a per-request backstop); stdin is /dev/null; the
  worker is the preferred victim of the OOM killer.
* seccomp-BPF (x86_64 and aarch64; any other architecture is killed): EPERM for fork,
  vfork, execve(at), clone without CLONE_THREAD (threads still work), socket, socketpair,
  ptrace, process_vm_readv/writev, pidfd_open/send_signal/getfd, kill/tkill/tgkill of any
  pid but the worker's own, prctl(PR_SET_PDEATHSIG), unshare, setns, and every
  file-changing call (open/openat with O_WRONLY, O_RDWR, O_CREAT or O_TRUNC, creat,
  unlink(at), rename(at/at2), mkdir(at), rmdir, (sym)link(at), (f)truncate,
  (f/l)chmod(at/at2), (f/l)chown(at), utime(s/nsat), futimesat, mknod(at), xattr setters);
  ENOSYS for clone3, openat2, io_uring_* and x32 syscalls.  Hence no network: no socket can
  be made.
* Data: worker replies are encoded by *exact* type; subclasses, complex numbers, object
  arrays and anything else come back as ``Opaque(type_name, text)`` described inside the
  worker.  The trusted decoder validates every field and never calls a student method.

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
  which also stops threads.  When not run as root, workers keep the grader's user.
* Output printed while a module is imported is dropped (except in ``TimedOut`` and
  ``Crashed`` during the import); output beyond ``output_bytes`` per worker is dropped.
* CPU time within the wall-clock limit, and threads, are not limited separately (threads
  share the memory limit).

:func:`sandbox_features` tells what this machine enforces (``seccomp``, ``private_filesystem``,
``landlock``, ``dropped_privileges``, ``network_blocked``, ...).

``SandboxError`` is raised only when the sandbox itself cannot work (the zygote cannot start,
a worker cannot be forked); ``ValueError``/``TypeError`` only for a caller's mistake (an
unexpected module, an argument type the sandbox cannot carry).
"""

from grader.sandbox.core import Limits, Sandbox, SandboxError, SandboxSession, sandbox_features

__all__ = ["Limits", "Sandbox", "SandboxError", "SandboxSession", "sandbox_features"]

"""Confine a freshly forked worker: fds, rlimits, Landlock, privileges, seccomp (child program).

Everything here runs in the worker before any student code, in the order that keeps each
step possible: limits and the private filesystem while still privileged, Landlock before the
privilege drop (every allowed folder can still be opened), seccomp last.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import stat

from .filesystem import DEVICES, Layout
from .libc import LIBC, PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG, prctl
from .seccomp import install_seccomp
from .wire import Channel

FD_LIMIT = 64

# --------------------------------------------------------------------------- landlock
# Landlock (Linux 5.13+) works without privileges, so it protects the fallback view too: a
# worker without a private mount namespace (not root) still cannot open the course's
# solutions or the student's files, and cannot write anywhere. Files opened before the
# restriction (the output memfd, the socket) keep working.

# The system call numbers are the same on x86_64 and aarch64.
_LL_CREATE_RULESET, _LL_ADD_RULE, _LL_RESTRICT_SELF = 444, 445, 446
_LL_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

EXECUTE, READ_FILE, READ_DIR = 1 << 0, 1 << 2, 1 << 3
_READ = EXECUTE | READ_FILE | READ_DIR
_FILE_READ = EXECUTE | READ_FILE  # rights that make sense on a file, not a directory
# Every filesystem right each ABI version knows; handled rights without a rule are denied.
_HANDLED_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}
_HANDLED_LATEST = (1 << 16) - 1  # ABI 5 added IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """Return the kernel's Landlock ABI version, or 0 when Landlock is unavailable."""
    libc = LIBC
    if libc is None:
        return 0
    version = libc.syscall(_LL_CREATE_RULESET, None, ctypes.c_size_t(0), _LL_CREATE_RULESET_VERSION)
    return max(int(version), 0)


def landlock_restrict(readable: list[str]) -> bool:
    """Allow only reading beneath `readable` from now on; return whether it took effect."""
    libc = LIBC
    version = landlock_abi()
    if libc is None or version <= 0:
        return False
    attr = _RulesetAttr(_HANDLED_BY_ABI.get(version, _HANDLED_LATEST))
    ruleset = libc.syscall(_LL_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if ruleset < 0:
        return False
    try:
        for path in sorted(set(readable)):
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
                rule = _PathBeneathAttr(_READ if is_dir else _FILE_READ, fd)
                libc.syscall(_LL_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0)
            finally:
                os.close(fd)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return libc.syscall(_LL_RESTRICT_SELF, ruleset, 0) == 0
    finally:
        os.close(ruleset)


def _close_fds_except(keep: set[int]) -> None:
    """Close every open fd not in ``keep``."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _vm_size() -> int:
    """Return this process's virtual memory size in bytes (VmSize)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _setrlimit(which: int, value: int, hard: int | None = None) -> bool:
    """Set one resource limit; return whether it worked."""
    try:
        resource.setrlimit(which, (value, value if hard is None else hard))
        return True
    except (OSError, ValueError, OverflowError):
        return False


def drop_privileges() -> bool:
    """As root, become ``nobody`` with no groups (or end the process); return whether it did."""
    if os.geteuid() != 0:
        return False
    try:
        os.setgroups([])
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
    except OSError:
        os._exit(71)  # never run student code as root
    return True


def worker_main(sock_fd: int, memfd: int, cfg: dict, layout: Layout, zygote: int) -> None:
    """Confine a freshly forked worker and serve its socket; never returns."""
    from .worker import Worker, capture_output

    features: dict[str, bool] = {"separate_process": True}
    signal.setitimer(signal.ITIMER_REAL, 0)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGALRM):
        signal.signal(sig, signal.SIG_DFL if sig != signal.SIGINT else signal.default_int_handler)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        os.setsid()
        features["own_process_group"] = True
    except OSError:
        features["own_process_group"] = False

    devnull = os.open("/dev/null", os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(memfd, 1)
    os.dup2(memfd, 2)
    _close_fds_except({0, 1, 2, sock_fd} | layout.keep_fds())

    try:
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("1000")
    except OSError:
        pass

    rl = resource
    vm = _vm_size()
    features["memory_limit"] = vm > 0 and _setrlimit(rl.RLIMIT_AS, vm + int(cfg["memory_bytes"]))
    features["output_limit"] = _setrlimit(rl.RLIMIT_FSIZE, int(cfg["output_bytes"]))
    features["fd_limit"] = _setrlimit(rl.RLIMIT_NOFILE, FD_LIMIT)
    _setrlimit(rl.RLIMIT_CORE, 0)
    cpu = int(cfg["cpu_seconds"])
    features["cpu_limit"] = _setrlimit(rl.RLIMIT_CPU, cpu, int(cfg["cpu_hard_seconds"]))

    directory = cfg.get("dir")
    private = layout.private_root(directory)
    features["private_filesystem"] = private
    if private:
        layout.close_fds()
    else:
        layout.use_fds()

    # Before dropping privileges, while every allowed folder can still be opened.
    readable = [*layout.binds, "/proc", *DEVICES, *layout.fds, *([directory] if directory else [])]
    features["landlock"] = landlock_restrict(readable)

    dropped = drop_privileges()
    features["dropped_privileges"] = dropped
    features["parent_death_signal"] = prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote:
        os._exit(0)

    os.chdir(directory or "/")
    capture_output()

    no_new_privs, seccomp = install_seccomp(os.getpid())
    features["no_new_privs"] = no_new_privs
    features["seccomp"] = seccomp
    # Without seccomp, forbid new processes the old way (this also forbids threads).
    features["process_limit"] = seccomp or (dropped and _setrlimit(rl.RLIMIT_NPROC, 0))
    features["network_blocked"] = seccomp
    features["file_changes_blocked"] = seccomp or features["landlock"]
    features["new_processes_blocked"] = features["process_limit"]

    worker = Worker(Channel(sock_fd), cfg)
    worker.hello(features)
    worker.serve()

"""Confine a freshly forked worker: fds, rlimits, Landlock, privileges, seccomp (child program).

Everything here runs in the worker before any student code, in the order that keeps each
step possible: limits and the private filesystem while still privileged, Landlock before the
privilege drop (every allowed folder can still be opened), seccomp last.
"""

from __future__ import annotations

import ctypes
import os
import signal
import stat

try:
    import resource
except ImportError:  # not Linux: only the Linux backend's zygote uses this module
    resource = None  # type: ignore[assignment]

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


def _close_range_works() -> bool:
    """Tell whether ``os.closerange`` is one close_range(2) call (asked once, in the zygote).

    Both the kernel (Linux 5.9+) and this Python's build (glibc 2.34+) must have it: without
    the latter, ``os.closerange`` would close every number up to the end of the range, one
    by one.
    """
    import sysconfig

    if LIBC is None or not sysconfig.get_config_var("HAVE_CLOSE_RANGE"):
        return False
    return LIBC.syscall(436, ctypes.c_uint(1 << 30), ctypes.c_uint(1 << 30), 0) == 0


_CLOSE_RANGE = _close_range_works()  # 436 on x86_64 and aarch64 (Linux 5.9+)


def _close_fds_except(keep: set[int]) -> None:
    """Close every open fd not in ``keep``."""
    if _CLOSE_RANGE:  # os.closerange calls close_range(2): a few syscalls, no /proc listing
        first = 0
        for fd in sorted(keep):
            if fd > first:
                os.closerange(first, fd)
            first = fd + 1
        os.closerange(first, (1 << 31) - 1)
        return
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


def _read_small(path: str) -> bytes:
    """Read a small /proc file without Python's file objects (b"" when it cannot)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return b""
    try:
        return os.read(fd, 4096)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _vm_size() -> int:
    """Return this process's virtual memory size in bytes (VmSize)."""
    try:
        return int(_read_small("/proc/self/statm").split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, IndexError):
        return 0


def _setrlimit(which: int, value: int, hard: int | None = None) -> bool:
    """Set one resource limit; return whether it worked."""
    try:
        resource.setrlimit(which, (value, value if hard is None else hard))
        return True
    except (OSError, ValueError, OverflowError):
        return False


CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
NOBODY = 65534
UID_BASE = 1 << 28  # workers run as UID_BASE + their pid when the uid range is mapped


def _uid_range_mapped(first: int, count: int) -> bool:
    """Tell whether this user namespace maps every uid in [first, first + count)."""
    try:
        for line in _read_small("/proc/self/uid_map").splitlines():
            inside, _, length = (int(x) for x in line.split())
            if inside <= first and first + count <= inside + length:
                return True
    except ValueError:
        pass
    return False


# Read once, when the zygote imports this module: a user namespace's uid map is written once,
# before any process runs in it, so every worker forked later sees the same map.
PER_WORKER_UIDS = _uid_range_mapped(UID_BASE, 1 << 23)


def _write(path: str, text: str) -> None:
    """Write a small /proc file."""
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode("ascii"))
    finally:
        os.close(fd)


def enter_namespaces() -> dict[str, bool]:
    """Give the worker its own IPC namespace (as root) or its own user+IPC namespace (not root).

    In a fresh user namespace the worker is root *inside* (mapped to the grader's own user
    outside, nothing more), which lets it build the same private filesystem as under real
    root.  Where neither works, the seccomp filter still denies every IPC syscall.
    """
    info = {"ipc_namespace": False, "user_namespace": False}
    if LIBC is None:
        return info
    if os.geteuid() == 0:
        info["ipc_namespace"] = LIBC.unshare(CLONE_NEWIPC) == 0
        return info
    uid, gid = os.getuid(), os.getgid()
    if LIBC.unshare(CLONE_NEWUSER | CLONE_NEWIPC) != 0:
        info["ipc_namespace"] = LIBC.unshare(CLONE_NEWIPC) == 0
        return info
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    except OSError:
        os._exit(72)  # a half-made user namespace: never run student code in it
    info["ipc_namespace"] = info["user_namespace"] = True
    return info


def drop_privileges(user_namespace: bool) -> str:
    """Leave root (or end the process); return which identity the worker now has.

    ``"per_worker_uid"``: a uid of its own (UID_BASE + pid), so no other worker, of this
    grading or another, shares it; ``"nobody"`` where that uid range is not mapped (a
    container); ``"user_namespace"``: root only inside a namespace that maps the grader's
    unprivileged user; ``"grader_user"``: not root, and no user namespace.
    """
    if user_namespace:
        return "user_namespace"
    if os.geteuid() != 0:
        return "grader_user"
    uid = UID_BASE + os.getpid()
    choice = "per_worker_uid" if PER_WORKER_UIDS else "nobody"
    if choice == "nobody":
        uid = NOBODY
    try:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    except OSError:
        try:
            os.setresgid(NOBODY, NOBODY, NOBODY)
            os.setresuid(NOBODY, NOBODY, NOBODY)
            choice = "nobody"
        except OSError:
            os._exit(71)  # never run student code as root
    if os.geteuid() == 0 or os.getuid() == 0:
        os._exit(71)
    return choice


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
        _write("/proc/self/oom_score_adj", "1000")
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

    namespaces = enter_namespaces()
    features.update(namespaces)
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

    identity = drop_privileges(namespaces["user_namespace"])
    dropped = identity in ("per_worker_uid", "nobody", "user_namespace")
    features["dropped_privileges"] = dropped
    features["per_worker_uid"] = identity == "per_worker_uid"
    features["identity"] = identity  # type: ignore[assignment]
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

    os.set_blocking(sock_fd, True)
    worker = Worker(Channel(sock_fd), cfg)
    worker.hello(features)
    worker.serve()

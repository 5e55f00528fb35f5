"""Run the zygote and its workers (executed as ``python -I -B -c <this source>``).

This file must stay self-contained: it imports only the standard library and numpy, never
``grader``, and it holds no trusted data.  The trusted side (``grader/sandbox/core.py``)
starts it with::

    python -I -B -c <source> <control fd> <trusted pid> [path to drop from sys.path ...]

The zygote imports numpy once, reports ``{"ready": true}`` on its control socket
(AF_UNIX, SOCK_SEQPACKET) and then serves two requests, each answered by one message:

* ``{"op": "spawn", "cfg": {...}}`` with one socket fd attached (SCM_RIGHTS): fork a worker
  that serves that socket; the answer ``{"ok": true, "pid": pid}`` carries the worker's
  output memfd attached, so the trusted side can read what the worker printed even after
  killing it.
* ``{"op": "reap", "pid": pid, "grace": seconds}``: wait up to ``grace`` for the worker to end,
  kill its process group if it has not, reap it and report how it ended.  The zygote reaps a
  worker only when asked, so its pid (and process group id) cannot be reused while the
  trusted side may still ``killpg`` it.

A worker drops its privileges, limits itself, installs a seccomp filter and then answers
length-prefixed JSON frames: ``load``, ``call``, ``get`` and ``has``.
"""

from __future__ import annotations

import base64
import ctypes
import errno
import io
import json
import os
import resource
import select
import signal
import socket
import stat
import struct
import sys
import time
from collections.abc import Callable

# --------------------------------------------------------------------------- constants

PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7

BPF_LD_W_ABS = 0x20
BPF_JMP_JA = 0x05
BPF_JMP_JEQ_K = 0x15
BPF_JMP_JGE_K = 0x35
BPF_JMP_JSET_K = 0x45
BPF_RET_K = 0x06

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

EPERM = 1
ENOSYS = 38
CLONE_THREAD = 0x00010000
OPEN_WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000  # O_WRONLY | O_RDWR | O_CREAT | O_TRUNC
X32_SYSCALL_BIT = 0x40000000

OFFSET_NR = 0
OFFSET_ARCH = 4


def _arg_offset(index: int) -> int:
    """Return the offset of the low 32 bits of syscall argument ``index`` in seccomp_data."""
    return 16 + 8 * index


# Syscall numbers, checked against asm/unistd_64.h (x86_64) and asm-generic/unistd.h (aarch64).
# fchmodat2 (452) is newer than those headers; its number is the same on every architecture.
_X86_64 = """
    fork 57  vfork 58  execve 59  execveat 322  clone 56  clone3 435  socket 41  socketpair 53
    ptrace 101  process_vm_readv 310  process_vm_writev 311  pidfd_open 434
    pidfd_send_signal 424  pidfd_getfd 438  kill 62  tkill 200  tgkill 234  open 2  openat 257
    creat 85  openat2 437  unlink 87  unlinkat 263  rename 82  renameat 264  renameat2 316
    mkdir 83  mkdirat 258  rmdir 84  link 86  linkat 265  symlink 88  symlinkat 266
    truncate 76  ftruncate 77  chmod 90  fchmod 91  fchmodat 268  fchmodat2 452  chown 92
    fchown 93  lchown 94  fchownat 260  utimensat 280  mknod 133  mknodat 259  utime 132
    utimes 235  futimesat 261  setxattr 188  lsetxattr 189  fsetxattr 190  removexattr 197
    lremovexattr 198  fremovexattr 199  io_uring_setup 425  io_uring_enter 426
    io_uring_register 427  unshare 272  setns 308  prctl 157
"""
_AARCH64 = """
    execve 221  execveat 281  clone 220  clone3 435  socket 198  socketpair 199  ptrace 117
    process_vm_readv 270  process_vm_writev 271  pidfd_open 434  pidfd_send_signal 424
    pidfd_getfd 438  kill 129  tkill 130  tgkill 131  openat 56  openat2 437  unlinkat 35
    renameat 38  renameat2 276  mkdirat 34  linkat 37  symlinkat 36  truncate 45  ftruncate 46
    fchmod 52  fchmodat 53  fchmodat2 452  fchown 55  fchownat 54  utimensat 88  mknodat 33
    setxattr 5  lsetxattr 6  fsetxattr 7  removexattr 14  lremovexattr 15  fremovexattr 16
    io_uring_setup 425  io_uring_enter 426  io_uring_register 427  unshare 97  setns 268
    prctl 167
"""


def _table(text: str) -> dict[str, int]:
    """Parse "name number" pairs."""
    words = text.split()
    return {words[i]: int(words[i + 1]) for i in range(0, len(words), 2)}


SYSCALLS: dict[str, dict[str, int]] = {"x86_64": _table(_X86_64), "aarch64": _table(_AARCH64)}
ARCHES = {"x86_64": AUDIT_ARCH_X86_64, "aarch64": AUDIT_ARCH_AARCH64}

# Plain denials (only the names that exist on an architecture are used there).
DENY_EPERM = (
    "fork", "vfork", "execve", "execveat", "socket", "socketpair", "ptrace",
    "process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
    "creat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat",
    "rmdir", "link", "linkat", "symlink", "symlinkat", "truncate", "ftruncate", "chmod",
    "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "utimensat",
    "mknod", "mknodat", "utime", "utimes", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
    "removexattr", "lremovexattr", "fremovexattr", "unshare", "setns",
)  # fmt: skip
DENY_ENOSYS = ("clone3", "openat2", "io_uring_setup", "io_uring_enter", "io_uring_register")
OPEN_FLAG_ARG = {"open": 1, "openat": 2}  # which argument holds the open flags
OWN_PID_ONLY = ("kill", "tkill", "tgkill")

DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
)  # fmt: skip

MAX_DEPTH = 16
MAX_ITEMS = 1_000_000
MAX_STR = 1 << 20
MAX_TEXT = 200
MAX_MESSAGE = 500
MAX_FRAMES = 20
MAX_INT_BITS = 12_000  # well under Python's 4300-digit str() limit
FD_LIMIT = 64


# --------------------------------------------------------------------------- seccomp filter


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> tuple[int, int, int, int]:
    """Make one classic BPF instruction."""
    if not (0 <= jt <= 255 and 0 <= jf <= 255):
        raise ValueError("BPF jump offset out of range")
    return (code, jt, jf, k & 0xFFFFFFFF)


def _arch_rules(arch: str, pid: int) -> list[tuple[int, int, int, int]]:
    """Build the per-architecture part: every path ends in a RET."""
    table = SYSCALLS[arch]
    ret_eperm = _insn(BPF_RET_K, SECCOMP_RET_ERRNO | EPERM)
    ret_enosys = _insn(BPF_RET_K, SECCOMP_RET_ERRNO | ENOSYS)
    ret_allow = _insn(BPF_RET_K, SECCOMP_RET_ALLOW)
    load_nr = _insn(BPF_LD_W_ABS, OFFSET_NR)
    prog = [load_nr]
    if arch == "x86_64":  # x32 syscalls share AUDIT_ARCH_X86_64: refuse them all
        prog += [_insn(BPF_JMP_JGE_K, X32_SYSCALL_BIT, 0, 1), ret_enosys]
    for name in DENY_EPERM:
        if name in table:
            prog += [_insn(BPF_JMP_JEQ_K, table[name], 0, 1), ret_eperm]
    for name in DENY_ENOSYS:
        if name in table:
            prog += [_insn(BPF_JMP_JEQ_K, table[name], 0, 1), ret_enosys]
    # clone: threads (CLONE_THREAD set) are allowed, new processes are not.
    prog += [
        _insn(BPF_JMP_JEQ_K, table["clone"], 0, 4),
        _insn(BPF_LD_W_ABS, _arg_offset(0)),
        _insn(BPF_JMP_JSET_K, CLONE_THREAD, 1, 0),
        ret_eperm,
        ret_allow,
    ]
    for name, arg in OPEN_FLAG_ARG.items():
        if name in table:
            prog += [
                _insn(BPF_JMP_JEQ_K, table[name], 0, 4),
                _insn(BPF_LD_W_ABS, _arg_offset(arg)),
                _insn(BPF_JMP_JSET_K, OPEN_WRITE_FLAGS, 0, 1),
                ret_eperm,
                ret_allow,
            ]
    # prctl: the parent-death signal must stay (it ends a worker whose zygote is gone).
    prctl_nr = table["prctl"]
    prctl_rule = [
        _insn(BPF_JMP_JEQ_K, prctl_nr, 0, 4),
        _insn(BPF_LD_W_ABS, _arg_offset(0)),
        _insn(BPF_JMP_JEQ_K, PR_SET_PDEATHSIG, 0, 1),
        ret_eperm,
        ret_allow,
    ]
    prog += prctl_rule
    for name in OWN_PID_ONLY:
        prog += [
            _insn(BPF_JMP_JEQ_K, table[name], 0, 4),
            _insn(BPF_LD_W_ABS, _arg_offset(0)),
            _insn(BPF_JMP_JEQ_K, pid, 1, 0),
            ret_eperm,
            ret_allow,
        ]
    prog.append(ret_allow)
    return prog


def build_filter(pid: int) -> list[tuple[int, int, int, int]]:
    """Build the seccomp program for a worker whose pid is ``pid``."""
    blocks = [(ARCHES[arch], _arch_rules(arch, pid)) for arch in ("x86_64", "aarch64")]
    # Header: LD arch; then per arch "JEQ arch; JA block"; finally KILL for unknown arches.
    header_len = 1 + 2 * len(blocks) + 1
    prog = [_insn(BPF_LD_W_ABS, OFFSET_ARCH)]
    start = header_len
    for index, (audit_arch, block) in enumerate(blocks):
        here = 1 + 2 * index
        prog.append(_insn(BPF_JMP_JEQ_K, audit_arch, 0, 1))
        prog.append(_insn(BPF_JMP_JA, start - (here + 2)))
        start += len(block)
    prog.append(_insn(BPF_RET_K, SECCOMP_RET_KILL_PROCESS))
    for _, block in blocks:
        prog += block
    return prog


def pack_filter(prog: list[tuple[int, int, int, int]]) -> bytes:
    """Pack instructions as an array of struct sock_filter."""
    return b"".join(struct.pack("=HBBI", *insn) for insn in prog)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _libc() -> ctypes.CDLL | None:
    """Load the C library once."""
    try:
        lib = ctypes.CDLL(None, use_errno=True)
        lib.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong]
        lib.prctl.argtypes += [ctypes.c_ulong, ctypes.c_ulong]
        lib.prctl.restype = ctypes.c_int
        return lib
    except (OSError, AttributeError):
        return None


LIBC = _libc()


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> bool:
    """Call prctl(2); return whether it succeeded."""
    if LIBC is None:
        return False
    return LIBC.prctl(option, arg2, arg3, 0, 0) == 0


def install_seccomp(pid: int) -> tuple[bool, bool]:
    """Install the filter on this thread; return (no_new_privs, seccomp) success flags."""
    if not prctl(PR_SET_NO_NEW_PRIVS, 1):
        return False, False
    data = pack_filter(build_filter(pid))
    buf = ctypes.create_string_buffer(data, len(data))
    fprog = _SockFprog(len(data) // 8, ctypes.addressof(buf))
    return True, prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))


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


# --------------------------------------------------------------------------- framing


def recv_exact(sock: socket.socket, n: int) -> bytes | None:
    """Read exactly ``n`` bytes; None on EOF."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            return None
        got += k
    return bytes(buf)


def recv_frame(sock: socket.socket) -> bytes | None:
    """Read one length-prefixed frame; None on EOF."""
    head = recv_exact(sock, 4)
    if head is None:
        return None
    return recv_exact(sock, int.from_bytes(head, "big"))


def send_frame(sock: socket.socket, data: bytes) -> None:
    """Write one length-prefixed frame."""
    sock.sendall(len(data).to_bytes(4, "big") + data)


# --------------------------------------------------------------------------- worker: guards


class _Slow(BaseException):
    """Interrupt a student method (``__repr__``, ``__str__``) that takes too long."""


def _on_alarm(signum: int, frame: object) -> None:
    """Raise _Slow from the SIGALRM handler."""
    raise _Slow()


def guarded(
    fn: Callable[..., object], *args: object, default: object = None, seconds: float = 0.5
) -> object:
    """Run a possibly hostile callable; return ``default`` if it raises or takes too long."""
    try:
        old = signal.signal(signal.SIGALRM, _on_alarm)
    except BaseException:
        old = None
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        return fn(*args)
    except BaseException:
        return default
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old if old is not None else signal.SIG_DFL)
        except BaseException:
            pass


def type_name(tp: type) -> str:
    """Return a class's qualified name without running any student code."""
    try:
        name = type.__dict__["__qualname__"].__get__(tp, type)
    except BaseException:
        name = None
    if type(name) is not str:
        return "object"
    return name[:MAX_TEXT]


def _clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def describe(value: object) -> str:
    """Make a short description of a value, falling back to its type name."""
    text = guarded(repr, value)
    if type(text) is not str:
        return type_name(type(value))
    return _clip(text, MAX_TEXT)


# --------------------------------------------------------------------------- worker: codec

try:
    import numpy as np

    NP_SCALARS: dict[type, str] = {np.dtype(name).type: name for name in DTYPES}
    for _extra in ("longlong", "ulonglong", "intc", "uintc", "int_", "uint"):
        _tp = getattr(np, _extra, None)
        if _tp is not None and _tp not in NP_SCALARS and np.dtype(_tp).name in DTYPES:
            NP_SCALARS[_tp] = np.dtype(_tp).name
except ImportError:  # pragma: no cover - numpy is a dependency
    np = None  # type: ignore[assignment]
    NP_SCALARS = {}


class TooBig(Exception):
    """Signal that a value is too large to send."""


def opaque(value: object, text: str | None = None) -> dict:
    """Encode a value that is not sent as plain data."""
    tname = type_name(type(value))
    return {"t": "opaque", "type": tname, "text": text if text is not None else describe(value)}


def encode(value: object, budget: list[int], depth: int = 0) -> object:
    """Encode a value by its exact type; ``budget`` is [items left, bytes left]."""
    tp = type(value)
    if value is None or tp is bool or tp is float:
        return value
    if tp is int:
        if -(2**53) < value < 2**53:
            return value
        if value.bit_length() > MAX_INT_BITS:
            return opaque(value, f"an int of {value.bit_length()} bits (too large to send)")
        text = str(value)
        budget[1] -= len(text)
        return {"t": "int", "v": text}
    if tp is str:
        if len(value) > MAX_STR:
            return opaque(value, f"a str of {len(value)} characters (too long to send)")
        budget[1] -= len(value)
        if budget[1] < 0:
            raise TooBig()
        return value
    if tp is list or tp is tuple or tp is dict:
        if depth >= MAX_DEPTH:
            return opaque(value, f"a {type_name(tp)} nested too deeply")
        budget[0] -= len(value)
        if budget[0] < 0:
            raise TooBig()
        if tp is dict:
            items = list(dict.items(value))
            if any(type(k) is not str for k, _ in items):
                return opaque(value, "a dict with keys that are not all str")
            out = []
            for k, v in items:
                budget[1] -= len(k)
                out.append([k, encode(v, budget, depth + 1)])
            return {"t": "dict", "v": out}
        items = [encode(v, budget, depth + 1) for v in value]
        return items if tp is list else {"t": "tuple", "v": items}
    if tp in NP_SCALARS:
        data = np.ndarray.tobytes(np.asarray(value))
        return {"t": "npscalar", "dtype": NP_SCALARS[tp], "b64": base64.b64encode(data).decode()}
    if np is not None and tp is np.ndarray:
        dtype = value.dtype
        name = dtype.name if dtype.fields is None and dtype.subdtype is None else ""
        if name not in DTYPES or dtype.kind not in "biuf":
            return opaque(value)
        if not dtype.isnative:
            value = value.astype(dtype.newbyteorder("="))
        if value.nbytes * 4 // 3 + 64 > budget[1]:
            raise TooBig()
        data = np.ndarray.tobytes(value, order="C")
        budget[1] -= len(data) * 4 // 3 + 64
        return {
            "t": "nd",
            "dtype": name,
            "shape": [int(n) for n in value.shape],
            "b64": base64.b64encode(data).decode(),
        }
    return opaque(value)


def encode_top(value: object, byte_budget: int) -> object:
    """Encode a top-level value, making it opaque when it is too large."""
    try:
        return encode(value, [MAX_ITEMS, byte_budget])
    except TooBig:
        return opaque(value, f"a {type_name(type(value))} too large to send")
    except RecursionError:
        return opaque(value, f"a {type_name(type(value))} nested too deeply")


def decode(node: object) -> object:
    """Decode a trusted argument (the format ``_codec.encode_arg`` makes)."""
    if type(node) is list:
        return [decode(v) for v in node]
    if type(node) is not dict:
        return node
    tag = node["t"]
    if tag == "tuple":
        return tuple(decode(v) for v in node["v"])
    if tag == "dict":
        return {k: decode(v) for k, v in node["v"]}
    if tag == "int":
        return int(node["v"])
    if tag == "npscalar":
        return np.frombuffer(base64.b64decode(node["b64"]), dtype=node["dtype"])[0]
    if tag == "nd":
        data = bytearray(base64.b64decode(node["b64"]))
        return np.frombuffer(data, dtype=node["dtype"]).reshape(node["shape"])
    raise ValueError(f"unknown tag {tag!r}")


# --------------------------------------------------------------------------- worker: state


class _Sink(io.RawIOBase):
    """Write to an fd, silently dropping what does not fit (RLIMIT_FSIZE caps the memfd)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._full = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if not self._full:
            try:
                os.write(self._fd, data)
            except OSError as exc:
                self._full = exc.errno == errno.EFBIG
        return len(data)


class Worker:
    """Serve one student module on one socket."""

    def __init__(self, sock: socket.socket, cfg: dict) -> None:
        self.sock = sock
        self.directory: str | None = cfg.get("dir")
        self.files: set[str] = set(cfg.get("files", ()))
        self.reply_bytes = int(cfg["reply_bytes"])
        self.cpu_seconds = int(cfg["cpu_seconds"])
        self.module: object = None
        self.module_file = ""
        self.sources: dict[str, list[str]] = {}

    # -- student frames ------------------------------------------------------------

    def _source_line(self, path: str, line: int) -> str:
        """Return one stripped line of a student file."""
        lines = self.sources.get(path)
        if lines is None:
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().splitlines()
            except OSError:
                lines = []
            self.sources[path] = lines
        if 1 <= line <= len(lines):
            return _clip(lines[line - 1].strip(), MAX_TEXT)
        return ""

    def student_file(self, path: object) -> str | None:
        """Return the bare name of a student file, or None for any other path."""
        if type(path) is not str or self.directory is None:
            return None
        name = os.path.basename(path)
        if os.path.dirname(path) == self.directory and name in self.files:
            return name
        return None

    def frames(self, exc: BaseException) -> list[list]:
        """Return the student's own frames of an exception's traceback."""
        out = []
        tb = exc.__traceback__
        steps = 0
        while tb is not None and steps < 100_000:
            steps += 1
            code = tb.tb_frame.f_code
            name = self.student_file(code.co_filename)
            if name is not None:
                line = tb.tb_lineno if type(tb.tb_lineno) is int else 0
                func = code.co_name if type(code.co_name) is str else "?"
                path = os.path.join(self.directory or "", name)
                out.append([name, line, _clip(func, MAX_TEXT), self._source_line(path, line)])
            tb = tb.tb_next
        if len(out) > MAX_FRAMES:
            out = out[: MAX_FRAMES // 2] + out[-MAX_FRAMES // 2 :]
        return out

    def message(self, exc: BaseException) -> str:
        """Return an exception's message, guarded and cut."""
        text = guarded(str, exc)
        if type(text) is not str:
            return ""
        return _clip(text, MAX_MESSAGE)

    def raised(self, exc: BaseException) -> dict:
        """Describe an exception raised by student code."""
        return {
            "status": "raised",
            "type": type_name(type(exc)),
            "message": self.message(exc),
            "frames": self.frames(exc),
        }

    # -- requests ------------------------------------------------------------------

    def load(self, stem: str) -> dict:
        """Import the student module ``stem`` from the submission directory."""
        import importlib.util
        import warnings

        # Every warning is printed every time (not once per place), so a check can see
        # whether a particular call warned, whatever ran before it.
        warnings.simplefilter("always")
        self.module_file = stem + ".py"
        path = os.path.join(self.directory or "", self.module_file)
        try:
            spec = importlib.util.spec_from_file_location(stem, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[stem] = module
            spec.loader.exec_module(module)
        except BaseException as exc:
            return self._load_failure(exc)
        self.module = module
        return {"status": "ok"}

    def _load_failure(self, exc: BaseException) -> dict:
        """Describe why a module could not be imported, in one line."""
        tname = type_name(type(exc))
        frames = self.frames(exc)
        if isinstance(exc, SyntaxError):
            name = self.student_file(guarded(getattr, exc, "filename")) or self.module_file
            line = guarded(getattr, exc, "lineno")
            msg = guarded(getattr, exc, "msg")
            msg = msg if type(msg) is str else self.message(exc)
            where = f"{name} line {line}" if type(line) is int else name
            if type(line) is int:
                path = os.path.join(self.directory or "", name)
                frames.append([name, line, "<module>", self._source_line(path, line)])
        else:
            where, msg = self.module_file, self.message(exc)
        msg = " ".join(msg.split())
        reason = f"{where}: {tname}: {msg}" if msg else f"{where}: {tname}"
        return {"status": "unavailable", "reason": _clip(reason, MAX_MESSAGE), "frames": frames}

    def lookup(self, name: str) -> tuple[bool, object, BaseException | None]:
        """Read a module attribute: (found, value, exception)."""
        try:
            return True, getattr(self.module, name), None
        except BaseException as exc:
            return False, None, exc

    def call(self, req: dict) -> dict:
        """Call a student function."""
        name = req["fn"]
        found, fn, exc = self.lookup(name)
        if not found:
            if isinstance(exc, AttributeError):
                msg = f"{self.module_file} does not define {name}()"
                return {"status": "raised", "type": "AttributeError", "message": msg, "frames": []}
            return self.raised(exc)
        if not callable(fn):
            kind = type_name(type(fn))
            msg = f"{name} in {self.module_file} is not a function (it is a {kind})"
            return {"status": "raised", "type": "TypeError", "message": msg, "frames": []}
        args = decode(req["args"])
        kwargs = decode(req["kwargs"])
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            return self.raised(exc)
        reply: dict = {"status": "ok", "value": encode_top(result, self.reply_bytes)}
        if req.get("return_args"):
            reply["args_after"] = encode_top(tuple(args), self.reply_bytes)
        return reply

    def get(self, req: dict) -> dict:
        """Read a module-level value."""
        found, value, exc = self.lookup(req["name"])
        if not found:
            return self.raised(exc)
        return {"status": "ok", "value": encode_top(value, self.reply_bytes)}

    def has(self, req: dict) -> dict:
        """Tell whether a name is defined and whether it is callable."""
        found, value, _ = self.lookup(req["name"])
        result = {"defined": found, "callable": bool(found and callable(value))}
        return {"status": "ok", "value": encode_top(result, self.reply_bytes)}

    def handle(self, req: dict) -> dict:
        """Answer one request."""
        op = req.get("op")
        if op == "load":
            return self.load(req["module"])
        if self.module is None:
            return {"status": "error", "reason": "no module loaded"}
        if op == "call":
            return self.call(req)
        if op == "get":
            return self.get(req)
        if op == "has":
            return self.has(req)
        return {"status": "error", "reason": f"unknown request {op!r}"}

    def _reset_cpu_limit(self) -> None:
        """Give the next request a fresh CPU-time backstop."""
        try:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            used = int(usage.ru_utime + usage.ru_stime) + 1
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            soft = used + self.cpu_seconds
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        except BaseException:
            pass

    def _flush(self) -> None:
        """Flush the original output streams."""
        for stream in (sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except BaseException:
                pass

    def _dump(self, reply: dict) -> bytes:
        """Serialize a reply, replacing values that do not fit in a reply."""
        try:
            data = json.dumps(reply, separators=(",", ":")).encode()
        except BaseException as exc:
            reply = {"status": "error", "reason": f"could not encode: {type_name(type(exc))}"}
            data = json.dumps(reply).encode()
        if len(data) > self.reply_bytes:
            for key in ("value", "args_after"):
                if key in reply:
                    reply[key] = {"t": "opaque", "type": "object", "text": "too large to send"}
            data = json.dumps(reply, separators=(",", ":")).encode()
        return data

    def serve(self) -> None:
        """Answer requests until the trusted side goes away."""
        while True:
            try:
                raw = recv_frame(self.sock)
            except BaseException:
                raw = None
            if raw is None:
                os._exit(0)
            seq = None
            try:
                req = json.loads(raw)
                seq = req.get("seq")
                self._reset_cpu_limit()
                reply = self.handle(req)
            except BaseException as exc:
                reply = {"status": "error", "reason": f"worker error: {type_name(type(exc))}"}
            self._flush()
            reply["seq"] = seq
            try:
                data = self._dump(reply)
                send_frame(self.sock, data)
            except BaseException:
                os._exit(0)


# --------------------------------------------------------------------------- worker: setup


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


def worker_main(sock_fd: int, memfd: int, cfg: dict, layout: Layout, zygote: int) -> None:
    """Set up a freshly forked worker and serve its socket; never returns."""
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

    dropped = False
    if os.geteuid() == 0:
        try:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            dropped = True
        except OSError:
            os._exit(71)  # never run student code as root
    features["dropped_privileges"] = dropped
    features["parent_death_signal"] = prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote:
        os._exit(0)

    os.chdir(directory or "/")
    sys.dont_write_bytecode = True
    if directory:
        sys.path.append(directory)
    sys.argv = [""]
    out = io.TextIOWrapper(
        _Sink(1), encoding="utf-8", errors="backslashreplace", write_through=True
    )
    err = io.TextIOWrapper(
        _Sink(2), encoding="utf-8", errors="backslashreplace", write_through=True
    )
    sys.stdout = sys.__stdout__ = out
    sys.stderr = sys.__stderr__ = err

    no_new_privs, seccomp = install_seccomp(os.getpid())
    features["no_new_privs"] = no_new_privs
    features["seccomp"] = seccomp
    # Without seccomp, forbid new processes the old way (this also forbids threads).
    features["process_limit"] = seccomp or (dropped and _setrlimit(rl.RLIMIT_NPROC, 0))
    features["network_blocked"] = seccomp
    features["file_changes_blocked"] = seccomp or features["landlock"]
    features["new_processes_blocked"] = features["process_limit"]

    sock = socket.socket(fileno=sock_fd)
    sock.setblocking(True)
    send_frame(sock, json.dumps({"seq": 0, "hello": True, "features": features}).encode())
    Worker(sock, cfg).serve()


# --------------------------------------------------------------------------- zygote


def _readable_by_others(path: str) -> bool:
    """Tell whether an unprivileged user can list ``path`` (every ancestor searchable)."""
    try:
        st = os.stat(path)
        if not stat.S_ISDIR(st.st_mode) or (st.st_mode & 0o005) != 0o005:
            return False
        parent = os.path.dirname(path)
        while True:
            if not os.stat(parent).st_mode & 0o001:
                return False
            if parent == os.path.dirname(parent):
                return True
            parent = os.path.dirname(parent)
    except OSError:
        return False


MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
CLONE_NEWNS = 0x00020000
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
ROOT_MOUNT_POINTS = ("/tmp", "/mnt", "/var/tmp")


class Layout:
    """Decide once, in the zygote, what a worker's filesystem looks like.

    Preferred: a private mount namespace whose root holds only the system libraries, the
    interpreter's own directories, /proc, a few devices and the submission's copy (nothing of
    the grader, its tests, solutions or other students).  Fallback when that is impossible:
    the normal filesystem, with the interpreter's directories reached through inherited dir
    fds when ``nobody`` could not otherwise read them (e.g. under /root/.pyenv).
    """

    def __init__(self, drop: list[str], hide: list[str], private: bool = True) -> None:
        self.private = private
        dropped = {os.path.realpath(p) for p in drop}
        sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) not in dropped]
        self.fds: dict[str, int] = {}  # unreadable dir -> fd (fallback only)
        if os.geteuid() == 0:
            for entry in sys.path:
                real = os.path.realpath(entry)
                if real in self.fds or not os.path.isdir(real) or _readable_by_others(real):
                    continue
                try:
                    self.fds[real] = os.open(real, os.O_RDONLY | os.O_DIRECTORY)
                except OSError:
                    pass
        candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        binds: set[str] = set()
        self.links: dict[str, str] = {}
        for path in SYSTEM_DIRS:
            if os.path.islink(path):
                self.links[path] = os.readlink(path)
            elif os.path.isdir(path):
                binds.add(path)
        for entry in [*candidates, *sys.path]:
            if entry and os.path.isabs(entry) and os.path.isdir(entry):
                binds.add(os.path.realpath(entry))
                binds.add(os.path.normpath(entry))
        self.binds = sorted(
            b for b in binds if not any(b != o and b.startswith(o + "/") for o in binds)
        )
        hidden = {os.path.realpath(h) for h in hide}
        self.hide = sorted(
            h for h in hidden if any(h.startswith(b + "/") for b in self.binds) and os.path.isdir(h)
        )

    def keep_fds(self) -> set[int]:
        """Return the fds a worker inherits."""
        return set(self.fds.values())

    def use_fds(self) -> None:
        """Fallback: reach unreadable interpreter directories as /proc/self/fd/N."""
        mapping = {src: f"/proc/self/fd/{fd}" for src, fd in self.fds.items()}
        if not mapping:
            return

        def moved(path: object) -> object:
            real = os.path.realpath(path) if type(path) is str else ""
            for src, dst in mapping.items():
                if real == src or real.startswith(src + "/"):
                    return dst + real[len(src) :]
            return path

        sys.path[:] = [moved(p) for p in sys.path]
        for module in list(sys.modules.values()):
            paths = getattr(module, "__path__", None)
            if type(paths) is list:
                paths[:] = [moved(p) for p in paths]
        sys.path_importer_cache.clear()

    def close_fds(self) -> None:
        """Close the fallback fds (they would lead out of a private root)."""
        for fd in self.fds.values():
            try:
                os.close(fd)
            except OSError:
                pass

    def private_root(self, directory: str | None) -> bool:
        """Move this (root, freshly forked) process into its own minimal filesystem."""
        nr = PIVOT_ROOT.get(os.uname().machine)
        if not self.private or LIBC is None or nr is None or os.geteuid() != 0:
            return False
        root = next((p for p in ROOT_MOUNT_POINTS if os.path.isdir(p)), None)
        if root is None:
            return False
        fds: dict[str, int] = {}
        mounted = False
        try:
            _c_call(LIBC.unshare(CLONE_NEWNS), "unshare")
            _mount(None, "/", None, MS_REC | MS_PRIVATE)
            sources = [*self.binds, "/proc", *(d for d in DEVICES if os.path.exists(d))]
            if directory:
                sources.append(directory)
            for path in sources:  # opened in the new namespace, before anything is covered
                fds[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
            _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
            mounted = True
            os.umask(0o022)
            for path, fd in fds.items():
                target = root + path
                if stat.S_ISDIR(os.fstat(fd).st_mode):
                    os.makedirs(target, 0o755, exist_ok=True)
                else:
                    os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
                    os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
                _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
            for path, dest in self.links.items():
                if not os.path.lexists(root + path):
                    os.symlink(dest, root + path)
            for path in self.hide:
                flags = MS_RDONLY | MS_NOSUID | MS_NODEV
                _mount("tmpfs", root + path, "tmpfs", flags, "mode=755,size=4k")
            os.mkdir(root + "/.old", 0o700)
            _c_call(LIBC.syscall(nr, root.encode(), (root + "/.old").encode()), "pivot_root")
        except OSError:
            if mounted:
                LIBC.umount2(root.encode(), MNT_DETACH)
            return False
        finally:
            for fd in fds.values():
                os.close(fd)
        # Past pivot_root the old tree must go, or the worker must not run at all.
        os.chdir("/")
        _c_call(LIBC.umount2(b"/.old", MNT_DETACH), "umount2")
        os.rmdir("/.old")
        try:
            _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        except OSError:
            pass
        return True


def _c_call(rc: int, what: str) -> None:
    """Raise OSError when a libc call failed."""
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    """Call mount(2)."""
    assert LIBC is not None

    def enc(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    rc = LIBC.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))
    _c_call(rc, f"mount {target}")


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
    import math  # noqa: F401

    import numpy  # noqa: F401
    import numpy.random  # noqa: F401

    layout = Layout(
        list(options.get("drop", [])),
        list(options.get("hide", [])),
        options.get("private_root", True) is True,
    )
    import gc

    gc.collect()
    gc.freeze()
    socket.send_fds(ctl, [json.dumps({"ready": True, "pid": os.getpid()}).encode()], [])
    Zygote(ctl, layout).serve()
    os._exit(0)


if __name__ == "__main__":
    zygote_main(sys.argv)

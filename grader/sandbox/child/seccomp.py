"""The worker's seccomp-BPF filter (untrusted child program; standard library only)."""

from __future__ import annotations

import ctypes
import struct

from .libc import PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG, PR_SET_SECCOMP, prctl

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


def install_seccomp(pid: int) -> tuple[bool, bool]:
    """Install the filter on this thread; return (no_new_privs, seccomp) success flags."""
    if not prctl(PR_SET_NO_NEW_PRIVS, 1):
        return False, False
    data = pack_filter(build_filter(pid))
    buf = ctypes.create_string_buffer(data, len(data))
    fprog = _SockFprog(len(data) // 8, ctypes.addressof(buf))
    return True, prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))

"""The worker's seccomp-BPF filter (untrusted child program; standard library only)."""

from __future__ import annotations

import ctypes
import os
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


# Syscall numbers, generated from and checked against asm/unistd_64.h (x86_64) and
# asm-generic/unistd.h (aarch64). fchmodat2 (452) is newer than those headers.
_X86_64 = """
    read 0  write 1  open 2  close 3  stat 4  fstat 5  lstat 6  newfstatat 262  statx 332
    poll 7  ppoll 271  select 23  pselect6 270  lseek 8  mmap 9  mprotect 10  munmap 11
    brk 12  mremap 25  msync 26  mincore 27  madvise 28  rt_sigaction 13  rt_sigprocmask 14
    rt_sigreturn 15  rt_sigpending 127  rt_sigtimedwait 128  rt_sigsuspend 130
    sigaltstack 131  ioctl 16  pread64 17  pwrite64 18  readv 19  writev 20  preadv 295
    pwritev 296  access 21  faccessat 269  faccessat2 439  pipe 22  pipe2 293  dup 32  dup2 33
    dup3 292  sched_yield 24  pause 34  nanosleep 35  clock_nanosleep 230  getitimer 36
    setitimer 38  alarm 37  getpid 39  gettid 186  getppid 110  getpgrp 111  getpgid 121
    getsid 124  getuid 102  getgid 104  geteuid 107  getegid 108  getresuid 118  getresgid 120
    getgroups 115  uname 63  fcntl 72  flock 73  fsync 74  fdatasync 75  getdents 78
    getdents64 217  getcwd 79  chdir 80  fchdir 81  readlink 89  readlinkat 267  umask 95
    gettimeofday 96  time 201  clock_gettime 228  clock_getres 229  getrlimit 97  getrusage 98
    sysinfo 99  times 100  statfs 137  fstatfs 138  futex 202  set_tid_address 218
    set_robust_list 273  get_robust_list 274  exit 60  exit_group 231  arch_prctl 158
    sched_getparam 143  sched_getscheduler 145  sched_get_priority_max 146
    sched_get_priority_min 147  getrandom 318  rseq 334  close_range 436  membarrier 324
    eventfd2 290  epoll_create 213  epoll_create1 291  epoll_ctl 233  epoll_wait 232
    epoll_pwait 281  timerfd_create 283  timerfd_settime 286  timerfd_gettime 287
    signalfd4 289  getcpu 309  sendto 44  recvfrom 45  sendmsg 46  recvmsg 47  shutdown 48
    getsockname 51  getpeername 52  getsockopt 55  fadvise64 221  get_mempolicy 239
    restart_syscall 219  mlock 149  munlock 150  clone 56  prctl 157  kill 62  tkill 200
    tgkill 234  prlimit64 302  sched_getaffinity 204  getpriority 140  open 2  openat 257
    fork 57  vfork 58  execve 59  execveat 322  socket 41  socketpair 53  ptrace 101
    process_vm_readv 310  process_vm_writev 311  pidfd_open 434  pidfd_send_signal 424
    pidfd_getfd 438  creat 85  unlink 87  unlinkat 263  rename 82  renameat 264  renameat2 316
    mkdir 83  mkdirat 258  rmdir 84  link 86  linkat 265  symlink 88  symlinkat 266
    truncate 76  ftruncate 77  chmod 90  fchmod 91  fchmodat 268  fchmodat2 452  chown 92
    fchown 93  lchown 94  fchownat 260  utimensat 280  mknod 133  mknodat 259  utime 132
    utimes 235  futimesat 261  setxattr 188  lsetxattr 189  fsetxattr 190  removexattr 197
    lremovexattr 198  fremovexattr 199  unshare 272  setns 308  rt_sigqueueinfo 129
    rt_tgsigqueueinfo 297  setpriority 141  sched_setaffinity 203  sched_setscheduler 144
    sched_setparam 142  sched_setattr 314  ioprio_set 251  process_madvise 440  shmget 29
    shmat 30  shmctl 31  shmdt 67  msgget 68  msgsnd 69  msgrcv 70  msgctl 71  semget 64
    semop 65  semctl 66  semtimedop 220  mq_open 240  mq_unlink 241  mq_timedsend 242
    mq_timedreceive 243  mq_notify 244  mq_getsetattr 245  add_key 248  request_key 249
    keyctl 250  memfd_create 319  setrlimit 160  clone3 435  openat2 437  io_uring_setup 425
    io_uring_enter 426  io_uring_register 427
"""
_AARCH64 = """
     read 63  write 64  close 57  fstat 80  statx 291  ppoll 73  pselect6 72  lseek 62
     mmap 222  mprotect 226  munmap 215  brk 214  mremap 216  msync 227  mincore 232
     madvise 233  rt_sigaction 134  rt_sigprocmask 135  rt_sigreturn 139  rt_sigpending 136
     rt_sigtimedwait 137  rt_sigsuspend 133  sigaltstack 132  ioctl 29  pread64 67  pwrite64 68
     readv 65  writev 66  preadv 69  pwritev 70  faccessat 48  faccessat2 439  pipe2 59  dup 23
     dup3 24  sched_yield 124  nanosleep 101  clock_nanosleep 115  getitimer 102  setitimer 103
     getpid 172  gettid 178  getppid 173  getpgid 155  getsid 156  getuid 174  getgid 176
     geteuid 175  getegid 177  getresuid 148  getresgid 150  getgroups 158  uname 160  fcntl 25
     flock 32  fsync 82  fdatasync 83  getdents64 61  getcwd 17  chdir 49  fchdir 50
     readlinkat 78  umask 166  gettimeofday 169  clock_gettime 113  clock_getres 114
     getrlimit 163  getrusage 165  sysinfo 179  times 153  statfs 43  fstatfs 44  futex 98
     set_tid_address 96  set_robust_list 99  get_robust_list 100  exit 93  exit_group 94
     sched_getparam 121  sched_getscheduler 120  sched_get_priority_max 125
     sched_get_priority_min 126  getrandom 278  rseq 293  close_range 436  membarrier 283
     eventfd2 19  epoll_create1 20  epoll_ctl 21  epoll_pwait 22  timerfd_create 85
     timerfd_settime 86  timerfd_gettime 87  signalfd4 74  getcpu 168  sendto 206  recvfrom 207
     sendmsg 211  recvmsg 212  shutdown 210  getsockname 204  getpeername 205  getsockopt 209
     fadvise64 223  get_mempolicy 236  restart_syscall 128  mlock 228  munlock 229  clone 220
     prctl 167  kill 129  tkill 130  tgkill 131  prlimit64 261  sched_getaffinity 123
     getpriority 141  openat 56  execve 221  execveat 281  socket 198  socketpair 199
     ptrace 117  process_vm_readv 270  process_vm_writev 271  pidfd_open 434
     pidfd_send_signal 424  pidfd_getfd 438  unlinkat 35  renameat 38  renameat2 276
     mkdirat 34  linkat 37  symlinkat 36  truncate 45  ftruncate 46  fchmod 52  fchmodat 53
     fchmodat2 452  fchown 55  fchownat 54  utimensat 88  mknodat 33  setxattr 5  lsetxattr 6
     fsetxattr 7  removexattr 14  lremovexattr 15  fremovexattr 16  unshare 97  setns 268
     rt_sigqueueinfo 138  rt_tgsigqueueinfo 240  setpriority 140  sched_setaffinity 122
     sched_setscheduler 119  sched_setparam 118  sched_setattr 274  ioprio_set 30
     process_madvise 440  shmget 194  shmat 196  shmctl 195  shmdt 197  msgget 186  msgsnd 189
     msgrcv 188  msgctl 187  semget 190  semop 193  semctl 191  semtimedop 192  mq_open 180
     mq_unlink 181  mq_timedsend 182  mq_timedreceive 183  mq_notify 184  mq_getsetattr 185
     add_key 217  request_key 218  keyctl 219  memfd_create 279  setrlimit 164  clone3 435
     openat2 437  io_uring_setup 425  io_uring_enter 426  io_uring_register 427
"""


def _table(text: str) -> dict[str, int]:
    """Parse "name number" pairs."""
    words = text.split()
    return {words[i]: int(words[i + 1]) for i in range(0, len(words), 2)}


SYSCALLS: dict[str, dict[str, int]] = {"x86_64": _table(_X86_64), "aarch64": _table(_AARCH64)}
ARCHES = {"x86_64": AUDIT_ARCH_X86_64, "aarch64": AUDIT_ARCH_AARCH64}

# The filter is an allow list: a syscall not named below fails with ENOSYS (so the C library
# falls back to an older call where it has one).  Only the names that exist on an
# architecture are used there.
ALLOW = (
    "read", "write", "open", "close", "stat", "fstat", "lstat", "newfstatat", "statx", "poll",
    "ppoll", "select", "pselect6", "lseek", "mmap", "mprotect", "munmap", "brk", "mremap",
    "msync", "mincore", "madvise", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
    "rt_sigpending", "rt_sigtimedwait", "rt_sigsuspend", "sigaltstack", "ioctl", "pread64",
    "pwrite64", "readv", "writev", "preadv", "pwritev", "access", "faccessat", "faccessat2",
    "pipe", "pipe2", "dup", "dup2", "dup3", "sched_yield", "pause", "nanosleep",
    "clock_nanosleep", "getitimer", "setitimer", "alarm", "getpid", "gettid", "getppid",
    "getpgrp", "getpgid", "getsid", "getuid", "getgid", "geteuid", "getegid", "getresuid",
    "getresgid", "getgroups", "uname", "fcntl", "flock", "fsync", "fdatasync", "getdents",
    "getdents64", "getcwd", "chdir", "fchdir", "readlink", "readlinkat", "umask",
    "gettimeofday", "time", "clock_gettime", "clock_getres", "getrlimit", "setrlimit",
    "getrusage", "sysinfo", "times", "statfs", "fstatfs", "futex", "set_tid_address",
    "set_robust_list", "get_robust_list", "exit", "exit_group", "arch_prctl", "sched_getparam",
    "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min", "getrandom",
    "rseq", "close_range", "membarrier", "eventfd2", "epoll_create", "epoll_create1",
    "epoll_ctl", "epoll_wait", "epoll_pwait", "timerfd_create", "timerfd_settime",
    "timerfd_gettime", "signalfd4", "getcpu", "sendto", "recvfrom", "sendmsg", "recvmsg",
    "shutdown", "getsockname", "getpeername", "getsockopt", "fadvise64", "get_mempolicy",
    "restart_syscall", "mlock", "munlock",
)  # fmt: skip
# Named denials answer EPERM (a clear "not allowed" rather than "no such call"): processes,
# files changes, the network, and everything that reaches another process or outlives the
# worker (SysV IPC, POSIX message queues, keyrings, signals to others, scheduling of others).
DENY_EPERM = (
    "fork", "vfork", "execve", "execveat", "socket", "socketpair", "ptrace",
    "process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
    "creat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat",
    "rmdir", "link", "linkat", "symlink", "symlinkat", "truncate", "ftruncate", "chmod",
    "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "utimensat",
    "mknod", "mknodat", "utime", "utimes", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
    "removexattr", "lremovexattr", "fremovexattr", "unshare", "setns", "rt_sigqueueinfo",
    "rt_tgsigqueueinfo", "setpriority", "sched_setaffinity", "sched_setscheduler",
    "sched_setparam", "sched_setattr", "ioprio_set", "process_madvise", "shmget", "shmat",
    "shmctl", "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semctl",
    "semtimedop", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
    "mq_getsetattr", "add_key", "request_key", "keyctl", "memfd_create",
)  # fmt: skip
DENY_ENOSYS = ("clone3", "openat2", "io_uring_setup", "io_uring_enter", "io_uring_register")
OPEN_FLAG_ARG = {"open": 1, "openat": 2}  # which argument holds the open flags
OWN_PID_ONLY = ("kill", "tkill", "tgkill")  # argument 0 must be the worker's own pid
SELF_ONLY = {"prlimit64": 0, "sched_getaffinity": 0, "getpriority": 1}  # that arg: 0 or own pid


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> tuple[int, int, int, int]:
    """Make one classic BPF instruction."""
    if not (0 <= jt <= 255 and 0 <= jf <= 255):
        raise ValueError("BPF jump offset out of range")
    return (code, jt, jf, k & 0xFFFFFFFF)


Insn = tuple[int, int, int, int]


def _arch_rules(arch: str, pid: int) -> list[Insn]:
    """Build the per-architecture part: every path ends in a RET."""
    table = SYSCALLS[arch]
    ret_eperm = _insn(BPF_RET_K, SECCOMP_RET_ERRNO | EPERM)
    ret_enosys = _insn(BPF_RET_K, SECCOMP_RET_ERRNO | ENOSYS)
    ret_allow = _insn(BPF_RET_K, SECCOMP_RET_ALLOW)
    # What each syscall number leads to once it is known to be that number (the first rule
    # for a number wins); numbers without a rule fail with ENOSYS (x32 ones included).
    rules: dict[int, list[Insn]] = {}
    # clone: threads (CLONE_THREAD set) are allowed, new processes are not.
    rules[table["clone"]] = [
        _insn(BPF_LD_W_ABS, _arg_offset(0)),
        _insn(BPF_JMP_JSET_K, CLONE_THREAD, 1, 0),
        ret_eperm,
        ret_allow,
    ]
    for name, arg in OPEN_FLAG_ARG.items():
        if name in table:
            rules.setdefault(table[name], [
                _insn(BPF_LD_W_ABS, _arg_offset(arg)),
                _insn(BPF_JMP_JSET_K, OPEN_WRITE_FLAGS, 0, 1),
                ret_eperm,
                ret_allow,
            ])  # fmt: skip
    # prctl: the parent-death signal must stay (it ends a worker whose zygote is gone).
    rules.setdefault(table["prctl"], [
        _insn(BPF_LD_W_ABS, _arg_offset(0)),
        _insn(BPF_JMP_JEQ_K, PR_SET_PDEATHSIG, 0, 1),
        ret_eperm,
        ret_allow,
    ])  # fmt: skip
    for name in OWN_PID_ONLY:
        rules.setdefault(table[name], [
            _insn(BPF_LD_W_ABS, _arg_offset(0)),
            _insn(BPF_JMP_JEQ_K, pid, 1, 0),
            ret_eperm,
            ret_allow,
        ])  # fmt: skip
    for name, arg in SELF_ONLY.items():
        rules.setdefault(table[name], [
            _insn(BPF_LD_W_ABS, _arg_offset(arg)),
            _insn(BPF_JMP_JEQ_K, 0, 2, 0),
            _insn(BPF_JMP_JEQ_K, pid, 1, 0),
            ret_eperm,
            ret_allow,
        ])  # fmt: skip
    for names, ret in ((DENY_EPERM, ret_eperm), (DENY_ENOSYS, ret_enosys), (ALLOW, ret_allow)):
        for name in names:
            if name in table:
                rules.setdefault(table[name], [ret])
    # Runs of numbers that lead to the same plain return become one range.
    ranges: list[tuple[int, list[Insn]]] = []  # (first number, code), up to the next first
    for nr in range(max(rules) + 2):
        code = rules.get(nr, [ret_enosys])
        if not ranges or len(code) > 1 or ranges[-1][1] != code or len(ranges[-1][1]) > 1:
            ranges.append((nr, code))
    return [_insn(BPF_LD_W_ABS, OFFSET_NR), *_search(ranges)]


def _search(ranges: list[tuple[int, list[Insn]]]) -> list[Insn]:
    """Find the syscall number's range by binary search (the number is in the accumulator).

    The kernel runs the filter for every syscall number when a worker installs it (to cache
    the ones always allowed), and for every syscall the worker makes: a search takes about
    nine comparisons where a list of ~250 took up to 250.
    """
    if len(ranges) == 1:
        return ranges[0][1]
    middle = len(ranges) // 2
    below, above = _search(ranges[:middle]), _search(ranges[middle:])
    first = ranges[middle][0]
    if len(below) <= 255:
        return [_insn(BPF_JMP_JGE_K, first, len(below), 0), *below, *above]
    return [_insn(BPF_JMP_JGE_K, first, 0, 1), _insn(BPF_JMP_JA, len(below)), *below, *above]


def build_filter(pid: int, arches: tuple[str, ...] = ("x86_64", "aarch64")) -> list[Insn]:
    """Build the seccomp program for a worker whose pid is ``pid`` (rules for ``arches``)."""
    blocks = [(ARCHES[arch], _arch_rules(arch, pid)) for arch in arches]
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


class FilterTemplate:
    """The packed filter with its worker-pid slots located, built once (in the zygote).

    Building the filter in Python costs about 0.7 ms; a forked worker only writes its pid
    into the slots.  The slots are where filters built for two different pids differ.
    """

    def __init__(self, arches: tuple[str, ...] = ("x86_64", "aarch64")) -> None:
        """Build the filter for two pids and locate the instructions that hold the pid."""
        first, second = pack_filter(build_filter(1, arches)), pack_filter(build_filter(2, arches))
        self.data = first
        self.slots = [
            offset + 4  # struct sock_filter: code (2 bytes), jt, jf, then k (4 bytes)
            for offset in range(0, len(first), 8)
            if first[offset : offset + 8] != second[offset : offset + 8]
        ]

    def for_pid(self, pid: int) -> bytes:
        """Return the packed filter for a worker whose pid is ``pid``."""
        data = bytearray(self.data)
        for slot in self.slots:
            struct.pack_into("=I", data, slot, pid & 0xFFFFFFFF)
        return bytes(data)


_TEMPLATE: list[FilterTemplate] = []


def native_arches() -> tuple[str, ...]:
    """Return the architectures whose rules a worker's filter needs: this machine's only.

    A syscall always reports its kernel's audit architecture (an x86_64 kernel never reports
    aarch64), and every other one, i386 included, is killed by the header; the kernel turns
    each instruction into native code when a worker installs the filter, so one architecture
    instead of two halves that cost.  An unknown machine keeps both.
    """
    machine = os.uname().machine
    return (machine,) if machine in ARCHES else ("x86_64", "aarch64")


def prepare_seccomp() -> None:
    """Build the filter template now (the zygote does, so that each worker inherits it)."""
    if not _TEMPLATE:
        _TEMPLATE.append(FilterTemplate(native_arches()))


def install_seccomp(pid: int) -> tuple[bool, bool]:
    """Install the filter on this thread; return (no_new_privs, seccomp) success flags."""
    if not prctl(PR_SET_NO_NEW_PRIVS, 1):
        return False, False
    prepare_seccomp()
    data = _TEMPLATE[0].for_pid(pid)
    buf = ctypes.create_string_buffer(data, len(data))
    fprog = _SockFprog(len(data) // 8, ctypes.addressof(buf))
    return True, prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))

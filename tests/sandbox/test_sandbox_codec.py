"""Unit tests: the hostile-reply decoder, the argument encoder and the seccomp program."""

from __future__ import annotations

import base64
import os
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import codec as _codec
from grader.sandbox.child import seccomp as _child
from grader.sandbox.child import values as _worker
from grader.sandbox.codec import Decoder, Malformed
from grader.sandbox.outcomes import Opaque


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _decode(node: object, max_bytes: int = 1 << 20) -> object:
    return Decoder(max_bytes).value(node)


@pytest.mark.parametrize(
    "node",
    [
        {"t": "nd", "dtype": "object", "shape": [1], "b64": ""},
        {"t": "nd", "dtype": "complex128", "shape": [1], "b64": _b64(bytes(16))},
        {"t": "nd", "dtype": "float64", "shape": [2], "b64": _b64(bytes(8))},
        {"t": "nd", "dtype": "float64", "shape": [-1], "b64": _b64(bytes(8))},
        {"t": "nd", "dtype": "float64", "shape": [1.0], "b64": _b64(bytes(8))},
        {"t": "nd", "dtype": "float64", "shape": [True], "b64": _b64(bytes(8))},
        {"t": "nd", "dtype": "float64", "shape": [1 << 60, 1 << 60], "b64": ""},
        {"t": "nd", "dtype": "float64", "shape": [1] * 40, "b64": _b64(bytes(8))},
        {"t": "nd", "dtype": "float64", "shape": [1], "b64": "!!!!"},
        {"t": "nd", "dtype": "float64", "shape": [1], "b64": _b64(bytes(8)), "extra": 1},
        {"t": "nd", "dtype": "float64", "shape": "1", "b64": _b64(bytes(8))},
        {"t": "nd", "dtype": "float64", "shape": [1 << 20], "b64": _b64(bytes(8 << 20))},
        {"t": "npscalar", "dtype": "float64", "b64": _b64(bytes(4))},
        {"t": "npscalar", "dtype": "O", "b64": _b64(bytes(8))},
        {"t": "int", "v": "12a"},
        {"t": "int", "v": "1" * 5000},
        {"t": "int", "v": 5},
        {"t": "dict", "v": [[1, 2]]},
        {"t": "dict", "v": [["a"]]},
        {"t": "tuple", "v": "ab"},
        {"t": "opaque", "type": 1, "text": "x"},
        {"t": "pickle", "v": "gASVAAAAAAAAAAB9lC4="},
        {"t": "tuple"},
        {},
        {"t": ["tuple"], "v": []},
    ],
)
def test_decoder_rejects_malformed_nodes(node: object) -> None:
    with pytest.raises(Malformed):
        _decode(node)


def test_decoder_rejects_too_deep_and_too_many() -> None:
    deep: object = 1
    for _ in range(40):
        deep = [deep]
    with pytest.raises(Malformed):
        _decode(deep)
    with pytest.raises(Malformed):
        _decode([[0] * 600_000, [0] * 600_000])


def test_decoder_accepts_valid_nodes() -> None:
    arr = np.arange(6, dtype=np.int16).reshape(2, 3)
    node = {"t": "nd", "dtype": "int16", "shape": [2, 3], "b64": _b64(arr.tobytes())}
    got = _decode(node)
    assert got.dtype == np.int16 and got.shape == (2, 3) and got.flags.writeable
    np.testing.assert_array_equal(got, arr)
    scalar = _decode({"t": "npscalar", "dtype": "float32", "b64": _b64(np.float32(2).tobytes())})
    assert type(scalar) is np.float32 and scalar == 2
    opaque = _decode({"t": "opaque", "type": "X" * 500, "text": "y" * 5000})
    assert isinstance(opaque, Opaque) and len(opaque.type_name) == 200 and len(opaque.text) == 1000
    assert _decode({"t": "int", "v": "-" + "9" * 100}) == -int("9" * 100)
    assert _decode({"t": "dict", "v": [["a", {"t": "tuple", "v": [1]}]]}) == {"a": (1,)}
    empty = _decode({"t": "nd", "dtype": "float64", "shape": [0, 1 << 30], "b64": ""})
    assert empty.shape == (0, 1 << 30)


def test_frames_and_messages_are_validated() -> None:
    assert _codec.decode_frames([["m.py", 3, "f", "x = 1"]])[0].line == 3
    for bad in ([["m.py", "3", "f", "x"]], [["m.py", 3, "f"]], "frames", [["m.py", -1, "f", ""]]):
        with pytest.raises(Malformed):
            _codec.decode_frames(bad)
    with pytest.raises(Malformed):
        _codec.decode_message(None)
    assert len(_codec.decode_message("x" * 10_000)) == 2000


def test_encode_arg_round_trips_through_the_worker_decoder() -> None:
    value = (1, 2.5, [True, None], {"k": "v"}, np.float32(3), np.arange(4.0), 2**70)
    back = _worker.decode(_codec.encode_arg(value))
    assert back[:4] == value[:4] and back[6] == 2**70
    assert type(back[4]) is np.float32
    np.testing.assert_array_equal(back[5], value[5])
    for bad in (object(), 1j, np.array([1j]), {1: 2}, np.array(["a"]), set()):
        with pytest.raises(TypeError):
            _codec.encode_arg(bad)


# --------------------------------------------------------------------------- seccomp program


def run_bpf(prog: list[tuple[int, int, int, int]], arch: int, nr: int, args=(0,) * 6) -> int:  # noqa: ANN001
    """Interpret a classic BPF seccomp program on one seccomp_data."""
    data = struct.pack("<iIQ6Q", nr, arch, 0, *args)
    pc, acc = 0, 0
    for _ in range(len(prog) + 1):
        code, jt, jf, k = prog[pc]
        if code == _child.BPF_LD_W_ABS:
            acc = struct.unpack_from("<I", data, k)[0]
            pc += 1
        elif code == _child.BPF_JMP_JEQ_K:
            pc += 1 + (jt if acc == k else jf)
        elif code == _child.BPF_JMP_JGE_K:
            pc += 1 + (jt if acc >= k else jf)
        elif code == _child.BPF_JMP_JSET_K:
            pc += 1 + (jt if acc & k else jf)
        elif code == _child.BPF_JMP_JA:
            pc += 1 + k
        elif code == _child.BPF_RET_K:
            return k
        else:
            raise AssertionError(f"unknown opcode {code:#x}")
    raise AssertionError("program did not return")


ALLOW = _child.SECCOMP_RET_ALLOW
EPERM = _child.SECCOMP_RET_ERRNO | 1
ENOSYS = _child.SECCOMP_RET_ERRNO | 38
PID = 4242


@pytest.fixture(scope="module")
def prog() -> list[tuple[int, int, int, int]]:
    return _child.build_filter(PID)


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_filter_decisions(prog, arch: str) -> None:
    audit = _child.ARCHES[arch]
    table = _child.SYSCALLS[arch]

    def decide(name: str, *args: int) -> int:
        padded = tuple(args) + (0,) * (6 - len(args))
        return run_bpf(prog, audit, table[name], padded)

    for name in ("execve", "socket", "socketpair", "ptrace", "unlinkat", "mkdirat", "fchmod"):
        assert decide(name) == EPERM, name
    for name in ("clone3", "openat2", "io_uring_setup"):
        assert decide(name) == ENOSYS, name
    assert decide("clone", 0x11) == EPERM  # fork-like clone(SIGCHLD)
    assert decide("clone", 0x3D0F00) == ALLOW  # pthread_create flags include CLONE_THREAD
    assert decide("openat", 0xFFFFFF9C, 0, 0) == ALLOW  # O_RDONLY
    assert decide("openat", 0xFFFFFF9C, 0, 0o2000000) == ALLOW  # O_CLOEXEC
    for flags in (0o1, 0o2, 0o100, 0o1000, 0o101 | 0o2000000):
        assert decide("openat", 0xFFFFFF9C, 0, flags) == EPERM, oct(flags)
    assert decide("prctl", 1, 0) == EPERM  # PR_SET_PDEATHSIG
    assert decide("prctl", 15, 0) == ALLOW  # PR_SET_NAME
    assert decide("kill", PID, 9) == ALLOW
    assert decide("kill", PID + 1, 9) == EPERM
    assert decide("kill", 0, 9) == EPERM
    assert decide("kill", 0xFFFFFFFF, 9) == EPERM  # kill(-1)
    assert decide("tgkill", PID, PID + 1, 6) == ALLOW
    assert decide("tgkill", 1, 1, 6) == EPERM
    for name in ("read", "write", "close", "mmap", "futex", "getrandom", "exit_group"):
        assert decide(name) == ALLOW, name
    assert run_bpf(prog, audit, 500) == ENOSYS  # the filter is an allow list
    for name in ("shmget", "msgget", "semget", "mq_open", "add_key", "keyctl", "request_key"):
        assert decide(name) == EPERM, name  # IPC that would outlive the worker
    for name in ("rt_sigqueueinfo", "rt_tgsigqueueinfo", "setpriority", "sched_setaffinity"):
        assert decide(name, PID) == EPERM, name  # reach another process, even with our pid
    for name in ("ioprio_set", "process_madvise", "pidfd_open", "memfd_create"):
        assert decide(name) == EPERM, name
    assert decide("prlimit64", 0, 7) == ALLOW and decide("prlimit64", PID, 7) == ALLOW
    assert decide("prlimit64", PID + 1, 7) == EPERM  # e.g. the zygote's file limit
    assert decide("sched_getaffinity", 0) == ALLOW
    assert decide("sched_getaffinity", 1) == EPERM
    assert decide("getpriority", 0, 0) == ALLOW and decide("getpriority", 0, 1) == EPERM
    if arch == "x86_64":
        assert decide("fork") == EPERM and decide("vfork") == EPERM
        assert decide("open", 0, 0o1) == EPERM and decide("open", 0, 0) == ALLOW
        assert run_bpf(prog, audit, 0x40000000 | 59) == ENOSYS  # x32 execve


def test_unknown_architecture_is_killed(prog) -> None:
    assert run_bpf(prog, 0x40000003, 11) == _child.SECCOMP_RET_KILL_PROCESS  # i386 execve
    assert run_bpf(prog, 0, 0) == _child.SECCOMP_RET_KILL_PROCESS


def test_filter_is_well_formed(prog) -> None:
    assert len(prog) < 4096
    for index, (code, jt, jf, k) in enumerate(prog):
        assert 0 <= jt <= 255 and 0 <= jf <= 255
        if code in (_child.BPF_JMP_JEQ_K, _child.BPF_JMP_JGE_K, _child.BPF_JMP_JSET_K):
            assert index + 1 + max(jt, jf) < len(prog)
        if code == _child.BPF_JMP_JA:
            assert index + 1 + k < len(prog)
    assert prog[-1][0] == _child.BPF_RET_K
    assert len(_child.pack_filter(prog)) == 8 * len(prog)


@pytest.mark.parametrize("pid", [3, PID, 65535, 4194304])
def test_the_zygote_template_is_the_filter_built_for_that_pid(pid: int) -> None:
    template = _child.FilterTemplate()
    assert len(template.slots) == 2 * (len(_child.OWN_PID_ONLY) + len(_child.SELF_ONLY))
    assert template.for_pid(pid) == _child.pack_filter(_child.build_filter(pid))


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_a_one_architecture_filter_decides_alike_and_kills_the_other(prog, arch: str) -> None:
    single = _child.build_filter(PID, (arch,))
    assert len(single) < len(prog)
    audit, table = _child.ARCHES[arch], _child.SYSCALLS[arch]
    args = [(0,) * 6, (PID, 9, 0, 0, 0, 0), (0xFFFFFF9C, 0, 0o101, 0, 0, 0), (0x3D0F00,) + (0,) * 5]
    for nr in [*table.values(), 500, 0x40000000 | 59]:
        for a in args:
            assert run_bpf(single, audit, nr, a) == run_bpf(prog, audit, nr, a), (arch, nr, a)
    other = next(a for a in _child.ARCHES if a != arch)
    kill = _child.SECCOMP_RET_KILL_PROCESS
    assert run_bpf(single, _child.ARCHES[other], 0) == kill
    assert run_bpf(single, 0x40000003, 11) == kill  # i386 execve


def test_the_workers_filter_holds_this_machines_rules() -> None:
    machine = os.uname().machine
    if machine in _child.ARCHES:
        assert _child.native_arches() == (machine,)
    _child.prepare_seccomp()
    template = _child._TEMPLATE[0]
    assert template.data == _child.pack_filter(_child.build_filter(1, _child.native_arches()))


def test_syscall_numbers_match_the_headers() -> None:
    headers = {
        "x86_64": Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
        "aarch64": Path("/usr/include/asm-generic/unistd.h"),
    }
    checked = 0
    for arch, header in headers.items():
        if not header.exists():
            continue
        text = header.read_text()
        for name, number in _child.SYSCALLS[arch].items():
            match = re.search(rf"#define __NR(?:3264)?_{name}\s+(\d+)", text)
            if match is None:
                continue  # newer than the installed headers (fchmodat2)
            assert int(match.group(1)) == number, (arch, name)
            checked += 1
    if checked == 0:
        pytest.skip("no kernel headers installed")

"""The C library through ctypes: prctl, raw syscalls, mount (untrusted child program)."""

from __future__ import annotations

import ctypes
import os

PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38


def _libc() -> ctypes.CDLL | None:
    """Load the C library once."""
    try:
        lib = ctypes.CDLL(None, use_errno=True)
        lib.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong]
        lib.prctl.argtypes += [ctypes.c_ulong, ctypes.c_ulong]
        lib.prctl.restype = ctypes.c_int
        return lib
    except (OSError, AttributeError, TypeError):  # TypeError: Windows has no CDLL(None)
        return None


LIBC = _libc()
if LIBC is not None:  # looked up once in the zygote, not again in every worker
    for _name in ("syscall", "unshare", "mount", "umount2"):
        try:
            getattr(LIBC, _name)
        except AttributeError:
            pass


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> bool:
    """Call prctl(2); return whether it succeeded."""
    if LIBC is None:
        return False
    return LIBC.prctl(option, arg2, arg3, 0, 0) == 0


def c_call(rc: int, what: str) -> None:
    """Raise OSError when a libc call failed."""
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    """Call mount(2)."""
    assert LIBC is not None

    def enc(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    rc = LIBC.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))
    c_call(rc, f"mount {target}")

"""Windows Job Objects through ctypes: kill a worker's whole process tree, cap its memory.

Used by the portable backend on Windows only (every function needs ``sys.platform ==
"win32"``; this module imports nothing Windows-only at the top, so it loads everywhere).
Written from the Win32 documentation of CreateJobObjectW, SetInformationJobObject
(JobObjectExtendedLimitInformation), AssignProcessToJobObject, TerminateJobObject and
CloseHandle; it cannot be exercised on the Linux machines that run the test suite.

A worker is started with CREATE_NEW_PROCESS_GROUP (Ctrl+C in the student's console does
not reach it) and CREATE_NO_WINDOW, then assigned to a fresh job with
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE (closing the handle, or the grader dying, kills every
process in the job) and JOB_OBJECT_LIMIT_JOB_MEMORY (committed memory of the whole tree).
A process the worker starts is in the job too.  The worker runs for a few milliseconds
before it is assigned (``subprocess`` cannot start it suspended); it is still importing
the interpreter then, before any student code.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys

CREATE_NEW_PROCESS_GROUP = 0x00000200
CREATE_NO_WINDOW = 0x08000000
CREATION_FLAGS = CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW

_JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9
JOB_OBJECT_LIMIT_JOB_MEMORY = 0x00000200
JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x00000400
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000


class _IoCounters(ctypes.Structure):
    _fields_ = [
        ("ReadOperationCount", ctypes.c_uint64),
        ("WriteOperationCount", ctypes.c_uint64),
        ("OtherOperationCount", ctypes.c_uint64),
        ("ReadTransferCount", ctypes.c_uint64),
        ("WriteTransferCount", ctypes.c_uint64),
        ("OtherTransferCount", ctypes.c_uint64),
    ]


class _BasicLimits(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),  # LARGE_INTEGER
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),  # DWORD
        ("MinimumWorkingSetSize", ctypes.c_size_t),  # SIZE_T
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),  # ULONG_PTR
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _ExtendedLimits(ctypes.Structure):
    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


def _kernel32() -> ctypes.WinDLL:  # type: ignore[name-defined]
    """Load kernel32 with typed signatures (Windows only)."""
    from ctypes import wintypes

    lib = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    lib.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
    lib.CreateJobObjectW.restype = wintypes.HANDLE
    lib.SetInformationJobObject.argtypes = [
        wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD,
    ]  # fmt: skip
    lib.SetInformationJobObject.restype = wintypes.BOOL
    lib.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
    lib.AssignProcessToJobObject.restype = wintypes.BOOL
    lib.TerminateJobObject.argtypes = [wintypes.HANDLE, wintypes.UINT]
    lib.TerminateJobObject.restype = wintypes.BOOL
    lib.CloseHandle.argtypes = [wintypes.HANDLE]
    lib.CloseHandle.restype = wintypes.BOOL
    return lib


def _fail(what: str) -> OSError:
    """Return the OSError of a failed Win32 call."""
    code = ctypes.get_last_error()  # type: ignore[attr-defined]
    return OSError(code, f"{what} failed (Windows error {code})")


def contain(proc: subprocess.Popen, limits_bytes: int) -> int:
    """Put a started process in a new kill-on-close job capped at ``limits_bytes``; return it."""
    if sys.platform != "win32":
        raise OSError("Job Objects exist only on Windows")
    lib = _kernel32()
    job = lib.CreateJobObjectW(None, None)
    if not job:
        raise _fail("CreateJobObjectW")
    info = _ExtendedLimits()
    info.BasicLimitInformation.LimitFlags = (
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        | JOB_OBJECT_LIMIT_JOB_MEMORY
        | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION
    )
    info.JobMemoryLimit = limits_bytes
    size = ctypes.sizeof(info)
    ok = lib.SetInformationJobObject(
        job, _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS, ctypes.byref(info), size
    )
    if not ok:
        error = _fail("SetInformationJobObject")
        lib.CloseHandle(job)
        raise error
    handle = int(proc._handle)
    if not lib.AssignProcessToJobObject(job, handle):
        error = _fail("AssignProcessToJobObject")
        lib.CloseHandle(job)
        raise error
    return int(job)


def terminate(job: object) -> None:
    """Kill every process in the job (exit code 1)."""
    if sys.platform == "win32" and isinstance(job, int):
        _kernel32().TerminateJobObject(job, 1)


def close(job: object) -> None:
    """Close the job's handle (which kills whatever is still in it)."""
    if sys.platform == "win32" and isinstance(job, int):
        _kernel32().CloseHandle(job)

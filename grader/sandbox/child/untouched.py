"""Tell whether student code left the shared worker as it found it (untrusted child program).

The files of a submission share one worker.  When a check of one file fails there, the
trusted side runs it again in a worker holding that file alone, unless this worker says
that nothing it watches changed since it started: the namespaces of the libraries student
code uses, the set of imported modules, the interpreter's settings, threads, signal handlers
and timers, the working directory, the environment, numpy's print options and memory.  The
answer can only spare that second run, which could only turn a failure into a pass: a
worker that lies keeps its own student's failures and earns nothing (docs/security.md, "One
worker per submission").

Most of the picture is taken once, before any worker exists (``copy_namespaces``: in the
zygote, or in a portable child at boot), so a worker start pays only for a few settings.
The functions used here are bound at import, so student code that patches ``sys``, ``os`` or
``signal`` does not answer for them.
"""

from __future__ import annotations

import os
import signal
import sys
from _thread import _count as _thread_count  # threads started since the interpreter began
from collections.abc import Callable

_WATCHED = (
    "builtins", "math", "cmath", "numpy", "numpy.linalg", "numpy.random", "random",
    "statistics", "functools", "operator", "itertools", "collections", "copy", "json", "re",
    "string", "fractions", "decimal", "os", "time",
)  # fmt: skip
_MEMORY_SLACK = 64 << 20  # bytes a worker may grow by (its own module's arrays) and still pass
_QUIET = (signal.SIG_DFL, signal.SIG_IGN, signal.default_int_handler, None)  # no Python handler
_NO_TIMER = (0.0, 0.0)

_getrecursionlimit = sys.getrecursionlimit
_getswitchinterval = sys.getswitchinterval
_gettrace = sys.gettrace
_getprofile = sys.getprofile
_getcwd = os.getcwd
_getsignal = signal.getsignal
_getitimer = getattr(signal, "getitimer", None)
_TIMERS = [
    getattr(signal, n)
    for n in ("ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF")
    if hasattr(signal, n)
]
_SIGNALS = sorted(signal.valid_signals()) if hasattr(signal, "valid_signals") else []
_environ = getattr(os.environ, "_data", None)  # the raw mapping os.environ writes through to
_len, _tuple, _vars = len, tuple, vars


class _Copied:
    """What ``copy_namespaces`` took, before any student code."""

    namespaces: dict[str, tuple[object, tuple, tuple]] = {}  # name: module, its keys, values
    printoptions: Callable[[], dict] | None = None  # numpy keeps them out of its namespace
    options: dict | None = None
    environ: dict | None = None
    memory: int | None = None


def copy_namespaces() -> None:
    """Take what every worker compares with (before any student code, once per process)."""
    _Copied.printoptions = getattr(sys.modules.get("numpy"), "get_printoptions", None)
    _Copied.options = _Copied.printoptions() if _Copied.printoptions is not None else None
    _Copied.environ = dict(_environ) if isinstance(_environ, dict) else None
    _Copied.memory = _memory()
    _Copied.namespaces = {
        name: (module, tuple(vars(module)), tuple(vars(module).values()))
        for name in _WATCHED
        if (module := sys.modules.get(name)) is not None
    }


def _memory() -> int | None:
    """Return the resident bytes of this process, or None where /proc cannot say."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Baseline:
    """What the worker looked like before student code; ``untouched()`` compares with it."""

    def __init__(self, students: set[str]) -> None:
        """Read the settings (call after the worker is set up, before any student code)."""
        self.students = students
        self.settings = self._settings()
        self.modules = len(sys.modules)  # honest code adds modules, never removes them
        self.foreign = False  # a student module was imported by another module's code

    @staticmethod
    def _settings() -> tuple:
        """Return the watched settings as one comparable value."""
        return (
            _getrecursionlimit(),
            _getswitchinterval(),
            _gettrace(),
            _getprofile(),
            _getcwd(),
            tuple(sys.path),
            tuple(sys.meta_path),
            tuple(sys.path_hooks),
            _thread_count(),
        )

    def untouched(self) -> bool:
        """Tell whether every watched thing is as it was (any doubt: False)."""
        try:
            return self._untouched()
        except BaseException:
            return False

    def _untouched(self) -> bool:
        if self.foreign or not _Copied.namespaces or self._settings() != self.settings:
            return False
        ours = sum(1 for name in self.students if name in sys.modules)
        if len(sys.modules) != self.modules + ours:
            return False  # a library imported since: patched, perhaps, before this module ran
        for name, (module, keys, values) in _Copied.namespaces.items():
            if sys.modules.get(name) is not module:
                return False
            now = _vars(module)
            # The same names in the same order (a name deleted and set again moves to the end:
            # a doubt, so False), each bound to the same object or an equal one (tuples compare
            # items by identity first: an unchanged namespace calls no __eq__; a lie here only
            # spares a second run, see the module docstring).
            if _len(now) != _len(keys) or _tuple(now) != keys or _tuple(now.values()) != values:
                return False
        if any(_getsignal(number) not in _QUIET for number in _SIGNALS):
            return False
        if _getitimer is not None and any(_getitimer(t) != _NO_TIMER for t in _TIMERS):
            return False
        if _Copied.environ is None or _environ != _Copied.environ:
            return False
        options = _Copied.printoptions() if _Copied.printoptions is not None else None
        if options != _Copied.options:
            return False
        memory = _memory()
        if memory is None or _Copied.memory is None:
            return False
        return memory <= _Copied.memory + _MEMORY_SLACK

"""Run hidden checks by calling their functions, with or without a pytest session.

A hidden check is usually a plain function taking only `student` (no other fixtures, no
marks, no parametrisation). For such a check pytest's per-test protocol adds nothing but
cost: setup and teardown hooks, a report object per phase, and for every failure a long
traceback representation the grader throws away. And when every check of a selection is
such a function in a test file that never mentions pytest (no conftest.py on its way from
the course root, no xunit-style setup), pytest's session and collection add nothing either:
`collect_directly` imports the test files itself, as pytest's importlib mode would, and
returns the checks as `DirectCheck`s. Anything else is left to pytest (pytest_session.py).
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

STUDENT_FIXTURE = "student"
XUNIT_SETUP = {
    "setup_module",
    "teardown_module",
    "setUpModule",
    "tearDownModule",
    "setup_function",
    "teardown_function",
    "setup",
    "teardown",
}


@dataclass(eq=False)
class DirectCheck:
    """A check function imported without pytest, and where it came from."""

    function: Callable[..., Any]
    path: Path
    name: str

    @property
    def nodeid(self) -> str:
        """Return the name pytest would give the check (for messages)."""
        return f"{self.path.name}::{self.name}"


def can_run_directly(item: Any) -> bool:
    """Tell whether `item` is a plain check function whose only fixture is `student`."""
    if isinstance(item, DirectCheck):
        return True
    import pytest  # a pytest item: pytest is imported already

    if type(item) is not pytest.Function:
        return False
    if getattr(item, "callspec", None) is not None or list(item.iter_markers()):
        return False
    if not set(item.fixturenames) <= {STUDENT_FIXTURE, "request"}:  # `student` uses request
        return False
    return _takes_only_student(item.obj)


def _takes_only_student(function: object) -> bool:
    try:
        parameters = list(inspect.signature(function).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return parameters == [STUDENT_FIXTURE]


def run_directly(item: Any, student: Callable[[], Any]) -> BaseException | None:
    """Call the check function with a fresh `student`; return what it raised, or None."""
    function = item.function if isinstance(item, DirectCheck) else item.obj
    outcomes = sys.modules.get("_pytest.outcomes")  # loaded only if pytest is in use
    stop: tuple[type[BaseException], ...] = (KeyboardInterrupt,)
    if outcomes is not None:
        stop += (outcomes.Exit,)
    try:
        function(**{STUDENT_FIXTURE: student()})
    except stop:
        raise
    except BaseException as error:  # noqa: BLE001 - pytest reports these too (SystemExit...)
        return error
    return None


def module_name(path: Path, root: Path) -> str:
    """Return the name pytest's importlib mode gives a test file below `root` (relu.test_relu)."""
    relative = path.resolve().relative_to(root.resolve()).with_suffix("")
    return ".".join(relative.parts)


def _plain_source(path: Path, root: Path) -> bool:
    """Tell whether a test file can do without pytest: no conftest.py on the way down from
    the course root, and the file never mentions pytest (not even in a comment: a
    conservative test that needs no parsing)."""
    folder = path.resolve().parent
    top = root.resolve()
    while True:
        if (folder / "conftest.py").exists():
            return False
        if folder == top or folder.parent == folder:
            break
        folder = folder.parent
    try:
        return b"pytest" not in path.read_bytes()
    except OSError:
        return False  # pytest reports it as a collection error


@contextmanager
def quiet_checks() -> Iterator[None]:
    """Ignore warnings raised in this process while checks run (pytest runs with -W ignore)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _import(path: Path, root: Path) -> ModuleType:
    """Import a test file as pytest's importlib mode would, writing no bytecode."""
    name = module_name(path, root)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        with quiet_checks():
            spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        sys.dont_write_bytecode = saved
    return module


def collect_directly(
    test_files: Iterable[Path], root: Path, wanted: Collection[str]
) -> list[DirectCheck] | None:
    """Import the test files and return the functions named in `wanted`, in pytest's order.

    Return None when any file needs pytest (see the module docstring) or does not import:
    pytest then collects it and reports the error as it always has.
    """
    checks: list[DirectCheck] = []
    for path in test_files:
        if not _plain_source(path, root):
            return None
        try:
            module = _import(path, root)
        except Exception:  # noqa: BLE001 - pytest's collection says what is wrong
            return None
        finally:
            sys.modules.pop(module_name(path, root), None)
        if XUNIT_SETUP & set(vars(module)):
            return None
        for name, value in list(vars(module).items()):
            if not (name.startswith("test") and name in wanted):
                continue
            if not isinstance(value, FunctionType) or not _is_plain(value):
                return None
            checks.append(DirectCheck(value, path, name))
    return checks


def _is_plain(function: FunctionType) -> bool:
    """Tell whether pytest would call `function(student=...)` and nothing more."""
    if hasattr(function, "__wrapped__") or hasattr(function, "pytestmark"):
        return False
    if inspect.isgeneratorfunction(function) or inspect.iscoroutinefunction(function):
        return False
    if getattr(function, "__test__", True) is not True:
        return False
    return _takes_only_student(function)

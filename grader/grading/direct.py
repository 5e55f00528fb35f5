"""Run a collected hidden check by calling its function, without the per-test pytest protocol.

A hidden check is a plain function taking only `student` (no other fixtures, no marks, no
parametrisation). For such a check pytest's per-test protocol adds nothing but cost: setup
and teardown hooks, a report object per phase, and for every failure a long traceback
representation that the grader throws away (about 0.1 s per failing check). `run_directly`
calls the function itself and returns what it raised, exactly as the engine's pytest hook
would have stashed it; anything else (fixtures, marks, parametrised or non-function items)
is left to pytest.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from _pytest.outcomes import Exit

STUDENT_FIXTURE = "student"


def can_run_directly(item: pytest.Item) -> bool:
    """Tell whether `item` is a plain check function whose only fixture is `student`."""
    if type(item) is not pytest.Function:
        return False
    if getattr(item, "callspec", None) is not None or list(item.iter_markers()):
        return False
    if not set(item.fixturenames) <= {STUDENT_FIXTURE, "request"}:  # `student` uses request
        return False
    try:
        parameters = list(inspect.signature(item.obj).parameters)
    except (TypeError, ValueError):
        return False
    return parameters == [STUDENT_FIXTURE]


def run_directly(item: pytest.Item, student: Callable[[], Any]) -> BaseException | None:
    """Call the check function with a fresh `student`; return what it raised, or None."""
    if not isinstance(item, pytest.Function):
        raise TypeError(f"{item.nodeid} is not a plain check function")
    try:
        item.obj(**{STUDENT_FIXTURE: student()})
    except (KeyboardInterrupt, Exit):
        raise
    except BaseException as error:  # noqa: BLE001 - pytest reports these too (SystemExit...)
        return error
    return None

"""A pytest plugin that runs the hidden checks with student code imported in-process.

This is the *unsafe* baseline the speed benchmark compares `grade` against, and a quick way
for course authors to try a test file. Never use it to grade: student code runs in the same
process as the tests. Usage:

    WORKSPACE=solutions PYTHONPATH=benchmarks python -m pytest -p plain_student exercises/
"""

from __future__ import annotations

import copy
import importlib.util
import os
import sys
from pathlib import Path

import pytest

from grader.course.load import load_course
from grader.grading.checks import Student
from grader.sandbox.outcomes import Raised, Returned, Unavailable

_COURSE = load_course(Path(__file__).resolve().parent.parent / "exercises")
_BY_TEST_FILE = {test.resolve(): item for item in _COURSE.exercises for test in item.tests}


class DirectBackend:
    """Import the student's module in this process and call it directly."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.modules: dict[str, object] = {}
        if str(workspace) not in sys.path:
            sys.path.append(str(workspace))

    def _module(self, name: str):
        if name not in self.modules:
            path = self.workspace / f"{name}.py"
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            self.modules[name] = module
        return self.modules[name]

    def call(self, module, function, args=(), kwargs=None, *, return_args=False):
        args = copy.deepcopy(tuple(args))  # the sandbox works on copies too
        try:
            target = getattr(self._module(module), function)
            value = target(*args, **(kwargs or {}))
        except FileNotFoundError:
            return Unavailable(f"{module}.py is missing", not_started=True)
        except Exception as error:  # noqa: BLE001 - reported like the sandbox does
            return Raised(type(error).__name__, str(error))
        return Returned(value, tuple(args) if return_args else ())

    def get(self, module, name):
        try:
            return Returned(getattr(self._module(module), name))
        except Exception as error:  # noqa: BLE001
            return Raised(type(error).__name__, str(error))


_BACKEND = DirectBackend(Path(os.environ.get("WORKSPACE", ".")).resolve())


@pytest.fixture
def student(request: pytest.FixtureRequest) -> Student:
    """Give a hidden test direct, in-process access to the workspace's module."""
    exercise = _BY_TEST_FILE[Path(request.node.path).resolve()]
    check = next(c for c in exercise.checks if c.test == request.node.originalname)
    return Student(_BACKEND, exercise, check)

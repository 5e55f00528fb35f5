"""Run the hidden suite under pytest quietly: fixed arguments, clean environment, fresh modules.

Imported only when a selection needs pytest (see direct.py): importing pytest costs more
than grading a few exercises.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import pytest
from _pytest.runner import runtestprotocol

PYTEST_ARGS = [
    "--capture=no",
    "--assert=plain",  # no assertion rewriting: nothing is compiled or cached
    "--import-mode=importlib",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:stepwise",
    "-p",
    "no:doctest",
    "-p",
    "no:junitxml",
    "-p",
    "no:pastebin",
    "-p",
    "no:terminal",
    "-p",
    "no:logging",
    "-p",
    "no:faulthandler",
    "-W",
    "ignore",
]


@contextmanager
def pytest_environment() -> Iterator[None]:
    """Run pytest with no plugin autoloading, none of the caller's PYTEST_* settings, and no
    bytecode written next to the hidden tests (an installed course is read-only)."""
    saved = {name: value for name, value in os.environ.items() if name.startswith("PYTEST_")}
    for name in saved:
        del os.environ[name]
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.dont_write_bytecode = bytecode
        del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        os.environ.update(saved)


@contextmanager
def own_hidden_modules(root: Path) -> Iterator[None]:
    """Import this course's hidden tests afresh and forget them after (two courses, one process).

    pytest names a hidden test module by its path below the course root (``relu.test_relu``),
    so without this a second course in the same process would reuse the first one's checks.
    """
    inside = str(root.resolve())

    def forget() -> None:
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None) or ""
            if file and os.path.realpath(file).startswith(inside + os.sep):
                del sys.modules[name]

    forget()
    try:
        yield
    finally:
        forget()


class PytestRun(Protocol):
    """What the pytest plugin needs from the engine's run of one `grade_many` call."""

    collect_errors: list[str]
    errors: dict[Any, BaseException]

    def keep(self, items: list[Any]) -> list[Any]:
        """Return the collected items that are checks of the selected exercises."""

    def make_student(self, item: Any) -> Callable[[], Any]:
        """Return a maker of the `student` value for a check."""

    def grade_all(self, items: list[Any]) -> None:
        """Grade every submission with these checks."""


class _Plugin:
    """A pytest plugin handing the collected checks to the engine's run."""

    def __init__(self, run: PytestRun) -> None:
        self.run = run

    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> Any:
        """Give a hidden test its sandboxed view of the student's module."""
        return self.run.make_student(request.node)()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.run.collect_errors.append(f"{report.nodeid}: {str(report.longrepr)[-2000:]}")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items[:] = self.run.keep(items)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if call.excinfo is not None and call.when in ("setup", "call"):
            self.run.errors.setdefault(item, call.excinfo.value)
        return report

    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if not self.run.collect_errors:
            self.run.grade_all(list(session.items))
        return True


def run_pytest(root: Path, test_files: list[str], run: PytestRun) -> int:
    """Collect the hidden test files under pytest and let `run` grade with them."""
    args = [*PYTEST_ARGS, "--rootdir", str(root), "--confcutdir", str(root), "-c", os.devnull]
    with pytest_environment(), own_hidden_modules(root):
        return int(pytest.main([*args, *test_files], plugins=[_Plugin(run)]))


def run_protocol(item: pytest.Item) -> None:
    """Run one collected check through pytest's whole per-test protocol."""
    runtestprotocol(item, nextitem=None, log=False)

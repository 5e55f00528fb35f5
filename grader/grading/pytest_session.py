"""Run the hidden suite under pytest quietly: fixed arguments, clean environment, fresh modules."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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

"""Fixtures shared by the CLI and CI tests (real workspaces made with the real `grade init`),
and by every real-browser test (one chromium per session, through Playwright)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_SUPPORT = Path(__file__).parent / "cli" / "support.py"
if "grade_cli_support" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("grade_cli_support", _SUPPORT)
    assert _spec is not None and _spec.loader is not None
    sys.modules["grade_cli_support"] = _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)

from grade_cli_support import MAKERS  # noqa: E402

collect_ignore = ["fixture_course", "fixture_solutions"]  # course data, not tests


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Make each kind of workspace once per session, with the real `grade init`."""
    root = tmp_path_factory.mktemp("templates")
    return {kind: make(root / kind) for kind, make in MAKERS.items()}


@pytest.fixture
def workspace(tmp_path: Path, templates: dict[str, Path]) -> Callable[..., Path]:
    """Return a maker of fresh copies of a 'stub', 'partial' or 'complete' workspace."""

    def make(kind: str, name: str = "ws") -> Path:
        return Path(shutil.copytree(templates[kind], tmp_path / name, symlinks=True))

    return make


@pytest.fixture
def searchable_tmp_path() -> Iterator[Path]:
    """Give a fresh folder that every user can search, as a TMPDIR the sandbox's copies accept."""
    if os.name != "posix":
        folder = Path(tempfile.mkdtemp(prefix="grader-test-tmp-"))
    else:  # pytest's own tmp_path sits below a 0o700 folder, which the sandbox would pass over
        folder = Path(tempfile.mkdtemp(prefix="grader-test-tmp-", dir="/tmp"))
        os.chmod(folder, 0o755)
    yield Path(os.path.realpath(folder))
    shutil.rmtree(folder, ignore_errors=True)


# -- real browser ----------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests (apt-get install -y chromium)")
    pytest.skip(f"{reason}; install it with: apt-get install -y chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch Debian's chromium through Playwright once per session."""
    if not CHROMIUM.exists():
        _unavailable(f"real-browser tests need {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("real-browser tests need the playwright package (pip install playwright)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


# -- which operating systems a test is for --------------------------------------------------

# Tests of features an operating system cannot have, by test id under tests/ (a file, or a
# file::test prefix): they are skipped elsewhere, and in CI such a skip is allowed (unlike a
# skip for a missing install). A single test says the same with
# @pytest.mark.only_on("linux", reason="..."); browser tests (the `browser` fixture) are
# Linux-only because CI installs chromium only on the Linux runners. Sandbox tests of the
# contract every backend keeps (values, budgets, the child over pipes) are not listed: they
# must pass on the portable backend too.
_LINUX_SANDBOX = "tests the Linux sandbox backend (seccomp, Landlock, namespaces, memfd, /proc)"
ONLY_ON_PATHS = {
    "sandbox/test_sandbox_security.py": ("linux", _LINUX_SANDBOX),
    "sandbox/test_sandbox_isolation.py": ("linux", _LINUX_SANDBOX),
    "sandbox/test_sandbox_failures.py": ("linux", _LINUX_SANDBOX),
    "sandbox/test_sandbox_codec.py::test_syscall_numbers_match_the_headers": (
        "linux",
        "reads Linux's kernel headers",
    ),
    "hostile/test_hostile_processes.py": ("linux", "attacks the Linux sandbox as root and nobody"),
    "sandbox/test_sandbox_choice.py": (
        "linux",
        "hides Linux's own APIs from a child to check the choice falls back to portable",
    ),
    # Grades that count come from Linux (CI, a grading server): batch grading runs there.
    "batch/": ("linux", "grade batch grades classes on Linux"),
    "classroom/": ("linux", "grade batch grades classes on Linux"),
}
BROWSER_ONLY_ON = ("linux", "real-browser tests use the chromium CI installs on Linux")
ONLY_ON = "only on "  # the start of every such skip reason: "only on linux: why (this is win32)"


def pytest_configure(config: pytest.Config) -> None:
    """Register the only_on marker."""
    config.addinivalue_line(
        "markers",
        "only_on(*platforms, reason): run only where sys.platform starts with one of platforms",
    )


def _platforms(item: pytest.Item) -> tuple[tuple[str, ...], str] | None:
    """Return the platforms `item` is limited to and why, or None when it runs everywhere."""
    marker = item.get_closest_marker("only_on")
    if marker is not None:
        return tuple(marker.args), str(marker.kwargs.get("reason", "an OS-specific feature"))
    path = Path(str(item.path)).resolve()
    here = Path(__file__).resolve().parent
    relative = path.relative_to(here).as_posix() if path.is_relative_to(here) else ""
    test_id = relative + item.nodeid[item.nodeid.find("::") :] if "::" in item.nodeid else ""
    for prefix, (platform, why) in ONLY_ON_PATHS.items():
        if relative and (test_id or relative).startswith(prefix):
            return (platform,), why
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "linux" in (params.get("backend"), params.get("sandbox_backend")):
        return ("linux",), "runs on the Linux sandbox backend (the portable one runs elsewhere)"
    if "browser" in getattr(item, "fixturenames", ()):
        return (BROWSER_ONLY_ON[0],), BROWSER_ONLY_ON[1]
    return None


def _elsewhere(platforms: tuple[str, ...]) -> bool:
    return not any(sys.platform.startswith(platform) for platform in platforms)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the tests that are for another operating system."""
    for item in items:
        limited = _platforms(item)
        if limited is not None and _elsewhere(limited[0]):
            reason = f"{ONLY_ON}{', '.join(limited[0])}: {limited[1]} (this is {sys.platform})"
            item.add_marker(pytest.mark.skip(reason=reason))


# In CI a missing feature (no chromium, no Landlock, no seccomp, no kernel headers) must fail
# the run, not hide as a skip; only skips about who runs the suite, not what it has, pass, and
# skips of tests for another operating system (what this OS cannot have, not a missing install).
CI_ALLOWED_SKIPS = ("only root can", "no live course in this checkout")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _for_another_os(item: pytest.Item, reason: str) -> bool:
    """Tell whether a skip is one this OS earns: the test is for other systems only."""
    limited = _platforms(item)
    return limited is not None and _elsewhere(limited[0]) and reason.startswith(ONLY_ON)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Under CI=true, turn a feature skip into a failure that names what is missing."""
    outcome = yield
    report = outcome.get_result()
    if not (_in_ci() and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    if any(allowed in reason for allowed in CI_ALLOWED_SKIPS) or _for_another_os(item, reason):
        return
    report.outcome = "failed"
    report.longrepr = f"skipped in CI, where every feature must be tested: {reason}"

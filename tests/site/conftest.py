"""Shared fixtures for the site tests: the fixture course, built sites, and a real browser.

The `browser` fixture itself lives in tests/conftest.py: one chromium per session, shared with
the class report's browser tests (two Playwright sync sessions cannot run at once).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader.course.load import load_course
from grader.course.model import Course
from grader.website import build_site

# The fixture course's hidden checks are course content, not tests of this project.
collect_ignore_glob = ["fixture_course/*", "fixture_solutions/*"]

HERE = Path(__file__).resolve().parent
FIXTURE_COURSE = HERE / "fixture_course"
FIXTURE_SOLUTIONS = HERE / "fixture_solutions"
GOLDEN = HERE / "golden"
REPO = HERE.parent.parent
SCREENSHOTS = REPO / "artifacts" / "screenshots"


@dataclass
class Workspace:
    """A private copy of the fixture course and its solutions, side by side like the repo's."""

    root: Path
    course_dir: Path
    solutions: Path
    out: Path

    def course(self) -> Course:
        """Load the copied course."""
        return load_course(self.course_dir)

    def build(self) -> Any:
        """Build the copied course into `out`."""
        return build_site(self.course(), self.out, solutions=self.solutions)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """Copy the fixture course to exercises/ and its solutions to solutions/ in a temp dir."""
    course_dir = tmp_path / "exercises"
    solutions = tmp_path / "solutions"
    shutil.copytree(FIXTURE_COURSE, course_dir)
    shutil.copytree(FIXTURE_SOLUTIONS, solutions)
    return Workspace(tmp_path, course_dir, solutions, tmp_path / "site")


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the fixture course once per session and return the site folder."""
    out = tmp_path_factory.mktemp("fixture-site") / "site"
    build_site(load_course(FIXTURE_COURSE), out, solutions=FIXTURE_SOLUTIONS)
    return out


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Return every file under `root` by relative path, for byte-exact comparisons."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


# -- real browser ----------------------------------------------------------------------------


@dataclass
class Watched:
    """A page plus every request URL, console error and page error seen while using it."""

    page: Any
    site: Path
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, name: str) -> Any:
        """Open a page of the site from disk and wait until its scripts have run."""
        self.page.goto((self.site / name).as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def assert_clean(self) -> None:
        """Fail if a request left the machine or the page logged an error."""
        outside = [
            url for url in self.requests if not url.startswith(("file://", "data:", "blob:"))
        ]
        assert not outside, f"requests left the machine: {outside}"
        assert not self.errors, f"console or page errors: {self.errors}"


def watch(context: Any, site: Path) -> Watched:
    """Open a new page in `context` that records requests and errors."""
    page = context.new_page()
    watched = Watched(page, site)
    page.on("request", lambda request: watched.requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            watched.errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: watched.errors.append(f"pageerror: {error}"))
    return watched


@pytest.fixture
def site_page(browser: Any, fixture_site: Path) -> Iterator[Watched]:
    """A fresh browser context (empty localStorage) on the fixture site; checked when done."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    watched = watch(context, fixture_site)
    yield watched
    try:
        watched.assert_clean()
    finally:
        context.close()

"""`grade package`: build the student-safe course package (a wheel) for instructors to publish.

Students' CI installs the grader, and the hidden tests inside it, from the course. Publishing
the course repository would publish `solutions/` too; instead the instructor publishes this
wheel (a release asset or an index) and pins it by SHA-256 in the students' workflow
(`grade init --grader-wheel URL --grader-sha256 HASH`). Before the wheel is written it is
checked: no reference solution, no answers.yaml, and the site's leak scan finds nothing.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.course.model import Course
from grader.website.leaks import find_leaks

BUILD_SECONDS = 600


class PackageError(Exception):
    """Raise when the course package cannot be built, or would leak solutions or answers."""


@dataclass(frozen=True)
class Package:
    """A built course wheel and its SHA-256."""

    wheel: Path
    sha256: str

    def summary(self) -> str:
        """Return what to publish and the `grade init` options that pin it."""
        return (
            f"Built {self.wheel} (no solutions, no plain answers: leak scan clean).\n"
            f"SHA-256: {self.sha256}\n"
            "Publish it (a release asset or an index), then have students run:\n"
            f"  grade init DIR --grader-wheel https://…/{self.wheel.name}"
            f" --grader-sha256 {self.sha256}\n"
        )


def project_root(course: Course) -> Path:
    """Return the course checkout's project folder (pyproject.toml beside exercises/)."""
    root = course.root.parent
    if course.root.name != "exercises" or not (root / "pyproject.toml").is_file():
        raise PackageError(
            f"{course.root}: a course package is built from a course checkout"
            " (pyproject.toml beside exercises/); run grade package in one"
        )
    return root


def wheel_problems(wheel: Path, course: Course, solutions: Path | None) -> list[str]:
    """Return why `wheel` must not be published: solutions, answer files, leaks (empty if none).

    Every member is checked for paths that must not ship and for a whole reference solution;
    the starter files students read are also put through the site's leak scan (hidden tests
    and known-wrong files share lines with the solutions by design).
    """
    problems = []
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as scratch:
        members = {name: archive.read(name) for name in archive.namelist()}
        for name in members:
            parts = name.split("/")
            if "solutions" in parts or parts[-1] == "answers.yaml":
                problems.append(f"{wheel.name}:{name}: must not ship to students")
        for name, data in members.items():
            if name.endswith("/stub.py"):
                path = Path(scratch, *name.split("/"))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        problems += [
            f"{wheel.name}:{leak}" for leak in find_leaks(Path(scratch), solutions, course)
        ]
    sources = {name: data.decode("utf-8", "replace") for name, data in members.items()}
    for solution in sorted(solutions.glob("*.py")) if solutions else []:
        statements = _statements(solution.read_text(encoding="utf-8"))
        for name, source in sources.items():
            if name.endswith(".py") and statements and statements <= _statements(source):
                problems.append(
                    f"{wheel.name}:{name}: holds the reference solution {solution.name}"
                )
    return problems


def _statements(source: str) -> set[str]:
    """Return a module's top-level statements (docstrings dropped), normalised by ast.unparse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list) or not body:
            continue
        value = body[0].value if isinstance(body[0], ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            body.pop(0)
    return {ast.unparse(statement) for statement in tree.body}


def build_package(course: Course, out: Path) -> Package:
    """Build the course wheel into `out`, refuse it if it leaks, and return it with its hash."""
    root = project_root(course)
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", scratch, str(root)],
            capture_output=True,
            text=True,
            timeout=BUILD_SECONDS,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        built = sorted(Path(scratch).glob("*.whl"))
        if done.returncode != 0 or len(built) != 1:
            last = (done.stderr.strip().splitlines() or ["no wheel was built"])[-1]
            raise PackageError(f"building the course wheel failed: {last}")
        problems = wheel_problems(built[0], course, root / "solutions")
        if problems:
            raise PackageError(
                "the course package would leak; not written:\n" + "\n".join(problems)
            )
        out.mkdir(parents=True, exist_ok=True)
        wheel = out / built[0].name
        shutil.copyfile(built[0], wheel)
    return Package(wheel, hashlib.sha256(wheel.read_bytes()).hexdigest())

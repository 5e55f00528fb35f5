"""The import layering of docs/development.md, enforced on every module in grader/.

course (YAML -> model) imports nothing of grading, sandbox, reporters or website; the
sandbox imports nothing of grading; reporters are pure functions of a Report (no engine,
no sandbox process, no files, no click); the class library (grader.classroom: gradebook,
class report, LMS files; its worker grades through the engine) imports no website and no
command line; only grader/cli/ (the commands) imports click.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "grader"
MODULES = sorted(PACKAGE.rglob("*.py"))

FORBIDDEN = {
    "grader.course": ["grader.grading", "grader.sandbox", "grader.reporters", "grader.website"],
    "grader.sandbox": ["grader.grading", "grader.reporters", "grader.website", "grader.course"],
    "grader.reporters": [
        "grader.grading.engine",
        "grader.grading.workspace",
        "grader.grading.checks",
        "grader.sandbox.core",
        "grader.sandbox.copy",
        "grader.website",
        "subprocess",
        "pytest",
    ],
    "grader.grading": ["grader.reporters", "grader.website"],
    "grader.website": ["grader.grading.engine", "grader.sandbox"],
    "grader.classroom": ["grader.website", "grader.cli"],
    "grader.batch": ["grader.website", "grader.cli"],
    "grader.merge": ["grader.website", "grader.cli"],
    "grader.export": ["grader.grading", "grader.sandbox", "grader.website", "grader.cli"],
}


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Return every module `path` imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _violations(module: str, imports: set[str]) -> list[str]:
    bad = []
    for layer, forbidden in FORBIDDEN.items():
        if module == layer or module.startswith(layer + "."):
            bad += [
                name
                for name in sorted(imports)
                for prefix in forbidden
                if name == prefix or name.startswith(prefix + ".")
            ]
    if module != "grader.cli" and not module.startswith("grader.cli."):
        bad += [name for name in imports if name == "click" or name.startswith("click.")]
    return bad


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_imports_follow_the_layers(path: Path) -> None:
    assert _violations(_name(path), _imports(path)) == []


def test_the_checker_catches_a_violation() -> None:
    assert _violations("grader.course.load", {"grader.grading.engine"}) == ["grader.grading.engine"]
    assert _violations("grader.listing", {"click"}) == ["click"]
    assert _violations("grader.cli", {"click"}) == []
    assert _violations("grader.cli.classroom", {"click"}) == []
    assert _violations("grader.classroom.gradebook", {"click"}) == ["click"]
    assert _violations("grader.classroom.run", {"grader.cli"}) == ["grader.cli"]


def test_no_module_is_over_500_lines() -> None:
    long = {_name(p): n for p in MODULES if (n := len(p.read_text().splitlines())) > 500}
    assert long == {}, long

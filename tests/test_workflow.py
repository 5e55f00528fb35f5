"""The GitHub Actions workflow runs the whole suite on Linux, macOS and Windows, every Python.

It cannot run here, so this reads it (with the grader's YAML 1.2 loader, which reads `on:` as
GitHub does) and checks what would silently rot: the matrix, the actions' versions, the test
extras, chromium where the browser tests run, and that no OS deselects or forgives tests.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from grader.course import safe_yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "test.yml"
RUNNERS = ["ubuntu-latest", "macos-latest", "windows-latest"]
PYTHONS = ["3.11", "3.12", "3.13"]


@pytest.fixture(scope="module")
def job() -> dict[str, Any]:
    workflow = safe_yaml.load(WORKFLOW.read_bytes(), str(WORKFLOW)).data
    assert {"push", "pull_request"} <= set(workflow["on"])
    return workflow["jobs"]["test"]


def _steps(job: dict[str, Any], uses: str = "", runs: str = "") -> list[dict[str, Any]]:
    return [
        step
        for step in job["steps"]
        if (uses and str(step.get("uses", "")).startswith(uses))
        or (runs and runs in str(step.get("run", "")))
    ]


def test_the_matrix_is_every_runner_and_every_supported_python(job: dict[str, Any]) -> None:
    matrix = job["strategy"]["matrix"]
    assert matrix["os"] == RUNNERS
    assert matrix["python-version"] == PYTHONS, "versions are strings: 3.10 is not 3.1"
    assert set(matrix) == {"os", "python-version"}, "no include/exclude drops a combination"
    assert job["strategy"]["fail-fast"] is False, "one OS failing must not hide the others"
    assert job["runs-on"] == "${{ matrix.os }}"
    assert job["env"]["CI"] == "true", "tests/conftest.py fails feature skips only under CI"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    floor = re.fullmatch(r">=\s*(\d+\.\d+)", project["requires-python"])
    assert floor is not None and PYTHONS[0] == floor.group(1), "the oldest supported Python"


def test_actions_and_install(job: dict[str, Any]) -> None:
    assert [step["uses"] for step in _steps(job, uses="actions/")] == [
        "actions/checkout@v4",
        "actions/setup-python@v5",
    ]
    (setup,) = _steps(job, uses="actions/setup-python")
    assert setup["with"]["python-version"] == "${{ matrix.python-version }}"
    (install,) = _steps(job, runs="pip install")
    assert 'python -m pip install -e ".[test]"' in install["run"]
    assert "if" not in install, "every OS installs the test extras"


def test_chromium_is_installed_where_the_browser_tests_run(job: dict[str, Any]) -> None:
    conftest = _root_conftest()
    (chromium,) = _steps(job, runs="chromium --version")
    assert chromium["if"] == "runner.os == 'Linux'"
    assert str(conftest.CHROMIUM) in chromium["run"]
    assert conftest.BROWSER_ONLY_ON[0] == "linux", "browser tests run where chromium is"


def test_every_os_runs_the_whole_suite(job: dict[str, Any]) -> None:
    runs = _steps(job, runs="-m pytest")
    conditions = sorted(step.get("if", "") for step in runs)
    assert conditions == ["runner.os != 'Linux'", "runner.os == 'Linux'"]
    for step in runs:
        options = step["run"].split("-m pytest", 1)[1]
        assert not re.search(r"(^|\s)(-k|-m|-x|--ignore|--deselect)\b", options), options
        assert "continue-on-error" not in step
    assert not any("continue-on-error" in step for step in job["steps"])


def test_the_os_only_paths_exist() -> None:
    for prefix in _root_conftest().ONLY_ON_PATHS:
        file, _, test = prefix.partition("::")
        path = ROOT / "tests" / file
        assert path.exists(), f"tests/conftest.py names a gone {prefix}"
        if test:
            assert f"def {test}(" in path.read_text(encoding="utf-8"), prefix


def _root_conftest() -> Any:
    spec = importlib.util.spec_from_file_location("_tests_conftest", ROOT / "tests/conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

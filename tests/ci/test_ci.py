"""CI grading of pushed submissions: the generated workflow, run as CI would run it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from grade_cli_support import EXERCISES, clean_env, grade, tree

from grader import __version__
from grader.course.load import load_course

Workspace = Callable[..., Path]
COURSE_URL = "https://github.com/example-uni/neurons-from-scratch.git"
COURSE_REF = "v2026.11.0"
REQUIREMENT = f"neuron-grader @ git+{COURSE_URL}@{COURSE_REF}"
REPORTS = ["junit.xml", "report.json", "summary.md"]


@pytest.fixture(scope="module")
def workflow_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the workflow a real `grade init --course-url --course-ref` writes."""
    root = tmp_path_factory.mktemp("init")
    done = grade("init", "ws", "--course-url", COURSE_URL, "--course-ref", COURSE_REF, cwd=root)
    assert done.returncode == 0, done.stderr
    assert "Note:" not in done.stdout, "a configured workflow needs no note"
    return (root / "ws" / ".github" / "workflows" / "grade.yml").read_text()


@pytest.fixture(scope="module")
def workflow(workflow_text: str) -> dict:
    return yaml.safe_load(workflow_text)


def _steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["grade"]["steps"]


def _step(workflow: dict, step_id: str) -> dict:
    return next(step for step in _steps(workflow) if step.get("id") == step_id)


@dataclass
class Run:
    """What a simulated GitHub Actions run left behind."""

    grade: subprocess.CompletedProcess[str]
    summary: str
    reports: Path
    uploaded: list[str] = field(default_factory=list)


def run_github(workflow: dict, submission: Path, tmp: Path) -> Run:
    """Run the workflow's steps as GitHub would, in a simulated runner.

    The checkout copies the submission; the install step is replaced by the grader already
    installed here (editable); upload-artifact lists what it would upload. Every other step
    is the workflow's own `run:` script, run by bash the way GitHub runs it.
    """
    runner_temp, github_workspace, home = tmp / "runner-temp", tmp / "github", tmp / "home"
    for folder in (runner_temp, github_workspace, home):
        folder.mkdir(parents=True)
    summary = tmp / "step-summary.md"
    summary.touch()
    env = clean_env(
        home,
        {
            **workflow["env"],
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_WORKSPACE": str(github_workspace),
            "RUNNER_TEMP": str(runner_temp),
        },
    )
    shell = workflow["defaults"]["run"]["shell"]
    assert shell == "bash"
    failed, graded, uploaded = False, None, []
    for step in _steps(workflow):
        if failed and "always()" not in str(step.get("if", "")):
            continue
        action = step.get("uses", "")
        if action.startswith("actions/checkout@"):
            shutil.copytree(submission, github_workspace / step["with"]["path"], symlinks=True)
        elif action.startswith("actions/setup-python@"):
            pass
        elif action.startswith("actions/upload-artifact@"):
            path = step["with"]["path"].replace("${{ runner.temp }}", str(runner_temp))
            uploaded = sorted(os.listdir(path))
        elif step.get("id") == "install":
            pass  # the grader under test is installed already
        else:
            assert "run" in step and not action, f"unexpected step {step}"
            cwd = github_workspace / step.get("working-directory", "")
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                stdin=subprocess.DEVNULL,
            )
            if step.get("id") == "grade":
                graded = done
            failed = failed or done.returncode != 0
    assert graded is not None
    copy = github_workspace / "submission"
    assert tree(copy) == tree(submission), "CI grading writes nothing into the submission"
    return Run(graded, summary.read_text(), runner_temp / "grade-reports", uploaded)


@pytest.mark.parametrize(("kind", "exit_code"), [("stub", 1), ("partial", 1), ("complete", 0)])
def test_simulated_github_run(
    kind: str, exit_code: int, workflow: dict, workspace: Workspace, tmp_path: Path
) -> None:
    submission = workspace(kind)
    run = run_github(workflow, submission, tmp_path / "ci")
    assert run.grade.returncode == exit_code, run.grade.stderr
    assert run.grade.stdout.startswith(f"grade, version {__version__}\n")
    assert "Traceback" not in run.grade.stderr
    verdict = "reached" if exit_code == 0 else "not reached"
    assert f"points: {verdict}." in run.grade.stderr
    assert run.uploaded == REPORTS
    markdown = (run.reports / "summary.md").read_text()
    assert run.summary == markdown, "the job summary is the Markdown report"
    assert markdown.startswith("## Fixture Neurons: ") and "| Item | Status | Score |" in markdown
    suites = ET.parse(run.reports / "junit.xml").getroot()
    counts = {name: int(suites.get(name)) for name in ("tests", "failures", "errors", "skipped")}
    assert counts["tests"] > 0
    if kind == "stub":
        assert counts["skipped"] == counts["tests"] and counts["failures"] == 0
    elif kind == "partial":
        assert counts["failures"] > 0 and 0 < counts["skipped"] < counts["tests"]
    else:
        assert counts["failures"] == counts["errors"] == counts["skipped"] == 0
    report = json.loads((run.reports / "report.json").read_text())
    course = load_course(EXERCISES)
    assert report["grader_version"] == __version__
    assert report["course"] == {"title": course.title, "version": course.version}
    for graded in report["files"]:
        data = (submission / graded["name"]).read_bytes()
        assert graded["sha256"] == hashlib.sha256(data).hexdigest(), graded["name"]
    assert {graded["name"] for graded in report["files"]} == {
        *(exercise.file for exercise in course.exercises),
        "answers.yaml",
    }


def _marker_code(markers: Path, name: str) -> str:
    return f"import pathlib\npathlib.Path({str(markers / name)!r}).write_text('ran')\n"


def _plant_hostile_files(folder: Path, markers: Path) -> None:
    """Add what a student might push to change the grading: none of it may have an effect."""
    force_pass = (
        "import pytest\n\n\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"
    )
    files = {
        "conftest.py": _marker_code(markers, "conftest") + force_pass,
        "tests/conftest.py": _marker_code(markers, "tests-conftest") + force_pass,
        "tests/test_sigmoid.py": _marker_code(markers, "tests") + "def test_x():\n    pass\n",
        "test_sigmoid.py": _marker_code(markers, "test_sigmoid") + "def test_x():\n    pass\n",
        "pytest.ini": "[pytest]\naddopts = -p no:python --collect-only\npython_files = *.py\n",
        "tox.ini": "[pytest]\naddopts = --collect-only\n",
        "setup.cfg": "[tool:pytest]\naddopts = --collect-only\n",
        "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '--collect-only'\n",
        "grader/__init__.py": _marker_code(markers, "grader") + "raise SystemExit(0)\n",
        "grader/checks.py": _marker_code(markers, "grader-checks"),
        "numpy.py": _marker_code(markers, "numpy") + "raise ImportError('not numpy')\n",
        "pytest.py": _marker_code(markers, "pytest") + "raise ImportError('not pytest')\n",
        "click.py": _marker_code(markers, "click") + "raise ImportError('not click')\n",
        "yaml.py": _marker_code(markers, "yaml") + "raise ImportError('not yaml')\n",
        "sitecustomize.py": _marker_code(markers, "sitecustomize"),
        "usercustomize.py": _marker_code(markers, "usercustomize"),
        "exercises/course.yaml": "title: Easy\nversion: '0'\nlessons: []\n",
        "requirements.txt": "evil-package==6.6.6\n",
        "setup.py": _marker_code(markers, "setup"),
        ".github/workflows/grade.yml": "name: grade\non: push\njobs:\n  grade:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - run: echo 'score: 100%'\n",
    }
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _timeless(report: str) -> str:
    """Blank the per-check durations (JUnit time attributes, JSON seconds) of a report."""
    report = re.sub(r'time="[0-9.]+"', 'time="T"', report)
    return re.sub(r'"seconds": [0-9.e+-]+', '"seconds": T', report)


def test_files_in_the_submission_change_nothing(
    workflow: dict, workspace: Workspace, tmp_path: Path
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    markers.chmod(0o777)
    plain = workspace("partial", "plain")
    direct = tmp_path / "direct"
    direct.mkdir()
    done = grade(
        "check",
        "--json",
        str(direct / "report.json"),
        "--junit",
        str(direct / "junit.xml"),
        "--markdown",
        str(direct / "summary.md"),
        cwd=plain,
    )
    assert done.returncode == 1
    hostile = workspace("partial", "hostile")
    _plant_hostile_files(hostile, markers)
    run = run_github(workflow, hostile, tmp_path / "ci")
    assert run.grade.returncode == 1, run.grade.stderr
    for name in REPORTS:  # equal up to the measured durations, which differ run to run
        ci, local = (_timeless((folder / name).read_text()) for folder in (run.reports, direct))
        assert ci == local, name
    assert run.grade.stdout.split("\n", 1)[1] == done.stdout, "the same text report"
    assert list(markers.iterdir()) == [], "no file from the submission was run"


def test_workflow_installs_the_pinned_grader_and_runs_nothing_of_the_student(
    workflow: dict, workflow_text: str
) -> None:
    assert workflow["env"]["GRADER_PACKAGE"] == REQUIREMENT
    assert workflow["env"]["PASS_MARK"] == "100%"
    assert workflow["permissions"] == {"contents": "read"}
    triggers = workflow.get("on", workflow.get(True))
    assert {"push", "pull_request"} <= set(triggers)
    checkout = _steps(workflow)[0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"path": "submission", "persist-credentials": False}
    python = next(s for s in _steps(workflow) if s.get("uses", "").startswith("actions/setup"))
    assert "cache" not in python.get("with", {}), "a pip cache would read the student's files"
    install = _step(workflow, "install")
    assert "working-directory" not in install, "install outside the submission"
    assert (
        'python -I -m pip install --disable-pip-version-check --no-input "$GRADER_PACKAGE"'
        in (install["run"])
    )
    run_steps = [step for step in _steps(workflow) if "run" in step]
    assert [step["id"] for step in run_steps] == ["install", "grade"]
    for step in run_steps:
        script = step["run"]
        assert "${{" not in script, "no expressions inside scripts (injection)"
        for forbidden in ("requirements", "pip install -e", "pip install .", "python -m pytest"):
            assert forbidden not in script
        assert not [word for word in script.split() if word.endswith(".py")]
    graded = _step(workflow, "grade")
    assert graded["working-directory"] == "submission"
    for option in ('--pass-mark "$PASS_MARK"', "--json", "--junit", "--markdown"):
        assert option in graded["run"]
    upload = next(s for s in _steps(workflow) if "upload-artifact" in s.get("uses", ""))
    assert "always()" in upload["if"]
    assert "@@" not in workflow_text


def _fake_python(tmp: Path) -> tuple[dict[str, str], Path]:
    """Put a `python` on PATH that records its arguments instead of installing anything."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    record = tmp / "python-args"
    fake = bin_dir / "python"
    fake.write_text(f"#!/bin/bash\nprintf '%s\\0' \"$@\" > {record}\n")
    fake.chmod(0o755)
    env = clean_env(tmp)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return env, record


def test_install_step_installs_exactly_the_pinned_requirement(
    workflow: dict, tmp_path: Path
) -> None:
    env, record = _fake_python(tmp_path)
    script = _step(workflow, "install")["run"]
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=tmp_path,
        env={**env, "GRADER_PACKAGE": REQUIREMENT},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    args = record.read_text().split("\0")[:-1]
    assert args == [
        "-I",
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        REQUIREMENT,
    ]
    record.unlink()
    placeholder = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=tmp_path,
        env={**env, "GRADER_PACKAGE": "neuron-grader @ git+https://course.invalid/x.git@v1"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert placeholder.returncode == 2
    assert placeholder.stdout.startswith("::error title=Grader not configured::")
    assert not record.exists(), "nothing is installed from a placeholder"


def test_init_without_a_course_url_writes_a_placeholder_and_says_so(workspace: Workspace) -> None:
    folder = workspace("stub")
    text = (folder / ".github" / "workflows" / "grade.yml").read_text()
    assert "course.invalid" in yaml.safe_load(text)["env"]["GRADER_PACKAGE"]
    done = grade("init", "again", cwd=folder.parent)
    assert done.returncode == 0
    note = " ".join(done.stdout.split())
    assert "--grader-wheel URL --grader-sha256 HASH, built with `grade package`)" in note
    assert "or --course-url and --course-ref" in note
    bad = grade("init", "bad", "--course-url", "https://x/a b", cwd=folder.parent)
    assert bad.returncode == 2 and "course URL" in bad.stderr
    assert not (folder.parent / "bad").exists()


def test_simulated_gitlab_run(workspace: Workspace, tmp_path: Path) -> None:
    project = workspace("partial", "project")
    printed = grade(
        "ci", "gitlab", "--course-url", COURSE_URL, "--course-ref", COURSE_REF, cwd=tmp_path
    )
    assert printed.returncode == 0, printed.stderr
    job = yaml.safe_load(printed.stdout)["grade"]
    assert job["variables"]["GRADER_PACKAGE"] == REQUIREMENT
    junit = job["artifacts"]["reports"]["junit"]
    assert job["artifacts"]["when"] == "always"
    script = [line for line in job["script"] if "pip install" not in line]
    assert len(script) == len(job["script"]) - 1, "exactly one install line"
    env = clean_env(
        tmp_path / "home",
        {**job["variables"], "CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": str(project)},
    )
    (tmp_path / "home").mkdir()
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "\n".join(script)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1, done.stderr
    suites = ET.parse(project / junit).getroot()
    assert int(suites.get("failures")) > 0
    for path in job["artifacts"]["paths"]:
        assert (project / path).exists()


def test_every_ci_format_records_what_was_graded(workspace: Workspace, tmp_path: Path) -> None:
    folder = workspace("partial")
    out = tmp_path / "out"
    out.mkdir()
    grade(
        "check",
        "sigmoid",
        "relu_output",
        "--junit",
        str(out / "junit.xml"),
        "--markdown",
        str(out / "summary.md"),
        "--gradescope",
        str(out / "results.json"),
        cwd=folder,
    )
    version = load_course(EXERCISES).version
    sigmoid = hashlib.sha256((folder / "sigmoid.py").read_bytes()).hexdigest()
    suites = ET.parse(out / "junit.xml").getroot()
    properties = {p.get("name"): p.get("value") for p in suites.findall("properties/property")}
    assert properties == {"grader_version": __version__, "course_version": version}
    suite = next(s for s in suites.findall("testsuite") if s.get("name") == "sigmoid")
    suite_properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert suite_properties["file_sha256"] == sigmoid
    markdown = (out / "summary.md").read_text()
    assert f"Graded by grader {__version__}, course version {version}." in markdown
    assert f"{sigmoid}  sigmoid.py" in markdown
    extra = json.loads((out / "results.json").read_text())["extra_data"]
    assert extra["grader_version"] == __version__ and extra["course_version"] == version


@pytest.fixture(scope="module")
def classroom50_workflow(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Return the Classroom 50 workflow `grade ci classroom50` prints."""
    root = tmp_path_factory.mktemp("classroom50")
    done = grade(
        "ci", "classroom50", "--course-url", COURSE_URL, "--course-ref", COURSE_REF, cwd=root
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_classroom50_workflow_runs_only_for_submission_tags(classroom50_workflow: dict) -> None:
    triggers = classroom50_workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"push", "workflow_dispatch"}
    assert triggers["push"] == {"tags": ["submit*"]}  # no branches: a plain push grades nothing
    assert classroom50_workflow["env"]["GRADER_PACKAGE"] == REQUIREMENT
    assert classroom50_workflow["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("kind", ["stub", "complete"])
def test_simulated_classroom50_run_writes_result_json_and_exits_0(
    kind: str, classroom50_workflow: dict, workspace: Workspace, tmp_path: Path
) -> None:
    submission = workspace(kind)
    run = run_github(classroom50_workflow, submission, tmp_path / "ci")
    assert run.grade.returncode == 0, run.grade.stderr  # the grader ran, whatever the score
    assert run.uploaded == ["report.json", "result.json", "summary.md"]
    result = json.loads((run.reports.parent / "classroom50" / "result.json").read_text())
    report = json.loads((run.reports.parent / "classroom50" / "report.json").read_text())
    assert result["schema"] == "classroom50/result/v1"
    assert (result["score"], result["max-score"]) == (report["score"], report["max_score"])
    assert sum(test["score"] for test in result["tests"]) == result["score"]
    assert (result["score"] == result["max-score"]) == (kind == "complete")

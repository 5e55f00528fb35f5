"""A small class graded for real: rosters, times, policies and LMS exports written as files."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader.classroom.integrity import code_forms
from grader.course.load import load_course
from grader.course.model import Course
from grader.grading.engine import Grader, Submission
from grader.reporters.json_report import report_data
from grader.sandbox import Limits

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DATA = HERE / "data"
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
ARTIFACTS = REPO / "artifacts" / "class-report"
ITEMS = ("weighted_sum", "sigmoid", "relu", "relu_output", "sigmoid_minus_one", "why_activation")
RIGHT = {"relu_output": "1.5", "sigmoid_minus_one": "0.269", "why_activation": "c"}


def _site_support():
    """Load the site tests' conftest under its own name, to reuse Watched and watch."""
    spec = importlib.util.spec_from_file_location(
        "site_browser_support", REPO / "tests" / "site" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SITE = _site_support()

watch = SITE.watch
Watched = SITE.Watched


def _wrong(item: str, name: str) -> str:
    return (EXERCISES / item / "wrong" / name).read_text(encoding="utf-8")


def _solution(item: str) -> str:
    return (SOLUTIONS / f"{item}.py").read_text(encoding="utf-8")


def _stub(item: str) -> str:
    return (EXERCISES / item / "stub.py").read_text(encoding="utf-8")


# Each student: their files (code by exercise id) and answers. None: the starter file.
CLASS: dict[str, dict[str, Any]] = {
    "ada": {"code": {}, "answers": RIGHT},
    "ben": {
        "code": {"sigmoid": ("wrong", "exp_sign.py"), "relu": ("wrong", "python_max.py")},
        "answers": {**RIGHT, "relu_output": "1.0", "why_activation": "a"},
    },
    "cai": {
        "code": {"sigmoid": ("wrong", "exp_sign.py")},
        "answers": {"relu_output": "1.0", "why_activation": "a", "sigmoid_minus_one": "0.731"},
    },
    "dee": {
        "code": {"sigmoid": ("wrong", "math_exp.py"), "weighted_sum": ("wrong", "forgets_bias.py")},
        "answers": {**RIGHT, "sigmoid_minus_one": "0.731"},
    },
    "eve": {
        "code": {"sigmoid": ("text", "def sigmoid(x):\n    while True:\n        pass\n")},
        "answers": {**RIGHT, "why_activation": "b"},
    },
    "fay": {
        "code": {"sigmoid": ("bytes", b"def sigmoid(x):\n    return '\xff\xfe'\n")},
        "answers": {},
    },
    "gus": {
        "code": {item: ("stub", "") for item in ("weighted_sum", "sigmoid", "relu")},
        "answers": {},
    },
    "zed": {"code": {}, "answers": RIGHT},
}


@dataclass
class GradedClass:
    """The class above graded once: JSON report data and sources by student."""

    course: Course
    root: Path
    reports: dict[str, dict[str, Any]]
    sources: dict[str, dict[str, str]]
    starters: dict[str, str]

    @property
    def forms(self) -> dict[str, dict[str, list]]:
        """Each student's normalised code, as the batch gradebook keeps it."""
        return {student: code_forms(files) for student, files in self.sources.items()}

    def write_reports(self, folder: Path) -> dict[str, str]:
        """Write each JSON report to folder/reports/<student>.json; return relative hrefs."""
        (folder / "reports").mkdir(parents=True, exist_ok=True)
        hrefs = {}
        for student, data in self.reports.items():
            (folder / "reports" / f"{student}.json").write_text(json.dumps(data))
            hrefs[student] = f"reports/{student}.json"
        return hrefs


def _make(folder: Path, course: Course, spec: dict[str, Any]) -> dict[str, str]:
    folder.mkdir(parents=True)
    sources = {}
    for exercise in course.exercises:
        if exercise.id not in ITEMS:
            continue
        how, value = spec["code"].get(exercise.id, ("solution", ""))
        path = folder / exercise.file
        if how == "bytes":
            path.write_bytes(value)
            continue
        text = {
            "solution": _solution(exercise.id) if how == "solution" else "",
            "wrong": _wrong(exercise.id, value) if how == "wrong" else "",
            "text": value,
            "stub": _stub(exercise.id) if how == "stub" else "",
        }[how]
        path.write_text(text, encoding="utf-8")
        sources[exercise.file] = text
    lines = [f"{quiz}: {answer}" for quiz, answer in spec["answers"].items()]
    (folder / "answers.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sources


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> GradedClass:
    """Grade the whole class once per session with the real engine and sandbox."""
    course = load_course(EXERCISES)
    root = tmp_path_factory.mktemp("class")
    sources = {student: _make(root / student, course, spec) for student, spec in CLASS.items()}
    reports: dict[str, dict[str, Any]] = {}
    submissions = [Submission(root / student, student) for student in CLASS]
    with Grader(course, Limits(call_timeout=1.0)) as grader:
        grader.grade_many(
            submissions,
            lambda submission, report: reports.__setitem__(submission.label, report_data(report)),
            ITEMS,
        )
    starters = {
        exercise.file: _stub(exercise.id) for exercise in course.exercises if exercise.id in ITEMS
    }
    return GradedClass(course, root, reports, sources, starters)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of tests/classroom/data (rosters, manifests, LMS exports)."""
    return Path(shutil.copytree(DATA, tmp_path / "data"))

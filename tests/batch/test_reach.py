"""Which student files are cached by their own bytes, and which only with the whole submission."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.classroom.reach import reaches

from .conftest import grade_batch

MODULES = {"weighted_sum", "sigmoid", "relu", "step", "neuron", "forward"}


def _grade(tmp_path: Path, students: dict[str, dict[str, str]]) -> Callable[[str, str], dict]:
    """Grade the class with the real `grade batch`; return a lookup of (student, item) results."""
    for student, files in students.items():
        (tmp_path / "s" / student).mkdir(parents=True)
        for name, text in files.items():
            (tmp_path / "s" / student / name).write_text(text)
    done = grade_batch("batch", "s", "--out", "o", "--jobs", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr

    def result(student: str, item: str) -> dict:
        report = json.loads((tmp_path / "o" / "reports" / f"{student}.json").read_text())
        return next(found for found in report["exercises"] if found["id"] == item)

    return result


@pytest.mark.parametrize(
    ("source", "reaching"),
    [
        # Comments and docstrings cannot run: the course's own words there do not count.
        (
            '"""The step after the weighted sum in every artificial neuron."""\n\n'
            "def relu(x):\n"
            '    """Step two of the forward pass: like sigmoid, but cheaper."""\n'
            "    return max(0.0, x)  # then the next step\n",
            False,
        ),
        ("def relu(x):\n    # open a file? no, sys is not needed\n    return max(0.0, x)\n", False),
        ('"a" "step"\n', False),  # one literal, standing alone
        # Code that names another module, or can import or read by name, does.
        ("from step import step\n\ndef relu(x):\n    return step(x)\n", True),
        ("import sigmoid\n", True),
        ('def relu(x):\n    help("step")\n    return x\n', True),
        ('def relu(x):\n    return len(open("sigmoid.py").read())\n', True),
        ('def relu(x):\n    f"{__builtins__}"\n    return x\n', True),  # an f-string runs
        ('"step".upper()\n', True),  # a string used, not standing alone
        ('x = 1; "step"\n', True),
        ('def relu(x):\n    return getattr(x, "real")\n', True),
        ("def relu(x:\n    # step\n", True),  # not readable as Python: every word counts
    ],
)
def test_what_reaches_another_file(source: str, reaching: bool) -> None:
    assert reaches(source.encode(), "relu", MODULES) is reaching


def test_a_file_is_read_in_the_encoding_it_declares() -> None:
    hidden = b"# coding: utf-7\nimport +AHMAdABlAHA-\n"  # Python reads `import step`
    assert reaches(hidden, "relu", MODULES)
    assert not reaches(b"# coding: utf-7\n# one step\nx = 1\n", "relu", MODULES)
    assert reaches(b"# coding: no-such-codec\nx = 1\n# step\n", "relu", MODULES)  # every word


def test_a_name_is_read_as_python_reads_it() -> None:
    fullwidth = "import \uff53\uff54\uff45\uff50 as s\nX = s.X\n"  # Python imports step
    assert reaches(fullwidth.encode(), "relu", MODULES)
    assert not reaches("# \uff53\uff54\uff45\uff50\nX = 1\n".encode(), "relu", MODULES)


def test_a_file_is_not_said_to_reach_its_own_module() -> None:
    source = b"def relu(x):\n    return relu_helper(x)\n\nrelu_helper = abs\n"
    assert not reaches(source, "relu", MODULES)


def test_results_are_shared_by_bytes_only_where_no_other_file_can_matter(tmp_path: Path) -> None:
    """Same relu.py, different sigmoid.py: shared, unless that relu.py imports sigmoid."""
    importing = (
        "import numpy as np\n\nfrom sigmoid import sigmoid\n\n"
        "def relu(x):\n"
        "    return np.maximum(0, x) if sigmoid(0.0) == 0.5 else x\n"
    )
    commented = '"""My relu: one step of a neuron\'s forward pass, like sigmoid."""\n\n'
    commented += "import numpy as np\n\n"
    commented += "def relu(x):\n    return np.maximum(0, x)  # the step after the weighted sum\n"
    good = "import math\n\ndef sigmoid(z):\n    return 1.0 / (1.0 + math.exp(-z))\n"
    wrong = "def sigmoid(z):\n    return 0.0\n"
    students = {
        "ann": {"relu.py": importing, "sigmoid.py": good},
        "ben": {"relu.py": importing, "sigmoid.py": wrong},
        "cal": {"relu.py": commented, "sigmoid.py": good},
        "dot": {"relu.py": commented, "sigmoid.py": wrong},
    }
    result = _grade(tmp_path, students)
    assert result("ann", "relu")["status"] == "passed"
    assert result("ben", "relu")["status"] == "failed"  # not ann's result: its sigmoid differs
    assert result("cal", "relu")["status"] == "passed"
    # cal and dot hand in the same relu.py, which only mentions other modules in comments and
    # docstrings: dot gets cal's result as it was, down to each check's measured seconds
    assert result("dot", "relu") == result("cal", "relu")


@pytest.mark.parametrize("then", ["", "raise RuntimeError('an import that fails after all')\n"])
def test_a_result_another_file_could_change_is_never_shared(tmp_path: Path, then: str) -> None:
    """ann's weighted_sum.py patches numpy.exp (no import of another file, no listed name), so
    her wrong sigmoid.py passes; bob hands in the same wrong sigmoid.py and must not get that."""
    wrong_sigmoid = "import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(z))\n"
    patching = (
        "import numpy as np\n\n"
        "_exp = np.exp\n"
        "np.exp = lambda z, *a, **k: _exp(np.negative(z), *a, **k)\n\n"
        "def weighted_sum(inputs, weights, bias):\n"
        "    return float(np.dot(inputs, weights) + bias)\n"
    ) + then
    students = {
        "ann": {"weighted_sum.py": patching, "sigmoid.py": wrong_sigmoid},
        "bob": {"sigmoid.py": wrong_sigmoid},
    }
    result = _grade(tmp_path, students)

    # Her own files earn what `from weighted_sum import ...` would: checks her patched numpy
    # passes; bob, graded on his own, is not given that result.
    assert result("ann", "sigmoid")["score"] > result("bob", "sigmoid")["score"]

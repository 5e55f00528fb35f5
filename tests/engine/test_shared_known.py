"""Known-wrong results made once and shared by the grading processes of a batch."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader.course.load import load_course
from grader.grading.diagnosis import KNOWN_WRONG, Run
from grader.grading.engine import Grader
from grader.grading.fingerprints import Observation
from grader.grading.results import CheckResult, Status
from grader.grading.shared_known import SharedKnownWrong, _pack, _unpack
from grader.sandbox.outcomes import Frame, Opaque

ROOT = Path(__file__).resolve().parents[2]
ABS_VALUE = "import numpy as np\n\ndef relu(x):\n    return np.abs(x)\n"
RETURNS_INPUT = "def relu(x):\n    return x\n"


@pytest.fixture
def fresh_process() -> Iterator[None]:
    """Forget this process's known-wrong results, as a new batch worker starts without them."""
    kept = dict(KNOWN_WRONG)
    KNOWN_WRONG.clear()
    yield
    KNOWN_WRONG.clear()
    KNOWN_WRONG.update(kept)


def _run(test: str, detail: object) -> Run:
    result = CheckResult(
        test=test,
        name="a check",
        status=Status.FAILED,
        score=0,
        max_score=2,
        visibility="visible",
        message="relu(-1.0) returned 1.0; expected 0.0",
        frames=(Frame("relu.py", 4, "relu", "return abs(x)"),),
        output="printed\n",
        seconds=0.01,
    )
    return Run(result, (Observation("relu:abc", "returned", detail),))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        "text",
        0,
        -(2**80),
        -0.0,
        math.inf,
        1e-300,
        [1, 2.5, [None]],
        (1, (2.0,)),
        {"a": 1, (1, 2): [3]},
        np.array([[1.5, -2.0], [0.0, 3.25]]),
        np.array([1, 2, 3], dtype=np.int32),
        np.array([True, False]),
        np.array(2.5),
        np.float32(0.1),
        np.int64(-7),
        np.bool_(True),
        Opaque("Tensor", "Tensor(...)"),
    ],
)
def test_a_saved_value_comes_back_with_its_type_and_contents(value: object) -> None:
    back = _unpack(json.loads(json.dumps(_pack(value))))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert isinstance(back, np.ndarray)
        assert back.dtype == value.dtype and back.shape == value.shape
        assert np.array_equal(back, value)
    elif isinstance(value, float):
        assert math.copysign(1, back) == math.copysign(1, value) and back == value  # type: ignore[arg-type]
    else:
        assert back == value


def test_a_value_it_cannot_carry_is_refused() -> None:
    with pytest.raises(TypeError):
        _pack(object())
    with pytest.raises(TypeError):
        _pack(np.array([object()], dtype=object))


def test_a_second_worker_reads_the_results_instead_of_grading_the_files(
    tmp_path: Path, fresh_process: None, monkeypatch
) -> None:
    course = load_course(ROOT / "exercises")
    store = tmp_path / "shared"
    for label, text in (("first", ABS_VALUE), ("second", ABS_VALUE), ("other", RETURNS_INPUT)):
        (tmp_path / label).mkdir()
        (tmp_path / label / "relu.py").write_text(text)
    with Grader(course, shared_known=SharedKnownWrong(store)) as first:
        told = first.grade(tmp_path / "first", ["relu"]).items[0].diagnosis
    assert told is not None and told.id == "abs_value"
    assert len(list(store.glob("*.json"))) == 1
    KNOWN_WRONG.clear()  # a new process
    with Grader(course, shared_known=SharedKnownWrong(store)) as second:
        opened: list[Path] = []
        real_open = second.sandbox.open
        monkeypatch.setattr(
            second.sandbox, "open", lambda f, files: opened.append(f) or real_open(f, files)
        )
        again = second.grade(tmp_path / "second", ["relu"]).items[0].diagnosis
        other = second.grade(tmp_path / "other", ["relu"]).items[0].diagnosis
    assert again == told
    assert other is not None and other.id == "returns_input"
    assert opened == [tmp_path / "second", tmp_path / "other"]  # no known-wrong file graded


def test_a_worker_waits_for_results_another_is_making(tmp_path: Path) -> None:
    maker, waiter = SharedKnownWrong(tmp_path), SharedKnownWrong(tmp_path, wait_seconds=30.0)
    assert maker.fetch("key") is None  # claimed: ours to make
    known = {"abs_value": {"test_lesson_values": _run("test_lesson_values", 1.0)}}
    threading.Timer(0.3, maker.put, ("key", known)).start()
    started = time.monotonic()
    assert waiter.fetch("key") == known
    assert 0.2 < time.monotonic() - started < 10


def test_a_worker_stops_waiting_for_results_whose_maker_is_gone(tmp_path: Path) -> None:
    code = "import os; print(os.getpid())"
    ended = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    (tmp_path / "key.claim").write_text(ended.stdout.strip())
    started = time.monotonic()
    assert SharedKnownWrong(tmp_path, wait_seconds=30.0).fetch("key") is None
    assert time.monotonic() - started < 5


_UNUSABLE = [
    "{not json",
    '{"format": "grade-known-wrong-1", "known": null}',  # its maker could not make them
    '{"format": "other", "known": {}}',
    '{"format": "grade-known-wrong-1", "known": {"w": 3}}',
]


@pytest.mark.parametrize("text", _UNUSABLE)
def test_results_that_cannot_be_used_are_made_here(tmp_path: Path, text: str) -> None:
    (tmp_path / "key.json").write_text(text)
    started = time.monotonic()
    assert SharedKnownWrong(tmp_path, wait_seconds=30.0).fetch("key") is None
    assert time.monotonic() - started < 5

"""The value policy and student-facing messages of the check API, with a scripted backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.course.model import Check, CodeExercise
from grader.grading.checks import CheckFailed, CheckTimedOut, CodeCrashed, NotStarted, Student
from grader.sandbox.outcomes import Crashed, Frame, Opaque, Raised, Returned, TimedOut, Unavailable


class Scripted:
    """A backend that answers every call with the same outcome."""

    def __init__(self, outcome) -> None:
        self.outcome = outcome

    def call(self, module, function, args=(), kwargs=None, *, return_args=False):
        return self.outcome

    def get(self, module, name):
        return self.outcome


def _student(
    outcome,
    visibility: str = "visible",
    hint: str = "Check the sign inside exp().",
    advisory: bool = False,
) -> Student:
    exercise = CodeExercise(
        id="sigmoid",
        title="Sigmoid",
        lesson="l",
        order=1,
        kind="code",
        text="",
        hints=(),
        folder=Path("."),
        source=Path("exercise.yaml"),
        file="sigmoid.py",
        stub=Path("stub.py"),
        tests=(),
        checks=(),
        misconceptions=(),
        tolerance=1e-6,
        functions=("sigmoid",),
    )
    check = Check("test_x", "a check", 0 if advisory else 1, visibility, hint, advisory)
    return Student(Scripted(outcome), exercise, check)


def _message(student: Student, **call) -> str:
    with pytest.raises(CheckFailed) as caught:
        student.expect_close("sigmoid", -1.0, expected=0.2689414213699951, **call)
    return caught.value.message


def test_visible_failure_gives_call_actual_expected_and_hint() -> None:
    message = _message(_student(Returned(0.7310585786300049)))
    assert message == (
        "sigmoid(-1.0) returned 0.731; expected 0.2689414 (±1e-06). Check the sign inside exp()."
    )


def test_hidden_failure_never_shows_the_expected_value() -> None:
    message = _message(_student(Returned(0.7310585786300049), visibility="hidden"))
    assert "0.269" not in message and "0.731" in message and "hidden" in message


@pytest.mark.parametrize(
    ("value", "fix"),
    [
        (True, "not True/False"),
        (np.bool_(True), "not True/False"),
        (np.array([0.27]), "not an array of shape (1,)"),
        ([0.27], "not a list"),
        ("0.27", "a single real number"),
        (None, "a single real number"),
        (Opaque("Sneaky", "Sneaky(0.27)"), "an object of type Sneaky"),
    ],
)
def test_scalar_policy_rejects_non_numbers(value, fix: str) -> None:
    assert fix in _message(_student(Returned(value)))


@pytest.mark.parametrize(
    "value", [0.2689414213699951, 0.26894142, np.float32(0.26894142), np.array(0.2689414213699951)]
)
def test_scalar_policy_accepts_real_scalars_and_0d_arrays(value) -> None:
    _student(Returned(value)).expect_close("sigmoid", -1.0, expected=0.2689414213699951, tol=1e-6)


def test_nan_fails_unless_expected() -> None:
    assert "nan" in _message(_student(Returned(float("nan"))))
    _student(Returned(float("nan"))).expect_close("sigmoid", 0.0, expected=float("nan"))


def test_array_policy_checks_type_shape_dtype_and_values() -> None:
    x = np.array([[-2.0, 0.0], [1.0, 3.0]])
    expected = 1 / (1 + np.exp(-x))
    for value, fragment in [
        (expected.tolist(), "a list"),
        (expected.ravel(), "shape (4,)"),
        (expected.astype(complex).real.astype(bool), "expected an array"),
        (expected + np.array([[0, 0], [0, 0.1]]), "element [1, 1]"),
    ]:
        with pytest.raises(CheckFailed) as caught:
            _student(Returned(value)).expect_array("sigmoid", x, expected=expected)
        assert fragment in caught.value.message, caught.value.message
    got = _student(Returned(expected.astype(np.float32))).expect_array(
        "sigmoid", x, expected=expected, tol=1e-6
    )
    assert got.dtype == np.float32


def test_outcomes_map_to_statuses_with_teaching_messages() -> None:
    frames = (Frame("sigmoid.py", 4, "sigmoid", "return 1 / x"),)
    with pytest.raises(CheckFailed) as raised:
        _student(Raised("ZeroDivisionError", "division by zero", frames)).call("sigmoid", 0.0)
    assert raised.value.message == (
        "sigmoid(0.0) raised ZeroDivisionError: division by zero (sigmoid.py line 4:"
        " return 1 / x). Check the sign inside exp()."
    )
    assert raised.value.frames == frames
    with pytest.raises(NotStarted):
        _student(Raised("NotImplementedError", "")).call("sigmoid", 0.0)
    with pytest.raises(NotStarted):
        _student(Unavailable("sigmoid.py is missing", not_started=True)).call("sigmoid", 0.0)
    with pytest.raises(CheckTimedOut) as timed:
        _student(TimedOut(2.0)).call("sigmoid", 0.5)
    assert timed.value.message == "sigmoid(0.5) did not return within 2 s: an infinite loop?"
    with pytest.raises(CodeCrashed) as crashed:
        _student(Crashed("killed by signal 11 (SIGSEGV)")).call("sigmoid", 0.5)
    assert "crashed the sandbox: killed by signal 11" in crashed.value.message


def test_expect_equal_names_the_type_when_only_the_type_differs() -> None:
    with pytest.raises(CheckFailed) as caught:
        _student(Returned(np.int64(1))).expect_equal("perceptron", [1, 1], expected=1)
    assert "1 (a numpy int64); expected 1 (a Python int)" in caught.value.message
    with pytest.raises(CheckFailed) as caught:
        _student(Returned(True)).expect_equal("perceptron", [1, 1], expected=1)
    assert "True (a boolean)" in caught.value.message


def test_expect_unchanged_catches_mutated_inputs() -> None:
    x = np.array([1.0, 2.0])
    right = np.array([0.5, 0.75])
    student = _student(Returned(right.copy(), args_after=(np.array([0.0, 2.0]),)))
    with pytest.raises(CheckFailed) as caught:
        student.expect_unchanged("sigmoid", x, expected=right)
    assert "argument 1 changed" in caught.value.message
    _student(Returned(right.copy(), args_after=(x.copy(),))).expect_unchanged(
        "sigmoid", x, expected=right
    )


@pytest.mark.parametrize("returned", [None, "PASSED", np.array([0.0, 0.0])])
def test_expect_unchanged_never_pays_for_code_that_does_nothing(returned) -> None:
    x = np.array([1.0, 2.0])
    student = _student(Returned(returned, args_after=(x.copy(),)))
    with pytest.raises(CheckFailed) as caught:
        student.expect_unchanged("sigmoid", x, expected=np.array([0.5, 0.75]))
    assert "right result" in caught.value.message


def test_expect_raises() -> None:
    _student(Raised("ValueError", "bad")).expect_raises("neuron", 1, error="ValueError")
    with pytest.raises(CheckFailed):
        _student(Returned(1.0)).expect_raises("neuron", 1, error="ValueError")
    with pytest.raises(CheckFailed):
        _student(Raised("KeyError", "x")).expect_raises("neuron", 1, error="ValueError")


def test_terminal_text_is_sanitised() -> None:
    from grader.grading.messages import sanitize

    assert sanitize("ok\x1b[2J\x1b]0;title\x07\u202eevil\x00 done\n") == "okevil done\n"


def test_expect_silent_fails_on_a_printed_warning() -> None:
    warned = Returned(0.0, output="x.py:5: RuntimeWarning: overflow encountered in exp\n")
    with pytest.raises(CheckFailed) as caught:
        _student(warned, advisory=True).expect_silent("sigmoid", -1000.0, expected=0.0)
    assert "printed a warning: x.py:5: RuntimeWarning: overflow encountered in exp" in (
        caught.value.message
    )
    silent = _student(Returned(0.0, output=""), advisory=True)
    assert silent.expect_silent("sigmoid", -1000.0, expected=0.0) == 0
    with pytest.raises(CheckFailed):  # silence alone earns nothing
        _student(Returned("PASSED", output=""), advisory=True).expect_silent(
            "sigmoid", -1000.0, expected=0.0
        )


def test_expect_silent_is_refused_in_a_scored_check() -> None:
    from grader.grading.checks import CourseError

    with pytest.raises(CourseError, match="advisory: true"):
        _student(Returned(0.0)).expect_silent("sigmoid", -1000.0, expected=0.0)


def test_expected_values_are_shown_to_the_precision_of_their_tolerance() -> None:
    student = _student(Returned(0.5))
    with pytest.raises(CheckFailed) as caught:
        student.expect_close("sigmoid", 1.0, expected=0.0900306)
    assert "expected 0.0900306 (±1e-06)" in caught.value.message
    with pytest.raises(CheckFailed) as caught:
        student.expect_close("sigmoid", 1.0, expected=0.25, tol=0.01)
    assert "expected 0.25 (±0.01)" in caught.value.message


def test_a_huge_integer_is_the_students_value_not_a_course_problem() -> None:
    with pytest.raises(CheckFailed) as caught:
        _student(Returned(10**400)).expect_close("sigmoid", 1.0, expected=0.5)
    assert "an integer with 401 digits" in caught.value.message
    assert "too large for any float" in caught.value.message


def test_printed_output_comes_with_any_failed_check() -> None:
    with pytest.raises(CheckFailed) as caught:
        _student(Returned(0.7, output="z = 3\n")).expect_close("sigmoid", 1.0, expected=0.5)
    assert caught.value.output == "z = 3\n"


def test_every_call_is_recorded_for_the_fingerprint() -> None:
    student = _student(Returned(0.25))
    with pytest.raises(CheckFailed):
        student.expect_close("sigmoid", 1.0, expected=0.5)
    assert [(o.kind, o.detail) for o in student.observed] == [("returned", 0.25)]
    assert student.observed[0].call.startswith("sigmoid:")


def test_a_calls_key_is_its_name_and_a_digest_of_its_arguments_made_when_asked_for() -> None:
    from grader.grading.fingerprints import Observation, observe

    x = np.array([1.0, -2.0])
    first = observe("relu", (x,), {"slope": 0}, Returned(0.5))
    again = observe("relu", (x.copy(),), {"slope": 0}, Returned(0.5))
    other = observe("relu", (x * 2,), {"slope": 0}, Returned(0.5))
    assert first._call is None  # nothing digested while the checks run
    assert first.call == again.call != other.call and first.call.startswith("relu:")
    assert first == again != other
    assert Observation(first.call, "returned", 0.5) == first  # as read back from JSON
    assert observe("relu", (x,), {}, Raised("ValueError", "no")).detail == "ValueError"

"""Hidden checks for perceptron.py."""

import numpy as np

from grader.checks import NotStarted, Opaque, Student, show, show_call

AND_TABLE = (((0, 0), 0), ((0, 1), 0), ((1, 0), 0), ((1, 1), 1))
INT_FIX = (
    "Fix: return the Python int 1 or 0, not True/False and not a numpy number:"
    " write `return 1 if z > threshold else 0`."
)


def _describe(value: object) -> str:
    if isinstance(value, Opaque):
        return show(value)
    if isinstance(value, (bool, np.bool_)):
        return f"{show(value)}, a boolean"
    if isinstance(value, np.generic):
        return f"{show(value)} as a numpy {type(value).__name__}"
    return show(value)


def _expect_bit(student: Student, *args: object, expected: int, **kwargs: object) -> None:
    """Check that the call returns exactly the int `expected` (type included)."""
    call = show_call("perceptron", args, kwargs)
    got = student.call("perceptron", *args, **kwargs)
    if type(got) is not int:
        student.fail(call, _describe(got), f"the int {expected}", INT_FIX)
    if got != expected:
        student.fail(call, show(got), show(expected))


def test_seed_and_gate(student: Student) -> None:
    for inputs, expected in AND_TABLE:
        _expect_bit(student, list(inputs), [0.5, 0.5], -0.75, expected=expected)


def test_returns_plain_int(student: Student) -> None:
    for inputs, weights, bias in (([1, 1], [0.5, 0.5], -0.75), ([1.0, 0.0], [0.5, 0.5], -0.75)):
        call = show_call("perceptron", (inputs, weights, bias), {})
        got = student.call("perceptron", inputs, weights, bias)
        if type(got) is not int:
            student.fail(call, _describe(got), "a plain Python int (1 or 0)", INT_FIX)


def test_student_and_gate(student: Student) -> None:
    weights = student.value("AND_WEIGHTS")
    bias = student.value("AND_BIAS")
    for name, value in (("AND_WEIGHTS", weights), ("AND_BIAS", bias)):
        if value is None:
            raise NotStarted(
                f"{name} is still None in perceptron.py: set AND_WEIGHTS to two weights and"
                " AND_BIAS to a bias that make the perceptron compute AND."
            )
    for inputs, expected in AND_TABLE:
        _expect_bit(student, list(inputs), weights, bias, expected=expected)


def test_z_at_threshold_gives_zero(student: Student) -> None:
    # Every z here is exactly representable, so it lands exactly on the threshold.
    _expect_bit(student, [1, 1], [0.5, 0.5], -1.0, expected=0)
    _expect_bit(student, [1, 1], [0.5, 0.5], -0.5, threshold=0.5, expected=0)
    _expect_bit(student, [1, 0], [0.25, 0.5], 0.0, threshold=0.25, expected=0)


def test_threshold_argument(student: Student) -> None:
    # z = 0.25 for (1, 1) with the AND weights
    _expect_bit(student, [1, 1], [0.5, 0.5], -0.75, threshold=0.3, expected=0)
    _expect_bit(student, [1, 1], [0.5, 0.5], -0.75, threshold=0.2, expected=1)
    # z = -0.75 for (0, 0), above a threshold of -1
    _expect_bit(student, [0, 0], [0.5, 0.5], -0.75, threshold=-1, expected=1)


def test_numpy_inputs(student: Student) -> None:
    inputs = np.array([1.0, 0.0, 2.0, -1.0, 0.5])
    weights = np.array([0.4, -0.3, 0.1, 0.2, 0.6])
    # the products add up to 0.7
    _expect_bit(student, inputs, weights, -0.1, expected=1)
    _expect_bit(student, inputs, weights, -0.9, expected=0)
    student.expect_unchanged("perceptron", inputs, weights, -0.1, expected=1)

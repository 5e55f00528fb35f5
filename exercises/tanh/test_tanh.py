"""Hidden checks for tanh.py."""

import math

import numpy as np

from grader.checks import Student, show_number


def test_known_values(student: Student) -> None:
    student.expect_close("tanh", 0.0, expected=0.0)
    student.expect_close("tanh", 1.0, expected=math.tanh(1.0))
    student.expect_close("tanh", -2.0, expected=math.tanh(-2.0))


def test_array_shape(student: Student) -> None:
    x = np.array([[-1.5, 0.0, 0.5], [2.0, -0.25, 3.0]])
    student.expect_array("tanh", x, expected=np.tanh(x))


def test_extremes_without_overflow(student: Student) -> None:
    x = np.array([-1000.0, -50.0, 50.0, 1000.0])
    student.expect_array("tanh", x, expected=np.array([-1.0, -1.0, 1.0, 1.0]))
    student.expect_close("tanh", 1000.0, expected=1.0)
    student.expect_close("tanh", -1000.0, expected=-1.0)


def test_properties(student: Student) -> None:
    # Within +-5 tanh is at least 1e-4 away from +-1, so the range check can be strict.
    x = np.sort(np.random.default_rng(2029).uniform(-5, 5, size=1000))
    y = student.expect_array("tanh", x, expected=np.tanh(x))
    mirrored = student.as_array(student.call("tanh", -x), "tanh(-x)", x.shape)
    student.expect_all(
        "tanh", x, y, lambda _, out: (out > -1) & (out < 1), "it must lie strictly between -1 and 1"
    )
    student.expect_all(
        "tanh",
        x,
        mirrored,
        lambda _, out: np.abs(out + y) <= 1e-12,
        "tanh(-x) must equal -tanh(x)",
    )
    drops = np.flatnonzero(np.diff(y) < 0)  # x is sorted, so y must never decrease
    if drops.size:
        i = int(drops[0])
        student.fail(
            "tanh(x) for 1000 sorted random x",
            f"{show_number(y[i + 1])} at x = {show_number(x[i + 1])}, less than"
            f" {show_number(y[i])} at the smaller x = {show_number(x[i])}",
            "outputs that never decrease as x grows",
        )


def test_input_unchanged(student: Student) -> None:
    x = np.array([[-1000.0, -0.5], [0.0, 2.0]])
    student.expect_unchanged("tanh", x, expected=np.tanh(x))

"""Hidden checks for sigmoid_derivative.py."""

import numpy as np

from grader.checks import Student


def _slope(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2


def test_zero_gives_a_quarter(student: Student) -> None:
    student.expect_close("sigmoid_derivative", 0.0, expected=0.25, tol=1e-12)


def test_lesson_values(student: Student) -> None:
    # sigma(2) = 0.8808, so the slope there is 0.8808 * 0.1192 = 0.1050; the same at -2
    student.expect_close("sigmoid_derivative", 2.0, expected=0.10499358540350662)
    student.expect_close("sigmoid_derivative", -2.0, expected=0.10499358540350662)
    student.expect_close("sigmoid_derivative", 5.0, expected=0.006648056670790033)


def test_array_shape(student: Student) -> None:
    x = np.array([[-2.0, 0.0], [1.0, 5.0]])
    student.expect_array("sigmoid_derivative", x, expected=_slope(x))
    student.expect_unchanged("sigmoid_derivative", x, expected=_slope(x))


def test_maximum_at_zero(student: Student) -> None:
    x = np.random.default_rng(2044).uniform(-12.0, 12.0, size=500)
    y = student.expect_array("sigmoid_derivative", x, expected=_slope(x))
    mirrored = student.as_array(
        student.call("sigmoid_derivative", -x), "sigmoid_derivative(-x)", x.shape
    )
    student.expect_all(
        "sigmoid_derivative",
        x,
        y,
        lambda _, out: (out > 0) & (out <= 0.25),
        "the slope of the sigmoid is always above 0 and at most 0.25",
    )
    student.expect_all(
        "sigmoid_derivative",
        x,
        mirrored,
        lambda _, out: np.abs(out - y) <= 1e-12,
        "the slope at -x must equal the slope at x",
    )


def test_vanishes_far_from_zero(student: Student) -> None:
    # far from 0 the sigmoid is flat: 4.5e-5 at +-10, 2.1e-9 at +-20
    x = np.array([-20.0, -10.0, 10.0, 20.0])
    student.expect_array("sigmoid_derivative", x, expected=_slope(x), tol=1e-10)


def test_extremes_are_finite(student: Student) -> None:
    x = np.array([-1000.0, -750.0, 750.0, 1000.0])
    student.expect_array("sigmoid_derivative", x, expected=np.zeros(4))
    student.expect_close("sigmoid_derivative", -1000.0, expected=0.0)
    student.expect_close("sigmoid_derivative", 1000.0, expected=0.0)


def test_no_overflow_warning(student: Student) -> None:
    student.expect_silent(
        "sigmoid_derivative", np.array([-1000.0, 1000.0]), expected=np.array([0.0, 0.0])
    )
    student.expect_silent("sigmoid_derivative", -1000.0, expected=0.0)

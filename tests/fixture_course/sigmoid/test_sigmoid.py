"""Hidden checks for sigmoid.py."""

import numpy as np

from grader.checks import Student, show_number


def test_zero_is_one_half(student: Student) -> None:
    student.expect_close("sigmoid", 0.0, expected=0.5, tol=0.0)


def test_lesson_value(student: Student) -> None:
    student.expect_close("sigmoid", -1.0, expected=0.2689414213699951)


def test_array_shape_and_dtype(student: Student) -> None:
    x = np.array([[-2.0, 0.0], [1.0, 3.0]])
    student.expect_array("sigmoid", x, expected=1 / (1 + np.exp(-x)))
    student.expect_unchanged("sigmoid", x, expected=1 / (1 + np.exp(-x)))


def test_extremes_without_overflow(student: Student) -> None:
    x = np.array([-1000.0, -750.0, 750.0, 1000.0])
    student.expect_array("sigmoid", x, expected=np.array([0.0, 0.0, 1.0, 1.0]))
    student.expect_close("sigmoid", -1000.0, expected=0.0)
    student.expect_close("sigmoid", 1000.0, expected=1.0)


def test_no_overflow_warning(student: Student) -> None:
    student.expect_silent("sigmoid", np.array([-1000.0, 1000.0]), expected=np.array([0.0, 1.0]))
    student.expect_silent("sigmoid", -1000.0, expected=0.0)


def test_properties(student: Student) -> None:
    x = np.sort(np.random.default_rng(2026).uniform(-30, 30, size=500))
    y = student.expect_array("sigmoid", x, expected=1 / (1 + np.exp(-x)))
    mirrored = student.as_array(student.call("sigmoid", -x), "sigmoid(-x)", x.shape)
    student.expect_all(
        "sigmoid",
        x,
        y,
        lambda _, out: (out > 0) & (out < 1),
        "it must lie strictly between 0 and 1",
    )
    student.expect_all(
        "sigmoid",
        x,
        mirrored,
        lambda _, out: np.abs(out - (1 - y)) <= 1e-9,
        "sigmoid(-x) must equal 1 - sigmoid(x)",
    )
    drops = np.flatnonzero(np.diff(y) < 0)  # x is sorted, so y must never decrease
    if drops.size:
        i = int(drops[0])
        student.fail(
            "sigmoid(x) for 500 sorted random x",
            f"{show_number(y[i + 1])} at x = {show_number(x[i + 1])}, less than"
            f" {show_number(y[i])} at the smaller x = {show_number(x[i])}",
            "outputs that never decrease as x grows",
        )

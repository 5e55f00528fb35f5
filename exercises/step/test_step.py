"""Hidden checks for step.py."""

import numpy as np

from grader.checks import Student


def test_positive_and_negative(student: Student) -> None:
    student.expect_close("step", 2.0, expected=1.0)
    student.expect_close("step", -3.0, expected=0.0)
    student.expect_close("step", 0.001, expected=1.0)
    student.expect_close("step", -0.001, expected=0.0)


def test_zero_gives_zero(student: Student) -> None:
    student.expect_close("step", 0.0, expected=0.0)
    student.expect_close("step", 0, expected=0.0)
    student.expect_array("step", np.array([-1.0, 0.0, 1.0]), expected=np.array([0.0, 0.0, 1.0]))


def test_array_shape(student: Student) -> None:
    x = np.array([[-2.0, 0.5, 3.0], [1e-9, -1e-9, -7.0]])
    student.expect_array("step", x, expected=np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]))


def test_properties(student: Student) -> None:
    x = np.random.default_rng(2027).normal(0.0, 5.0, size=1000)
    y = student.expect_array("step", x, expected=(x > 0).astype(float))
    student.expect_all(
        "step", x, y, lambda _, out: (out == 0) | (out == 1), "the output must be exactly 0 or 1"
    )


def test_input_unchanged(student: Student) -> None:
    x = np.array([-1.5, 0.0, 2.5, -0.25])
    student.expect_unchanged("step", x, expected=np.where(x > 0, 1.0, 0.0))

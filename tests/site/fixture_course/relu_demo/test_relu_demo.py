"""Hidden checks for relu_demo.py."""

import numpy as np

from grader.grading.checks import Student


def test_numbers(student: Student) -> None:
    student.expect_close("relu", -2.0, expected=0.0)
    student.expect_close("relu", 1.5, expected=1.5)


def test_arrays(student: Student) -> None:
    x = np.array([[-1.0, 2.0], [0.5, -3.0]])
    student.expect_array("relu", x, expected=np.maximum(0.0, x))

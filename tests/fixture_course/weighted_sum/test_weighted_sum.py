"""Hidden checks for weighted_sum.py."""

import numpy as np

from grader.checks import Student


def test_tumour_example(student: Student) -> None:
    # 0.5*0.8 + 0.3*0.7 + 0.2*0.9 - 0.4 = 0.39
    student.expect_close("weighted_sum", [0.8, 0.7, 0.9], [0.5, 0.3, 0.2], -0.4, expected=0.39)


def test_two_inputs(student: Student) -> None:
    student.expect_close("weighted_sum", [2, 3], [0.5, 0.3], -0.4, expected=1.5)


def test_numpy_arrays(student: Student) -> None:
    inputs = np.array([1.0, -2.0, 0.5, 4.0])
    weights = np.array([0.25, 0.5, -2.0, 0.1])
    # 0.25 - 1.0 - 1.0 + 0.4 + 0.3 = -1.05
    student.expect_close("weighted_sum", inputs, weights, 0.3, expected=-1.05)


def test_single_input(student: Student) -> None:
    student.expect_close("weighted_sum", [2.0], [1.5], 0.5, expected=3.5)
    student.expect_close("weighted_sum", np.array([-4.0]), np.array([0.25]), 2.0, expected=1.0)


def test_long_vectors(student: Student) -> None:
    rng = np.random.default_rng(1101)
    inputs = rng.uniform(-1, 1, size=1000)
    weights = rng.uniform(-1, 1, size=1000)
    expected = float(np.sum(inputs * weights)) - 1.25
    student.expect_close("weighted_sum", inputs, weights, -1.25, expected=expected, tol=1e-9)


def test_inputs_unchanged(student: Student) -> None:
    student.expect_unchanged(
        "weighted_sum", np.array([0.8, 0.7, 0.9]), np.array([0.5, 0.3, 0.2]), -0.4, expected=0.39
    )
    student.expect_unchanged("weighted_sum", [2.0, 3.0], [0.5, 0.3], -0.4, expected=1.5)

"""Hidden checks for relu.py."""

import numpy as np

from grader.checks import Student


def test_lesson_values(student: Student) -> None:
    student.expect_close("relu", -5, expected=0.0)
    student.expect_close("relu", 10, expected=10.0)


def test_scalars(student: Student) -> None:
    student.expect_close("relu", 2.5, expected=2.5)
    student.expect_close("relu", -0.001, expected=0.0)
    student.expect_close("relu", 0.0, expected=0.0)


def test_array_shape_and_dtype(student: Student) -> None:
    x = np.array([[-2.0, 0.0, 1.5], [3.0, -0.5, 0.25]])
    student.expect_array("relu", x, expected=np.array([[0.0, 0.0, 1.5], [3.0, 0.0, 0.25]]))
    x32 = np.array([-1.5, 2.5, 0.0, -3.0], dtype=np.float32)
    got = student.expect_array("relu", x32, expected=np.array([0.0, 2.5, 0.0, 0.0]))
    if got.dtype != np.float32:
        student.fail(
            "relu(np.array([-1.5, 2.5, 0.0, -3.0], dtype=np.float32))",
            f"an array of dtype {got.dtype}",
            "dtype float32, like the input",
            "Keep the input's dtype: np.maximum(0, x) does, while converting to float64 or"
            " building a new list does not.",
        )


def test_properties(student: Student) -> None:
    x = np.random.default_rng(2028).normal(0.0, 10.0, size=1000)
    y = student.expect_array("relu", x, expected=np.maximum(0.0, x))
    twice = student.as_array(student.call("relu", y), "relu(relu(x))", x.shape)
    student.expect_all("relu", x, y, lambda _, out: out >= 0, "ReLU must never be negative")
    student.expect_all(
        "relu", x, y, lambda inp, out: (inp < 0) | (out == inp), "for x >= 0 it must return x"
    )
    student.expect_all(
        "relu", y, twice, lambda inp, out: out == inp, "relu(relu(x)) must equal relu(x)"
    )


def test_input_unchanged(student: Student) -> None:
    x = np.array([[-2.0, 0.5], [3.0, -0.25]])
    student.expect_unchanged("relu", x, expected=np.maximum(0.0, x))

"""Hidden checks for squared_error.py."""

import numpy as np

from grader.checks import Student, show_call, show_number

# The lesson's three predictions and targets: errors -0.2, 0.1 and -0.4, squares 0.04, 0.01
# and 0.16, mean 0.07 (their sum would be 0.21, their mean absolute error 0.2333...).
PREDICTED = np.array([0.8, 0.1, 0.6])
ACTUAL = np.array([1.0, 0.0, 1.0])


def test_lesson_value(student: Student) -> None:
    student.expect_close("squared_error", 0.8, 1.0, expected=0.04)
    student.expect_close("squared_error", 3.0, 3.0, expected=0.0)


def test_sign_does_not_matter(student: Student) -> None:
    # a miss above the target costs as much as the same miss below it, and never less than 0
    for above, below, target in ((1.2, 0.8, 1.0), (1.0, 0.0, 0.5), (2.5, -5.5, -1.5)):
        high_call = show_call("squared_error", (above, target), {})
        high = student.scalar(student.call("squared_error", above, target), high_call)
        call = show_call("squared_error", (below, target), {})
        low = student.scalar(student.call("squared_error", below, target), call)
        if high < 0:
            student.fail(high_call, show_number(high), "a loss of at least 0")
        if abs(low - high) > 1e-9:
            student.fail(
                call,
                f"{show_number(low)}, but squared_error({show_number(above)},"
                f" {show_number(target)}) returned {show_number(high)}",
                "the same non-negative number for both misses",
            )


def test_big_misses_cost_more(student: Student) -> None:
    # twice the miss, four times the loss: 0.5 away costs 0.25, 1 away costs 1, 3 away 9
    student.expect_close("squared_error", 1.5, 1.0, expected=0.25)
    student.expect_close("squared_error", 1.0, 0.0, expected=1.0)
    student.expect_close("squared_error", 0.0, 3.0, expected=9.0)


def test_mean_over_array(student: Student) -> None:
    student.expect_close("squared_error", PREDICTED, ACTUAL, expected=0.07)


def test_random_arrays(student: Student) -> None:
    rng = np.random.default_rng(2041)
    predicted = rng.uniform(0.0, 1.0, size=(20, 50))
    actual = rng.integers(0, 2, size=(20, 50)).astype(np.float64)
    student.expect_close(
        "squared_error", predicted, actual, expected=float(np.mean((predicted - actual) ** 2))
    )


def test_shape_mismatch(student: Student) -> None:
    # (3,) against (1,), and (2,) against (2, 1): numpy would broadcast both without a word
    student.expect_raises("squared_error", PREDICTED, np.array([1.0]), error="ValueError")
    student.expect_raises(
        "squared_error", np.array([0.5, 0.5]), np.array([[1.0], [0.0]]), error="ValueError"
    )
    student.expect_raises("squared_error", PREDICTED, 1.0, error="ValueError")


def test_inputs_unchanged(student: Student) -> None:
    student.expect_unchanged("squared_error", PREDICTED.copy(), ACTUAL.copy(), expected=0.07)

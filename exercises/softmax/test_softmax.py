"""Hidden checks for softmax.py."""

import numpy as np

from grader.checks import Student, show_number


def _reference(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - np.max(x))
    return e / e.sum()


def test_lesson_example(student: Student) -> None:
    x = np.array([2.0, 1.0, 0.5])
    student.expect_array("softmax", x, expected=_reference(x))


def test_sums_to_one(student: Student) -> None:
    x = np.random.default_rng(2030).normal(0.0, 3.0, size=1000)
    y = student.expect_array("softmax", x, expected=_reference(x))
    call = "softmax(x) for 1000 random logits x"
    if not np.all(y > 0):
        index = int(np.flatnonzero(~(y > 0))[0])
        student.fail(call, f"an entry equal to {show_number(y[index])}", "only positive entries")
    if abs(float(np.sum(y)) - 1.0) > 1e-9:
        student.fail(call, f"entries that add up to {float(np.sum(y))!r}", "a total of 1")


def test_large_inputs(student: Student) -> None:
    for x in ([1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0], [-1000.0, 0.0, 1000.0]):
        x = np.array(x)
        student.expect_array("softmax", x, expected=_reference(x))


def test_shift_invariance(student: Student) -> None:
    x = np.random.default_rng(2031).normal(0.0, 2.0, size=8)
    base = student.expect_array("softmax", x, expected=_reference(x))
    for shift in (100.0, -300.0):
        shifted = student.as_array(student.call("softmax", x + shift), "softmax(x + c)", x.shape)
        differs = np.flatnonzero(np.abs(shifted - base) > 1e-9)
        if differs.size:
            i = int(differs[0])
            student.fail(
                f"softmax(x + {shift:g})",
                f"{show_number(shifted[i])} at position {i}, but softmax(x) gave"
                f" {show_number(base[i])} there",
                "the same probabilities as softmax(x)",
            )


def test_input_unchanged(student: Student) -> None:
    x = np.array([3.0, -1.0, 0.5, 2.0])
    student.expect_unchanged("softmax", x, expected=_reference(x))

"""Hidden checks for gradient_step.py."""

import numpy as np

from grader.checks import Student, show_call, show_number

WEIGHTS = np.array([0.5, -0.3, 1.0])
GRADIENT = np.array([0.2, -0.4, 0.0])


def test_lesson_step(student: Student) -> None:
    # 0.5 - 0.1 * 0.2
    student.expect_close("gradient_step", 0.5, 0.2, 0.1, expected=0.48)


def test_array_step(student: Student) -> None:
    student.expect_array(
        "gradient_step", WEIGHTS, GRADIENT, 0.1, expected=np.array([0.48, -0.26, 1.0])
    )


def test_zero_learning_rate(student: Student) -> None:
    # a learning rate of 0 means a step of length 0
    student.expect_close("gradient_step", 0.5, 0.2, 0.0, expected=0.5)
    student.expect_array("gradient_step", WEIGHTS, GRADIENT, 0.0, expected=WEIGHTS)


def test_against_the_gradient(student: Student) -> None:
    # with a learning rate of 1 the step is the whole gradient, taken in the opposite direction
    student.expect_close("gradient_step", 2.0, 0.5, 1.0, expected=1.5)
    student.expect_close("gradient_step", 2.0, -0.5, 1.0, expected=2.5)


def test_goes_downhill(student: Student) -> None:
    # the loss (w - 3)**2 for 200 random weights; its gradient is 2 (w - 3)
    w = np.random.default_rng(2043).uniform(-5.0, 10.0, size=200)
    gradient = 2 * (w - 3)
    new = student.expect_array("gradient_step", w, gradient, 0.1, expected=w - 0.1 * gradient)
    before, after = (w - 3) ** 2, (new - 3) ** 2
    worse = np.flatnonzero(after >= before)
    if worse.size:
        i = int(worse[0])
        student.fail(
            show_call("gradient_step", (w, gradient, 0.1), {}),
            f"weight {show_number(new[i])} from {show_number(w[i])}, where the loss (w - 3)^2"
            f" is {show_number(after[i])} instead of the earlier {show_number(before[i])}",
            "a smaller loss after every step",
        )


def test_inputs_unchanged(student: Student) -> None:
    student.expect_unchanged(
        "gradient_step", WEIGHTS.copy(), GRADIENT.copy(), 0.1, expected=WEIGHTS - 0.1 * GRADIENT
    )

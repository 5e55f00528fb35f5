"""Every number of the seeds' lesson on learning, recomputed and checked against the course.

The seed lessons (kept outside the repository) end with "how networks learn": the loss
(predicted - actual)², the update w_new = w_old - learning_rate × gradient, backpropagation
by the chain rule, gradient descent, and a plot of a sigmoid neuron's output for the weights
-2, -0.5, 0.5 and 2 over x from -3 to 3. The course's lessons 'learning' and 'training' teach
them with their own worked numbers. Each test below computes a number with the reference
solutions from solutions/ and checks that the quiz digests, solutions/answers.yaml, the
exercise texts and the plot agree with it, so a change to any one of them is caught.
"""

from __future__ import annotations

import importlib.util
import math
import re
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from grader.course.digest import canonical_choice, canonical_number, digest
from grader.course.load import load_course
from grader.course.model import Course, Quiz
from grader.grading.quizzes import read_answers
from grader.website.plots import WEIGHTS, WEIGHTS_X_RANGE, plot

ROOT = Path(__file__).resolve().parents[2]
SEED_WEIGHTS = (-2.0, -0.5, 0.5, 2.0)  # the seed plots sigma(w * x) for these weights
SEED_X_RANGE = (-3.0, 3.0)  # over x = np.linspace(-3, 3, 100)


@cache
def _course() -> Course:
    return load_course(ROOT / "exercises")


@cache
def _solution(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"reference_{name}", ROOT / "solutions" / f"{name}.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text(item_id: str) -> str:
    item = next(item for item in _course().items if item.id == item_id)
    return " ".join(item.text.split())  # line breaks in the YAML do not matter


def _quiz(quiz_id: str) -> Quiz:
    item = next(item for item in _course().items if item.id == quiz_id)
    assert isinstance(item, Quiz)
    return item


def _sigmoid(x: float) -> float:
    return float(_solution("sigmoid").sigmoid(x))


def _assert_numeric_answer(quiz_id: str, value: float) -> None:
    """The reference answer is `value`, and the quiz's digest accepts exactly that number."""
    quiz = _quiz(quiz_id)
    given = read_answers(ROOT / "solutions").values[quiz_id]
    assert float(given) == pytest.approx(value, abs=quiz.tolerance / 10)
    canonical = canonical_number(value, quiz.tolerance)
    assert digest(quiz.answer.salt, quiz_id, canonical) == quiz.answer.sha256
    off_by_one = canonical_number(value + quiz.tolerance, quiz.tolerance)
    assert digest(quiz.answer.salt, quiz_id, off_by_one) != quiz.answer.sha256


def _assert_choice_answer(quiz_id: str, key: str) -> str:
    """The reference answer and the digest both pick `key`; return that option's text."""
    quiz = _quiz(quiz_id)
    assert read_answers(ROOT / "solutions").values[quiz_id] == key
    for choice in quiz.choices:
        matches = digest(quiz.answer.salt, quiz_id, canonical_choice(choice.key))
        assert (matches == quiz.answer.sha256) == (choice.key == key), choice.key
    return " ".join(next(c.text for c in quiz.choices if c.key == key).split())


# -- the loss: (predicted - actual)² ----------------------------------------------------------


def test_loss_is_the_square_of_the_miss() -> None:
    squared_error = _solution("squared_error").squared_error
    for predicted, actual in ((0.8, 1.0), (1.2, 1.0), (0.0, 3.0), (-1.5, 2.5)):
        assert squared_error(predicted, actual) == pytest.approx((predicted - actual) ** 2)
    loss = squared_error(0.8, 1.0)
    assert loss == pytest.approx(0.04)
    _assert_numeric_answer("loss_by_hand", loss)
    assert "$L = (\\text{predicted} - \\text{actual})^2$" in _text("loss_by_hand")
    assert "predicts $0.8$" in _text("loss_by_hand") and "$1$" in _text("loss_by_hand")
    assert "costs $0.2^2 = 0.04$" in _text("squared_error")


def test_mean_squared_error_of_the_worked_batch() -> None:
    squared_error = _solution("squared_error").squared_error
    predicted, actual = np.array([0.8, 0.1, 0.6]), np.array([1.0, 0.0, 1.0])
    squares = (predicted - actual) ** 2
    assert squares == pytest.approx([0.04, 0.01, 0.16])
    assert squares.sum() == pytest.approx(0.21)
    assert squared_error(predicted, actual) == pytest.approx(0.07)
    text = _text("squared_error")
    assert "$[0.8, 0.1, 0.6]$" in text and "$[1, 0, 1]$" in text
    assert "$0.04$, $0.01$ and $0.16$" in text and "$0.21 / 3 = 0.07$" in text
    # "a miss twice as large costs four times as much"
    assert squared_error(2 * 0.3, 0.0) == pytest.approx(4 * squared_error(0.3, 0.0))
    with pytest.raises(ValueError):
        squared_error(predicted, np.array([1.0]))


# -- the update: w_new = w_old - learning_rate × gradient ---------------------------------------


def test_one_gradient_step() -> None:
    step = _solution("gradient_step").gradient_step(0.5, 0.2, 0.1)
    assert step == pytest.approx(0.5 - 0.1 * 0.2) and step == pytest.approx(0.48)
    _assert_numeric_answer("gradient_step_by_hand", step)
    quiz_text = _text("gradient_step_by_hand")
    assert "$w_{new} = w_{old} - \\eta \\times \\text{gradient}$" in quiz_text
    assert "$w = 0.5$" in quiz_text and "gradient is $0.2$" in quiz_text
    assert "learning rate is $0.1$" in quiz_text
    text = _text("gradient_step")
    assert "$w_{new} = w_{old} - \\eta \\times \\text{gradient}$" in text
    assert "$0.1 \\times 0.2 = 0.02$" in text and "to $0.48$" in text
    assert "$w_{new} = w_{old} - \\eta \\times \\text{gradient}$" in _text("backprop_does")


def test_gradient_descent_goes_downhill() -> None:
    gradient_step = _solution("gradient_step").gradient_step
    weights = np.linspace(-5.0, 10.0, 31)
    weights = weights[weights != 3.0]
    new = gradient_step(weights, 2 * (weights - 3), 0.1)  # the loss (w - 3)², its gradient
    assert np.all((new - 3) ** 2 < (weights - 3) ** 2)
    assert "gradient descent" in _text("gradient_step").lower()


def test_learning_rate_quiz() -> None:
    right = _assert_choice_answer("learning_rate_role", "b")
    assert "step" in right
    assert len(right) < max(
        len(" ".join(c.text.split())) for c in _quiz("learning_rate_role").choices
    )


# -- backpropagation by the chain rule: the sigmoid's slope -------------------------------------


def test_sigmoid_slope_at_zero_is_a_quarter() -> None:
    derivative = _solution("sigmoid_derivative").sigmoid_derivative
    assert _sigmoid(0.0) == 0.5
    assert derivative(0.0) == 0.5 * (1 - 0.5) == 0.25
    _assert_numeric_answer("sigmoid_slope_at_zero", derivative(0.0))
    assert "$\\sigma'(z) = \\sigma(z) \\, (1 - \\sigma(z))$" in _text("sigmoid_slope_at_zero")
    assert "$\\sigma'(0) = 0.5 \\times 0.5 = 0.25$" in _text("sigmoid_derivative")
    assert "chain rule" in _text("sigmoid_slope_at_zero")
    # the maximum: no input gives a steeper slope
    x = np.linspace(-50.0, 50.0, 100_001)
    assert derivative(x).max() == 0.25


@pytest.mark.parametrize(
    ("z", "row"),
    [
        (2.0, "| $\\pm 2$ | $0.881$ or $0.119$ | $0.105$ |"),
        (5.0, "| $\\pm 5$ | $0.9933$ or $0.0067$ | $0.0066$ |"),
        (10.0, "| $\\pm 10$ | almost $1$ or almost $0$ | $0.000045$ |"),
    ],
)
def test_sigmoid_slope_table(z: float, row: str) -> None:
    derivative = _solution("sigmoid_derivative").sigmoid_derivative
    assert row in _text("sigmoid_derivative")
    numbers = [float(n) for n in re.findall(r"\$(\d+\.\d+)\$", row)]
    slope = numbers[-1]
    decimals = len(str(slope).split(".")[1]) if "e" not in str(slope) else 6
    assert round(derivative(z), decimals) == pytest.approx(slope)
    assert derivative(-z) == pytest.approx(derivative(z), abs=1e-15)
    if len(numbers) == 3:  # sigma(z) and sigma(-z) are given too
        high, low = numbers[0], numbers[1]
        assert round(_sigmoid(z), len(str(high)) - 2) == pytest.approx(high)
        assert round(_sigmoid(-z), len(str(low)) - 2) == pytest.approx(low)


def test_far_from_zero_the_slope_vanishes() -> None:
    derivative = _solution("sigmoid_derivative").sigmoid_derivative
    assert round(_sigmoid(10.0), 6) == 0.999955
    assert round(derivative(10.0), 6) == 0.000045
    text = _text("sigmoid_slope_far_out")
    assert "about $0.999955$" in text and "$0.999955 \\times 0.000045 \\approx 0.000045$" in text
    right = _assert_choice_answer("sigmoid_slope_far_out", "d")
    assert "vanishing gradient" in right
    # the earlier quiz's bound: ten sigmoid layers scale a gradient by at most 0.25 ** 10
    assert 0.25**10 == pytest.approx(0.000001, rel=0.05)
    assert "$0.25^{10} \\approx 0.000001$" in _text("vanishing_gradient")
    assert derivative(np.array([-1000.0, 1000.0])).tolist() == [0.0, 0.0]


# -- the perceptron learning rule, AND, OR and XOR ----------------------------------------------


GRID = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _outputs(weights: np.ndarray, bias: float, inputs: np.ndarray = GRID) -> list[int]:
    return [1 if float(np.dot(weights, x)) + bias > 0 else 0 for x in inputs]


def test_perceptron_learns_and_as_the_text_says() -> None:
    train = _solution("train_perceptron").train_perceptron
    weights, bias = train(GRID, np.array([0, 0, 0, 1]), epochs=1)
    assert weights.tolist() == pytest.approx([0.1, 0.1]) and bias == pytest.approx(0.1)
    text = _text("train_perceptron")
    assert "$\\mathbf{w} = (0.1, 0.1)$ and $b = 0.1$" in text
    assert "$(0, 0)$ gives $z = 0.1 > 0$" in text
    five = train(GRID, np.array([0, 0, 0, 1]), epochs=5)
    four = train(GRID, np.array([0, 0, 0, 1]), epochs=4)
    final = train(GRID, np.array([0, 0, 0, 1]))
    assert five[0].tolist() == pytest.approx([0.2, 0.1]) and five[1] == pytest.approx(-0.2)
    assert np.array_equal(five[0], final[0]) and five[1] == final[1]
    assert not (np.array_equal(four[0], five[0]) and four[1] == five[1])  # five, not fewer
    assert "After five epochs" in text
    assert "$\\mathbf{w} = (0.2, 0.1)$ and $b = -0.2$" in text
    assert _outputs(*final) == [0, 0, 0, 1]
    or_weights, or_bias = train(GRID, np.array([0, 1, 1, 1]))
    assert _outputs(or_weights, or_bias) == [0, 1, 1, 1]


def test_no_single_perceptron_computes_xor() -> None:
    xor = [0, 1, 1, 0]
    # every perceptron with weights and bias on a grid from -2 to 2 in steps of 0.1
    grid = np.round(np.linspace(-2.0, 2.0, 41), 9)
    w1, w2, b = (axis.ravel() for axis in np.meshgrid(grid, grid, grid))
    z = np.outer(w1, GRID[:, 0]) + np.outer(w2, GRID[:, 1]) + b[:, None]
    tables = {tuple(row) for row in (z > 0).astype(int).tolist()}
    assert (0, 0, 0, 1) in tables and (0, 1, 1, 1) in tables  # AND and OR are reachable
    assert tuple(xor) not in tables
    train = _solution("train_perceptron").train_perceptron
    weights, bias = train(GRID, np.array(xor), epochs=200)
    assert _outputs(weights, bias) != xor
    right = _assert_choice_answer("perceptron_xor", "a")
    assert "No single straight line" in right
    longest = max(len(" ".join(c.text.split())) for c in _quiz("perceptron_xor").choices)
    assert len(right) < longest


# -- the plot: a sigmoid neuron's output for four weights ---------------------------------------


def test_weight_plot_matches_the_seed() -> None:
    assert WEIGHTS == SEED_WEIGHTS and WEIGHTS_X_RANGE == SEED_X_RANGE
    figure = plot("sigmoid_weights")
    assert [curve.label for curve in figure.curves] == [
        "w = \N{MINUS SIGN}2",
        "w = \N{MINUS SIGN}0.5",
        "w = 0.5",
        "w = 2",
    ]
    assert len({curve.dash for curve in figure.curves}) == 4  # told apart without colour
    assert [tick.label for tick in figure.x_ticks][0] == "\N{MINUS SIGN}3"
    assert [tick.label for tick in figure.x_ticks][-1] == "3"
    # the text alternative's numbers: sigma(w x) at the ends x = -3 and x = 3
    for w, start, end in ((0.5, "0.18", "0.82"), (-0.5, "0.82", "0.18")):
        assert f"{_sigmoid(w * -3.0):.2f}" == start and f"{_sigmoid(w * 3.0):.2f}" == end
    assert "from about 0.18 to about 0.82" in figure.description
    assert "from about 0.82 to about 0.18" in figure.description
    assert _sigmoid(2.0 * 3.0) > 0.99 and _sigmoid(-2.0 * 3.0) < 0.01  # "almost 1", "almost 0"
    assert all(math.isclose(_sigmoid(w * 0.0), 0.5) for w in SEED_WEIGHTS)
    assert "sigmoid_weights" in _text("sigmoid")

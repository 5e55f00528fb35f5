"""Hidden checks for train_perceptron.py."""

import itertools

import numpy as np

from grader.checks import Student, show, show_call, show_number

GRID = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND = np.array([0, 0, 0, 1])
OR = np.array([0, 1, 1, 1])
# three inputs: x1 OR (x2 AND x3), which one straight cut (a plane) separates
CUBE = np.array(list(itertools.product((0.0, 1.0), repeat=3)))
CUBE_TARGETS = np.array([int(a or (b and c)) for a, b, c in CUBE])


def _describe(weights: np.ndarray, bias: float) -> str:
    shown = ", ".join(show_number(float(w)) for w in weights)
    return f"weights [{shown}] and bias {show_number(bias)}"


def _train(student: Student, *args: object, **kwargs: object) -> tuple[np.ndarray, float, str]:
    """Call train_perceptron; return (weights, bias, the call as text) once its shape is right."""
    call = show_call("train_perceptron", args, kwargs)
    got = student.call("train_perceptron", *args, **kwargs)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        student.fail(
            call,
            show(got),
            "a tuple (weights, bias)",
            "Fix: end with `return weights, bias`.",
        )
    n_features = np.shape(args[0])[1]
    weights = student.as_array(got[0], f"the weights from {call}", (n_features,))
    bias = student.scalar(got[1], f"the bias from {call}")
    return weights, bias, call


def _expect_computes(
    student: Student, inputs: np.ndarray, targets: np.ndarray, name: str, **kwargs: object
) -> None:
    weights, bias, call = _train(student, inputs, targets, **kwargs)
    for sample, target in zip(inputs, targets, strict=True):
        output = 1 if float(np.dot(weights, sample)) + bias > 0 else 0
        if output != target:
            point = ", ".join(f"{v:g}" for v in sample)
            student.fail(
                call,
                f"{_describe(weights, bias)}, with which the perceptron outputs {output}"
                f" for ({point})",
                f"weights and a bias that compute {name}, which is {target} there",
            )


def _expect_result(
    student: Student,
    inputs: np.ndarray,
    targets: np.ndarray,
    weights: list[float],
    bias: float,
    **kwargs: object,
) -> None:
    got_weights, got_bias, call = _train(student, inputs, targets, **kwargs)
    if not (np.allclose(got_weights, weights, rtol=0, atol=1e-9) and abs(got_bias - bias) < 1e-9):
        student.fail(
            call,
            _describe(got_weights, got_bias),
            _describe(np.array(weights), bias),
        )


def test_first_epoch(student: Student) -> None:
    # (0, 0), (0, 1) and (1, 0) give z = 0, so 0, which is right; (1, 1) is wrong by +1
    _expect_result(student, GRID, AND, [0.1, 0.1], 0.1, epochs=1)


def test_learns_and(student: Student) -> None:
    _expect_computes(student, GRID, AND, "AND")


def test_learns_or(student: Student) -> None:
    _expect_computes(student, GRID, OR, "OR")


def test_exact_weights(student: Student) -> None:
    # learning rates of 1 and 0.5 keep every number exact in floating point
    _expect_result(student, GRID, AND, [2.0, 1.0], -2.0, learning_rate=1.0)
    _expect_result(student, GRID, OR, [0.5, 0.5], 0.0, learning_rate=0.5)


def test_three_inputs(student: Student) -> None:
    _expect_computes(student, CUBE, CUBE_TARGETS, "x1 OR (x2 AND x3)")


def test_deterministic(student: Student) -> None:
    first_weights, first_bias, call = _train(student, GRID, AND)
    again_weights, again_bias, _ = _train(student, GRID, AND)
    if not (np.array_equal(first_weights, again_weights) and first_bias == again_bias):
        student.fail(
            f"{call}, twice",
            f"{_describe(first_weights, first_bias)}, then {_describe(again_weights, again_bias)}",
            "the same weights and bias every time",
        )


def test_stops_changing(student: Student) -> None:
    # AND and OR are learned within 20 passes; once every sample is right, nothing moves
    for targets in (AND, OR):
        weights, bias, call = _train(student, GRID, targets)
        later_weights, later_bias, later_call = _train(student, GRID, targets, epochs=200)
        if not (np.allclose(weights, later_weights, rtol=0, atol=1e-12) and bias == later_bias):
            student.fail(
                later_call,
                f"{_describe(later_weights, later_bias)}, but {call} returned"
                f" {_describe(weights, bias)}",
                "the same result, because nothing changes once every sample is right",
            )


def test_inputs_unchanged(student: Student) -> None:
    # from zeros with learning rate 0.1, AND is learned as weights [0.2, 0.1] and bias -0.2
    student.expect_unchanged(
        "train_perceptron", GRID.copy(), AND.copy(), expected=(np.array([0.2, 0.1]), -0.2)
    )

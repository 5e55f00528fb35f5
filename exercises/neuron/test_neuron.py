"""Hidden checks for neuron.py."""

import math

import numpy as np

from grader.checks import Student

TUMOUR = ([0.8, 0.7, 0.9], [0.5, 0.3, 0.2], -0.4)


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_tumour_sigmoid(student: Student) -> None:
    # z = 0.39, sigmoid(0.39) = 0.59628...
    student.expect_close("neuron", *TUMOUR, activation="sigmoid", expected=_sigmoid(0.39))


def test_relu_is_default(student: Student) -> None:
    student.expect_close("neuron", [2, 3], [0.5, 0.3], -0.4, expected=1.5)
    # z = -1.0 + 0.9 - 0.4 = -0.5, so ReLU gives 0
    student.expect_close("neuron", [2, 3], [-0.5, 0.3], -0.4, expected=0.0)


def test_tanh_and_linear(student: Student) -> None:
    # z = 0.5 - 0.5 + 0.3 = 0.3
    student.expect_close(
        "neuron", [1.0, 2.0], [0.5, -0.25], 0.3, activation="tanh", expected=math.tanh(0.3)
    )
    # z = 0.5 - 1.0 - 0.2 = -0.7
    student.expect_close(
        "neuron", [1.0, 2.0], [0.5, -0.5], -0.2, activation="linear", expected=-0.7
    )


def test_unknown_activation_raises(student: Student) -> None:
    student.expect_raises(
        "neuron", [1.0, 2.0], [0.5, 0.5], 0.0, activation="softplus", error="ValueError"
    )


def test_numpy_arrays(student: Student) -> None:
    inputs = np.array([0.2, -1.0, 3.0, 0.5])
    weights = np.array([1.5, 0.4, -0.2, 2.0])
    # z = 0.3 - 0.4 - 0.6 + 1.0 - 0.5 = -0.2
    z = -0.2
    expected = {"relu": 0.0, "sigmoid": _sigmoid(z), "tanh": math.tanh(z), "linear": z}
    for name, value in expected.items():
        student.expect_close("neuron", inputs, weights, -0.5, activation=name, expected=value)
    student.expect_unchanged("neuron", inputs, weights, -0.5, "sigmoid", expected=_sigmoid(z))


def test_large_z(student: Student) -> None:
    for w, sigmoid_value, tanh_value in ((1000.0, 1.0, 1.0), (-1000.0, 0.0, -1.0)):
        student.expect_close(
            "neuron", [1.0], [w], 0.0, activation="sigmoid", expected=sigmoid_value
        )
        student.expect_close("neuron", [1.0], [w], 0.0, activation="tanh", expected=tanh_value)
    student.expect_close("neuron", [1.0], [1000.0], 0.0, activation="relu", expected=1000.0)

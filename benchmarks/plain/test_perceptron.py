"""Plain pytest checks for perceptron.py: the same checks, the student's module imported."""

import numpy as np
from perceptron import AND_BIAS, AND_WEIGHTS, perceptron

AND_TABLE = (((0, 0), 0), ((0, 1), 0), ((1, 0), 0), ((1, 1), 1))


def _bit(expected, *args, **kwargs):
    got = perceptron(*args, **kwargs)
    assert type(got) is int
    assert got == expected


def test_seed_and_gate():
    for inputs, expected in AND_TABLE:
        _bit(expected, list(inputs), [0.5, 0.5], -0.75)


def test_returns_plain_int():
    for inputs, weights, bias in (([1, 1], [0.5, 0.5], -0.75), ([1.0, 0.0], [0.5, 0.5], -0.75)):
        assert type(perceptron(inputs, weights, bias)) is int


def test_student_and_gate():
    assert AND_WEIGHTS is not None
    assert AND_BIAS is not None
    for inputs, expected in AND_TABLE:
        _bit(expected, list(inputs), AND_WEIGHTS, AND_BIAS)


def test_z_at_threshold_gives_zero():
    _bit(0, [1, 1], [0.5, 0.5], -1.0)
    _bit(0, [1, 1], [0.5, 0.5], -0.5, threshold=0.5)
    _bit(0, [1, 0], [0.25, 0.5], 0.0, threshold=0.25)


def test_threshold_argument():
    _bit(0, [1, 1], [0.5, 0.5], -0.75, threshold=0.3)
    _bit(1, [1, 1], [0.5, 0.5], -0.75, threshold=0.2)
    _bit(1, [0, 0], [0.5, 0.5], -0.75, threshold=-1)


def test_numpy_inputs():
    inputs = np.array([1.0, 0.0, 2.0, -1.0, 0.5])
    weights = np.array([0.4, -0.3, 0.1, 0.2, 0.6])
    _bit(1, inputs, weights, -0.1)
    _bit(0, inputs, weights, -0.9)
    before = (inputs.copy(), weights.copy())
    _bit(1, inputs, weights, -0.1)
    np.testing.assert_array_equal(inputs, before[0])
    np.testing.assert_array_equal(weights, before[1])

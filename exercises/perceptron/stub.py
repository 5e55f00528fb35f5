"""The perceptron: a weighted sum and a hard yes/no decision."""

import numpy as np


def perceptron(inputs, weights, bias, threshold=0):
    """Return the int 1 if w . x + b > threshold, else the int 0.

    inputs, weights: lists or 1-D numpy arrays of equal length; bias, threshold: numbers.
    Return a plain Python int (1 or 0), not True/False and not a numpy number.
    z exactly equal to the threshold gives 0. Do not modify the arguments.

    Example (the AND perceptron):
        perceptron([1, 1], [0.5, 0.5], -0.75)  ->  1
        perceptron([0, 1], [0.5, 0.5], -0.75)  ->  0     (z = -0.25)
    """
    # TODO: compute z and compare it with the threshold
    raise NotImplementedError


# TODO: two weights and a bias that make perceptron([x1, x2], AND_WEIGHTS, AND_BIAS) compute AND
AND_WEIGHTS = None
AND_BIAS = None

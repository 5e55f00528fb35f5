"""The weighted sum: the first step of every artificial neuron (reference solution)."""

import numpy as np


def weighted_sum(inputs, weights, bias):
    """Return z = w . x + b, the dot product of inputs and weights plus the bias.

    Accepts lists or 1-D numpy arrays of equal length and returns a Python float;
    the arguments are only read, never modified.

    >>> round(weighted_sum([0.8, 0.7, 0.9], [0.5, 0.3, 0.2], -0.4), 6)
    0.39
    """
    return float(np.dot(inputs, weights) + bias)

"""The perceptron and an AND gate built from it (reference solution)."""

import numpy as np


def perceptron(inputs, weights, bias, threshold=0):
    """Return the int 1 if w . x + b > threshold, else the int 0.

    z exactly at the threshold gives 0; the arguments are only read.

    >>> [perceptron([a, b], AND_WEIGHTS, AND_BIAS) for a in (0, 1) for b in (0, 1)]
    [0, 0, 0, 1]
    """
    z = np.dot(inputs, weights) + bias
    return 1 if z > threshold else 0


# z = 0.5 x1 + 0.5 x2 - 0.75 is positive only for (1, 1).
AND_WEIGHTS = (0.5, 0.5)
AND_BIAS = -0.75

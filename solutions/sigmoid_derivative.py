"""The derivative of the sigmoid (reference solution)."""

import numpy as np


def sigmoid_derivative(x):
    """Return sigma(x) * (1 - sigma(x)) for numbers and arrays, without overflow.

    With e = exp(-|x|), which is at most 1, sigma(x) * (1 - sigma(x)) = e / (1 + e) ** 2 for
    either sign of x, so nothing large is ever exponentiated.
    """
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    result = e / (1.0 + e) ** 2
    return float(result) if result.ndim == 0 else result

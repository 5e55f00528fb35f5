"""The sigmoid activation function (reference solution)."""

import numpy as np


def sigmoid(x):
    """Return 1 / (1 + e**-x), computed without overflow for numbers and arrays."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    result = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(result) if result.ndim == 0 else result

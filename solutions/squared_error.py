"""The squared error (reference solution)."""

import numpy as np


def squared_error(predicted, actual):
    """Return (predicted - actual) ** 2, averaged over the elements of equal-shaped arrays."""
    predicted = np.asarray(predicted, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    if predicted.shape != actual.shape:
        raise ValueError(
            f"predicted has shape {predicted.shape} but actual has shape {actual.shape};"
            " compare a prediction only with the answer of the same shape"
        )
    return float(np.mean((predicted - actual) ** 2))

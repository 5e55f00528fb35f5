"""One step of gradient descent (reference solution)."""

import numpy as np


def gradient_step(weights, gradient, learning_rate):
    """Return weights - learning_rate * gradient as a new value; the inputs are only read."""
    new = np.asarray(weights, dtype=np.float64) - learning_rate * np.asarray(
        gradient, dtype=np.float64
    )
    return float(new) if new.ndim == 0 else new

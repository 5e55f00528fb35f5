import numpy as np


def sigmoid_derivative(x):
    x = np.asarray(x, dtype=float)
    result = x * (1 - x)
    return float(result) if result.ndim == 0 else result

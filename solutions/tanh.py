"""The tanh activation (reference solution)."""

import numpy as np


def tanh(x):
    """Return the hyperbolic tangent of a number or, element by element, of an array.

    Uses tanh(x) = sign(x) * (1 - t) / (1 + t) with t = e**(-2|x|) <= 1, so nothing
    overflows; np.expm1 keeps full precision for tiny |x|. A number gives a float.

    >>> tanh(0.0), round(tanh(1.0), 3), tanh(1000.0)
    (0.0, 0.762, 1.0)
    """
    x = np.asarray(x, dtype=np.float64)
    m = np.expm1(-2.0 * np.abs(x))  # t - 1, in [-1, 0]
    result = np.sign(x) * (-m / (2.0 + m))
    return float(result) if result.ndim == 0 else result

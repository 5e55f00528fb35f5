"""The tanh activation: an S-curve from -1 to 1."""

import numpy as np


def tanh(x):
    """Return (e**x - e**-x) / (e**x + e**-x) for a number or, element by element, an array.

    Examples:
        tanh(0.0)   ->  0.0
        tanh(1.0)   ->  about 0.762
        tanh(np.array([-1000.0, 1000.0]))  ->  array([-1., 1.])

    Arrays keep their shape; +-1000 must give +-1, not nan. Do not modify x.
    """
    # TODO: implement tanh without overflowing for large |x|
    raise NotImplementedError

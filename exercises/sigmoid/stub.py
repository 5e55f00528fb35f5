"""The sigmoid activation function."""

import numpy as np


def sigmoid(x):
    """Return 1 / (1 + e**-x) for a number or, element by element, for a numpy array.

    sigmoid(0.0) == 0.5; sigmoid(-1.0) is about 0.269. Arrays keep their shape, and inputs
    as large as +-1000 must not overflow.
    """
    # TODO: implement the sigmoid
    raise NotImplementedError

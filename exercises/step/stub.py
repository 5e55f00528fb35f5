"""The step activation: the all-or-nothing rule of the original perceptron."""

import numpy as np


def step(x):
    """Return 1 where x > 0 and 0 elsewhere (0 at exactly 0), as numbers.

    x: a number or a numpy array. A number gives 1 or 0 (int or float, not True/False);
    an array gives an array of the same shape holding 0s and 1s (not booleans).

    Examples:
        step(2.0)   ->  1
        step(0.0)   ->  0
        step(np.array([-1.0, 0.0, 0.5]))  ->  array([0., 0., 1.])

    Do not modify x.
    """
    # TODO: output 1 for strictly positive inputs and 0 otherwise
    raise NotImplementedError

"""The slope of the sigmoid, which backpropagation needs at every sigmoid neuron."""

import numpy as np


def sigmoid_derivative(x):
    """Return the derivative of the sigmoid, sigma(x) * (1 - sigma(x)).

    sigma is the sigmoid, 1 / (1 + e**-x). Works for a number (return a number) and,
    element by element, for a numpy array (return an array of the same shape).

    Examples:
        sigmoid_derivative(0.0)  ->  0.25   (the largest value it ever takes)
        sigmoid_derivative(2.0)  ->  about 0.105
        sigmoid_derivative(np.array([-1000.0, 1000.0]))  ->  array([0., 0.])

    Inputs as large as +-1000 must give finite results (0, not nan); avoid numpy's
    overflow warning too (the report shows it as advice, 0 points). Do not modify x.
    """
    # TODO: compute the sigmoid without overflow, then its slope
    raise NotImplementedError

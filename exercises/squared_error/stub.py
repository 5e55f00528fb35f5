"""The squared error: how far a prediction is from the truth, as one number."""

import numpy as np


def squared_error(predicted, actual):
    """Return the squared error between a prediction and the right answer.

    For two numbers: (predicted - actual) ** 2.
    For two numpy arrays of the same shape: the mean of the element-wise squared errors,
    as one number.
    If the two shapes differ (np.shape(predicted) != np.shape(actual)), raise ValueError
    instead of letting numpy broadcast. Do not modify the arguments.

    Examples:
        squared_error(0.8, 1.0)  ->  about 0.04
        squared_error(np.array([0.8, 0.1, 0.6]), np.array([1.0, 0.0, 1.0]))  ->  about 0.07
    """
    # TODO: square the differences, then average them
    raise NotImplementedError

"""One step of gradient descent."""

import numpy as np


def gradient_step(weights, gradient, learning_rate):
    """Return the weights after one step of gradient descent.

    new weights = weights - learning_rate * gradient

    weights and gradient are both numbers or both numpy arrays of the same shape;
    learning_rate is a positive number. Return a number for numbers and a new array for
    arrays. Do not modify weights or gradient: the caller still needs the old values.

    Examples:
        gradient_step(0.5, 0.2, 0.1)  ->  about 0.48
        gradient_step(np.array([0.5, -0.3]), np.array([0.2, -0.4]), 0.1)  ->  array([0.48, -0.26])
    """
    # TODO: move the weights a small step against the gradient
    raise NotImplementedError

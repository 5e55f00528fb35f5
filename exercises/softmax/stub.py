"""The softmax function: logits in, probabilities out."""

import numpy as np


def softmax(x):
    """Return e**x_i / sum_j e**x_j for a 1-D numpy array of logits x.

    The result is a new 1-D float array of the same length: positive entries summing to 1.
    It must stay finite for logits such as [1000, 1001, 1002].

    Example:
        softmax(np.array([1.0, 1.0, 1.0]))  ->  array([0.333..., 0.333..., 0.333...])

    Do not modify x.
    """
    # TODO: exponentiate (stably) and normalise
    raise NotImplementedError

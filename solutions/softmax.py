"""The softmax function (reference solution)."""

import numpy as np


def softmax(x):
    """Return the softmax of a 1-D array of logits as a new float array summing to 1.

    Subtracts the largest logit first: softmax is unchanged by adding a constant to every
    logit, and afterwards no exponential exceeds 1, so nothing overflows.

    >>> np.round(softmax(np.array([2.0, 1.0, 0.5])), 3)
    array([0.629, 0.231, 0.14 ])
    """
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - np.max(x))
    return e / np.sum(e)

"""One complete artificial neuron: a weighted sum followed by an activation."""

import numpy as np


def neuron(inputs, weights, bias, activation="relu"):
    """Return f(w . x + b) as one number, where f is the named activation.

    inputs, weights: lists or 1-D numpy arrays of equal length; bias: a number.
    activation: "relu" (default), "sigmoid", "tanh" or "linear"; any other name must
    raise ValueError. Sigmoid and tanh must stay finite for z = +-1000.

    Examples:
        neuron([1.0, 2.0], [0.5, -0.25], 0.3, activation="sigmoid")  ->  about 0.574  (z = 0.3)
        neuron([1, 2], [0.5, 0.3], -0.4)                              ->  0.7

    Do not modify the arguments.
    """
    # TODO: compute z, then apply the activation chosen by name
    raise NotImplementedError

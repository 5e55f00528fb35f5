import math

import numpy as np


def neuron(inputs, weights, bias, activation="relu"):
    z = float(np.dot(inputs, weights) + bias)
    if activation == "relu":
        return max(0.0, z)
    if activation == "sigmoid":
        return 1 / (1 + math.exp(-z))
    if activation == "tanh":
        return math.tanh(z)
    if activation == "linear":
        return z
    raise ValueError(f"unknown activation {activation!r}")

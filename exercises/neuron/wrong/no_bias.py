import numpy as np


def neuron(inputs, weights, bias, activation="relu"):
    z = np.dot(inputs, weights)
    if activation == "relu":
        return max(0.0, z)
    if activation == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if activation == "tanh":
        return np.tanh(z)
    if activation == "linear":
        return z
    raise ValueError(f"unknown activation {activation!r}")

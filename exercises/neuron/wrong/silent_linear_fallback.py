import numpy as np


def neuron(inputs, weights, bias, activation="relu"):
    z = np.dot(inputs, weights) + bias
    if activation == "relu":
        return max(0, z)
    elif activation == "sigmoid":
        return 1 / (1 + np.exp(-z))
    elif activation == "tanh":
        return np.tanh(z)
    else:
        return z  # linear

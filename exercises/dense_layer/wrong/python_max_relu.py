import numpy as np


def dense_layer(x, W, b, activation="relu"):
    z = W @ x + b
    if activation == "relu":
        return max(0, z)
    if activation == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if activation == "tanh":
        return np.tanh(z)
    return z

import numpy as np


def dense_layer(x, W, b, activation="relu"):
    z = W @ x
    if activation == "relu":
        a = np.maximum(0, z)
    elif activation == "sigmoid":
        a = 1 / (1 + np.exp(-z))
    elif activation == "tanh":
        a = np.tanh(z)
    else:
        a = z
    return a + b

import numpy as np


def dense(x, W, b, activation):
    z = W @ x + b
    if activation == "relu":
        return np.maximum(0, z)
    if activation == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if activation == "tanh":
        return np.tanh(z)
    return z


def forward(x, layers):
    output = x
    for W, b, activation in layers:
        output = dense(x, W, b, activation)
    return output

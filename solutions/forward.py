"""The forward pass through a list of dense layers (reference solution)."""

import numpy as np


def _sigmoid(z):
    """Element-wise sigmoid that never exponentiates a large positive number."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_ACTIVATIONS = {
    "relu": lambda z: np.maximum(0.0, z),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "linear": lambda z: z,
}


def dense_layer(x, W, b, activation="relu"):
    """Return activation(W @ x + b) for one layer; W has one row per neuron."""
    if activation not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; use one of {list(_ACTIVATIONS)}")
    return _ACTIVATIONS[activation](np.asarray(W, dtype=np.float64) @ x + b)


def forward(x, layers):
    """Feed x through `layers`, a list of (W, b, activation) tuples, first layer first.

    Each layer reads the previous layer's output; the last layer's output is returned as a
    new 1-D array. Neither x nor the layers are modified.

    >>> layers = [
    ...     (np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0.0, -1.0]), "relu"),
    ...     (np.array([[2.0, 0.0], [-1.0, 1.0]]), np.array([0.5, 0.0]), "linear"),
    ... ]
    >>> forward(np.array([1.0, 2.0]), layers)
    array([0.5, 3.5])
    """
    a = np.asarray(x, dtype=np.float64)
    for W, b, activation in layers:
        a = dense_layer(a, W, b, activation)
    return a

"""A dense (fully connected) layer (reference solution)."""

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
    """Return activation(W @ x + b) as a new float array of shape (n_out,).

    x has shape (n_in,), W shape (n_out, n_in) with one row per neuron, b shape (n_out,).
    Raises ValueError for an activation other than "relu", "sigmoid", "tanh", "linear".

    >>> W = np.array([[0.2, -0.5, 0.1], [0.4, 0.3, -0.2]])
    >>> np.round(dense_layer(np.array([1.0, 2.0, 3.0]), W, np.array([0.1, -0.3])), 6)
    array([0. , 0.1])
    """
    if activation not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; use one of {list(_ACTIVATIONS)}")
    z = np.asarray(W, dtype=np.float64) @ np.asarray(x, dtype=np.float64) + b
    return _ACTIVATIONS[activation](z)

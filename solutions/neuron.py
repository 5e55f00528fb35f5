"""One complete artificial neuron (reference solution)."""

import numpy as np


def _sigmoid(z):
    """Return 1 / (1 + e**-z) for one number without overflowing for large |z|."""
    if z >= 0:
        return 1.0 / (1.0 + np.exp(-z))
    e = np.exp(z)
    return e / (1.0 + e)


_ACTIVATIONS = {
    "relu": lambda z: max(0.0, z),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "linear": lambda z: z,
}


def neuron(inputs, weights, bias, activation="relu"):
    """Return f(w . x + b) as a float, where f is the activation called `activation`.

    Raises ValueError for a name other than "relu", "sigmoid", "tanh" or "linear".

    >>> round(neuron([0.8, 0.7, 0.9], [0.5, 0.3, 0.2], -0.4, activation="sigmoid"), 4)
    0.5963
    >>> neuron([2, 3], [0.5, 0.3], -0.4)
    1.5
    """
    try:
        f = _ACTIVATIONS[activation]
    except (KeyError, TypeError):
        known = ", ".join(repr(name) for name in _ACTIVATIONS)
        raise ValueError(f"unknown activation {activation!r}; use one of {known}") from None
    z = float(np.dot(inputs, weights) + bias)
    return float(f(z))

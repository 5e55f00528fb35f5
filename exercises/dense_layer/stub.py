"""A dense (fully connected) layer: many neurons reading the same inputs."""

import numpy as np


def dense_layer(x, W, b, activation="relu"):
    """Return activation(W @ x + b) as a new 1-D array of shape (n_out,).

    x: shape (n_in,); W: shape (n_out, n_in), one row of weights per neuron; b: shape (n_out,).
    activation: "relu" (default), "sigmoid", "tanh" or "linear", applied element by element.

    Example (two neurons, three inputs):
        W = np.array([[0.2, -0.5, 0.1], [0.4, 0.3, -0.2]])
        dense_layer(np.array([1.0, 2.0, 3.0]), W, np.array([0.1, -0.3]))  ->  array([0. , 0.1])

    Do not modify x, W or b.
    """
    # TODO: compute every neuron's weighted sum at once, then apply the activation
    raise NotImplementedError

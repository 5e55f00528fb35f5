"""Teach a perceptron from examples: the perceptron learning rule."""

import numpy as np


def train_perceptron(inputs, targets, learning_rate=0.1, epochs=20):
    """Learn a perceptron's weights and bias from examples; return (weights, bias).

    inputs: a 2-D numpy array with one sample per row, shape (n_samples, n_features).
    targets: the right answer (0 or 1) for each sample, a 1-D array of length n_samples.

    Start from weights of 0 (a numpy array of length n_features) and a bias of 0. Then go
    through the samples in order, `epochs` times. For each sample x with target t:
        prediction = 1 if weights . x + bias > 0 else 0
        error = t - prediction                  (0 when the prediction is right)
        weights = weights + learning_rate * error * x
        bias = bias + learning_rate * error
    You may stop early after a pass in which every prediction was right.

    Return the tuple (weights, bias): weights a 1-D numpy array, bias a number.
    Do not modify inputs or targets.

    Example (AND, one pass): only the last sample, (1, 1), is wrong, so
        train_perceptron(np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 0, 0, 1]),
                         epochs=1)  ->  (array([0.1, 0.1]), 0.1)
    """
    # TODO: loop over the epochs and samples and apply the perceptron rule
    raise NotImplementedError

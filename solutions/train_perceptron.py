"""The perceptron learning rule (reference solution)."""

import numpy as np


def train_perceptron(inputs, targets, learning_rate=0.1, epochs=20):
    """Learn weights and a bias with the perceptron rule, from zeros; return (weights, bias).

    Each sample, in order: predict 1 if w . x + b > 0 else 0, then move w and b by
    learning_rate * (target - prediction), which is 0 for a correct prediction.
    """
    x = np.asarray(inputs, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    weights = np.zeros(x.shape[1])
    bias = 0.0
    for _ in range(epochs):
        mistakes = 0
        for sample, target in zip(x, t, strict=True):
            prediction = 1.0 if np.dot(weights, sample) + bias > 0 else 0.0
            error = target - prediction
            if error != 0:
                weights = weights + learning_rate * error * sample
                bias = bias + learning_rate * error
                mistakes += 1
        if mistakes == 0:
            break
    return weights, float(bias)

import numpy as np


def train_perceptron(inputs, targets, learning_rate=0.1, epochs=20):
    inputs = np.asarray(inputs, dtype=float)
    weights = np.zeros(inputs.shape[1])
    bias = 0.0
    for _ in range(epochs):
        for x, target in zip(inputs, targets, strict=True):
            prediction = 1 if np.dot(weights, x) + bias >= 0 else 0
            error = target - prediction
            weights = weights + learning_rate * error * x
            bias = bias + learning_rate * error
    return weights, bias

import numpy as np


def gradient_step(weights, gradient, learning_rate):
    return np.asarray(weights) + learning_rate * np.asarray(gradient)

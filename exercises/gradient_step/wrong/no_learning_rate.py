import numpy as np


def gradient_step(weights, gradient, learning_rate):
    return np.asarray(weights) - np.asarray(gradient)

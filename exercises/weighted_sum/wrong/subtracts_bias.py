import numpy as np


def weighted_sum(inputs, weights, bias):
    return np.dot(inputs, weights) - bias

import numpy as np


def perceptron(inputs, weights, bias, threshold=0):
    z = np.dot(inputs, weights) + bias
    return z > threshold


AND_WEIGHTS = [0.5, 0.5]
AND_BIAS = -0.75

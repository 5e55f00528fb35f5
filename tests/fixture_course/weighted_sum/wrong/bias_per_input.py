import numpy as np


def weighted_sum(inputs, weights, bias):
    products = np.multiply(inputs, weights) + bias
    return np.sum(products)

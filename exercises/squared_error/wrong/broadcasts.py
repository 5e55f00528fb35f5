import numpy as np


def squared_error(predicted, actual):
    return float(np.mean((np.asarray(predicted) - np.asarray(actual)) ** 2))

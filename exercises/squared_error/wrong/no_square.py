import numpy as np


def squared_error(predicted, actual):
    if np.shape(predicted) != np.shape(actual):
        raise ValueError("predicted and actual must have the same shape")
    return float(np.mean(np.asarray(predicted) - np.asarray(actual)))

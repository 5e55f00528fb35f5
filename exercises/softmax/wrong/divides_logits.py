import numpy as np


def softmax(x):
    return x / np.sum(x)

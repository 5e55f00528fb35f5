import numpy as np


def softmax(x):
    e_x = np.exp(x)
    return e_x / e_x.sum()

import numpy as np


def step(x):
    return np.where(np.asarray(x) >= 0, 1.0, 0.0)

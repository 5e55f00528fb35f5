import math


def sigmoid_derivative(x):
    s = 1 / (1 + math.exp(-x))
    return s * (1 - s)

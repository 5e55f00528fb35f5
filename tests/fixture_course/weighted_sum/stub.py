"""The weighted sum: the first step of every artificial neuron."""


def weighted_sum(inputs, weights, bias):
    """Return z = w1*x1 + w2*x2 + ... + wn*xn + b as a single number.

    inputs, weights: lists or 1-D numpy arrays of the same length.
    bias: a number, added once.

    Example (the tumour-cell neuron):
        weighted_sum([0.8, 0.7, 0.9], [0.5, 0.3, 0.2], -0.4)  ->  0.39 (up to rounding)

    Do not modify inputs or weights.
    """
    # TODO: multiply, add up, add the bias
    raise NotImplementedError

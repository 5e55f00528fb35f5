"""The sigmoid activation function."""


def sigmoid(x):
    """Return 1 / (1 + e**-x) for a number or, element by element, for a numpy array.

    Examples:
        sigmoid(0.0)   ->  0.5
        sigmoid(2.0)  ->  about 0.881
        sigmoid(np.array([-1000.0, 1000.0]))  ->  array([0., 1.])

    Arrays keep their shape. Inputs as large as +-1000 must give 0 and 1, not nan,
    and preferably no overflow warning. Do not modify x.
    """
    # TODO: implement the sigmoid
    raise NotImplementedError

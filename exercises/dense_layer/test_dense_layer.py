"""Hidden checks for dense_layer.py."""

import numpy as np

from grader.checks import Student

# The lesson's layer: two neurons, three inputs; W @ x + b = [-0.4, 0.1].
X = np.array([1.0, 2.0, 3.0])
W = np.array([[0.2, -0.5, 0.1], [0.4, 0.3, -0.2]])
B = np.array([0.1, -0.3])
Z = np.array([-0.4, 0.1])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def test_worked_example(student: Student) -> None:
    student.expect_array("dense_layer", X, W, B, expected=np.array([0.0, 0.1]))


def test_output_shape(student: Student) -> None:
    W4 = np.array([[1.0, -0.5], [0.25, 0.75], [-1.0, -1.0], [0.5, 2.0]])
    b4 = np.array([0.5, 0.0, 1.0, -0.25])
    # W4 @ [2, -1] + b4 = [3.0, -0.25, 0.0, -1.25]
    student.expect_array(
        "dense_layer", np.array([2.0, -1.0]), W4, b4, expected=np.array([3.0, 0.0, 0.0, 0.0])
    )


def test_activations(student: Student) -> None:
    for name, expected in (("sigmoid", _sigmoid(Z)), ("tanh", np.tanh(Z)), ("linear", Z)):
        student.expect_array("dense_layer", X, W, B, activation=name, expected=expected)


def test_square_layer(student: Student) -> None:
    Ws = np.array([[0.5, -1.0, 0.25], [2.0, 0.5, -0.5], [-0.75, 0.25, 1.0]])
    xs = np.array([1.0, -2.0, 0.5])
    bs = np.array([0.0, 0.5, -0.25])
    # Ws @ xs + bs = [2.625, 1.25, -1.0]; the transposed layer would give [-3.875, -1.375, 1.5]
    student.expect_array("dense_layer", xs, Ws, bs, expected=np.array([2.625, 1.25, 0.0]))


def test_random_layer(student: Student) -> None:
    rng = np.random.default_rng(2032)
    Wr = rng.normal(0.0, 1.0, size=(5, 4))
    xr = rng.normal(0.0, 1.0, size=4)
    br = rng.normal(0.0, 0.5, size=5)
    student.expect_array("dense_layer", xr, Wr, br, expected=np.maximum(0.0, Wr @ xr + br))


def test_inputs_unchanged(student: Student) -> None:
    student.expect_unchanged(
        "dense_layer", X.copy(), W.copy(), B.copy(), "relu", expected=np.maximum(0.0, W @ X + B)
    )

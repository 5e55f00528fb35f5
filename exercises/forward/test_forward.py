"""Hidden checks for forward.py."""

import numpy as np

from grader.checks import Student


def _lesson_network() -> list:
    """The lesson's 3-3-3-2 network: two ReLU hidden layers and a sigmoid output layer."""
    return [
        (
            np.array([[0.2, -0.1, 0.4], [0.5, 0.3, -0.2], [-0.3, 0.8, 0.1]]),
            np.array([0.1, 0.0, -0.2]),
            "relu",
        ),
        (
            np.array([[0.6, -0.4, 0.2], [-0.1, 0.5, 0.3], [0.3, 0.2, -0.5]]),
            np.array([0.0, 0.1, 0.05]),
            "relu",
        ),
        (np.array([[0.7, -0.6, 0.2], [-0.3, 0.4, 0.9]]), np.array([0.1, -0.2]), "sigmoid"),
    ]


X = np.array([1.0, 0.5, -1.5])


def _reference(x: np.ndarray, layers: list) -> np.ndarray:
    functions = {
        "relu": lambda z: np.maximum(0.0, z),
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
        "linear": lambda z: z,
    }
    a = x
    for W, b, activation in layers:
        a = functions[activation](W @ a + b)
    return a


def test_lesson_network(student: Student) -> None:
    # h = [0, 0.95, 0], o = [0, 0.575, 0.24], y = sigmoid([-0.197, 0.246])
    expected = 1 / (1 + np.exp(-np.array([-0.197, 0.246])))
    student.expect_array("forward", X, _lesson_network(), expected=expected)


def test_layer_order(student: Student) -> None:
    square = [
        (np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0.0, -1.0]), "relu"),
        (np.array([[2.0, 0.0], [-1.0, 1.0]]), np.array([0.5, 0.0]), "linear"),
    ]
    # in order: [0.5, 3.5]; in reverse order it would be [1.5, 2.25]
    student.expect_array("forward", np.array([1.0, 2.0]), square, expected=np.array([0.5, 3.5]))
    narrowing = [
        (np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]), np.array([0.0, 0.5]), "relu"),
        (np.array([[1.0, -2.0]]), np.array([0.25]), "linear"),
    ]
    # hidden = relu([-2, 3.5]) = [0, 3.5]; output = 0 - 7 + 0.25
    student.expect_array(
        "forward", np.array([1.0, 2.0, 3.0]), narrowing, expected=np.array([-6.75])
    )


def test_single_layer(student: Student) -> None:
    W = np.array([[0.5, -0.25], [1.0, 1.0], [-2.0, 0.5]])
    b = np.array([0.1, -0.5, 0.0])
    x = np.array([2.0, -1.0])
    student.expect_array("forward", x, [(W, b, "tanh")], expected=np.tanh(W @ x + b))


def test_deep_random_network(student: Student) -> None:
    rng = np.random.default_rng(2033)
    widths = [4, 6, 6, 5, 3]
    activations = ["tanh", "relu", "linear", "sigmoid"]
    layers = [
        (rng.normal(0.0, 0.8, size=(n_out, n_in)), rng.normal(0.0, 0.3, size=n_out), f)
        for n_in, n_out, f in zip(widths[:-1], widths[1:], activations, strict=True)
    ]
    x = rng.normal(0.0, 1.0, size=widths[0])
    student.expect_array("forward", x, layers, expected=_reference(x, layers))


def test_inputs_unchanged(student: Student) -> None:
    student.expect_unchanged(
        "forward", X.copy(), _lesson_network(), expected=_reference(X, _lesson_network())
    )

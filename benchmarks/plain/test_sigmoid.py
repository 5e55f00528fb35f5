"""Plain pytest checks for sigmoid.py: the same checks, the student's module imported."""

import warnings

import numpy as np
import pytest
from sigmoid import sigmoid


def test_zero_is_one_half():
    assert sigmoid(0.0) == 0.5


def test_lesson_value():
    assert sigmoid(-1.0) == pytest.approx(0.2689414213699951, abs=1e-6)


def test_array_shape_and_dtype():
    x = np.array([[-2.0, 0.0], [1.0, 3.0]])
    before = x.copy()
    y = sigmoid(x)
    assert isinstance(y, np.ndarray)
    assert y.shape == x.shape
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-x)), atol=1e-6)
    np.testing.assert_array_equal(x, before)


def test_extremes_without_overflow():
    x = np.array([-1000.0, -750.0, 750.0, 1000.0])
    np.testing.assert_allclose(sigmoid(x), [0.0, 0.0, 1.0, 1.0], atol=1e-6)
    assert sigmoid(-1000.0) == pytest.approx(0.0, abs=1e-6)
    assert sigmoid(1000.0) == pytest.approx(1.0, abs=1e-6)


def test_no_overflow_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns on overflow: fail instead
        np.testing.assert_allclose(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0], atol=1e-6)
        assert sigmoid(-1000.0) == pytest.approx(0.0, abs=1e-6)


def test_properties():
    x = np.sort(np.random.default_rng(2026).uniform(-30, 30, size=500))
    y = sigmoid(x)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-x)), atol=1e-6)
    mirrored = sigmoid(-x)
    assert np.all((y > 0) & (y < 1))
    assert np.all(np.abs(mirrored - (1 - y)) <= 1e-9)
    assert not np.any(np.diff(y) < 0)

"""Plain pytest checks for relu.py: the same checks, the student's module imported."""

import numpy as np
import pytest
from relu import relu


def test_lesson_values():
    assert relu(-5) == pytest.approx(0.0, abs=1e-6)
    assert relu(10) == pytest.approx(10.0, abs=1e-6)


def test_scalars():
    assert relu(2.5) == pytest.approx(2.5, abs=1e-6)
    assert relu(-0.001) == pytest.approx(0.0, abs=1e-6)
    assert relu(0.0) == pytest.approx(0.0, abs=1e-6)


def test_array_shape_and_dtype():
    x = np.array([[-2.0, 0.0, 1.5], [3.0, -0.5, 0.25]])
    np.testing.assert_allclose(relu(x), [[0.0, 0.0, 1.5], [3.0, 0.0, 0.25]], atol=1e-6)
    x32 = np.array([-1.5, 2.5, 0.0, -3.0], dtype=np.float32)
    got = relu(x32)
    np.testing.assert_allclose(got, [0.0, 2.5, 0.0, 0.0], atol=1e-6)
    assert got.dtype == np.float32


def test_properties():
    x = np.random.default_rng(2028).normal(0.0, 10.0, size=1000)
    y = relu(x)
    np.testing.assert_allclose(y, np.maximum(0.0, x), atol=1e-6)
    twice = relu(y)
    assert np.all(y >= 0)
    assert np.all((x < 0) | (y == x))
    assert np.all(twice == y)


def test_input_unchanged():
    x = np.array([[-2.0, 0.5], [3.0, -0.25]])
    before = x.copy()
    np.testing.assert_allclose(relu(x), np.maximum(0.0, before), atol=1e-6)
    np.testing.assert_array_equal(x, before)

"""Plain pytest checks for weighted_sum.py: the same checks, the student's module imported."""

import numpy as np
import pytest
from weighted_sum import weighted_sum


def test_tumour_example():
    assert weighted_sum([0.8, 0.7, 0.9], [0.5, 0.3, 0.2], -0.4) == pytest.approx(0.39, abs=1e-6)


def test_two_inputs():
    assert weighted_sum([2, 3], [0.5, 0.3], -0.4) == pytest.approx(1.5, abs=1e-6)


def test_numpy_arrays():
    inputs = np.array([1.0, -2.0, 0.5, 4.0])
    weights = np.array([0.25, 0.5, -2.0, 0.1])
    assert weighted_sum(inputs, weights, 0.3) == pytest.approx(-1.05, abs=1e-6)


def test_single_input():
    assert weighted_sum([2.0], [1.5], 0.5) == pytest.approx(3.5, abs=1e-6)
    assert weighted_sum(np.array([-4.0]), np.array([0.25]), 2.0) == pytest.approx(1.0, abs=1e-6)


def test_long_vectors():
    rng = np.random.default_rng(1101)
    inputs = rng.uniform(-1, 1, size=1000)
    weights = rng.uniform(-1, 1, size=1000)
    expected = float(np.sum(inputs * weights)) - 1.25
    assert weighted_sum(inputs, weights, -1.25) == pytest.approx(expected, abs=1e-9)


def test_inputs_unchanged():
    inputs, weights = np.array([0.8, 0.7, 0.9]), np.array([0.5, 0.3, 0.2])
    assert weighted_sum(inputs, weights, -0.4) == pytest.approx(0.39, abs=1e-6)
    assert inputs.tolist() == [0.8, 0.7, 0.9]
    assert weights.tolist() == [0.5, 0.3, 0.2]
    inputs, weights = [2.0, 3.0], [0.5, 0.3]
    assert weighted_sum(inputs, weights, -0.4) == pytest.approx(1.5, abs=1e-6)
    assert inputs == [2.0, 3.0]
    assert weights == [0.5, 0.3]

"""Compare what student code gave back with what was expected, and write expected numbers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.grading.messages import show_number


def space(text: str | None) -> str:
    """Prefix a space to optional text, or give nothing."""
    return f" {text}" if text else ""


def close(got: float, expected: float, tol: float) -> bool:
    """Tell whether a number matches, NaN and infinities only matching themselves."""
    if math.isnan(expected):
        return math.isnan(got)
    if math.isinf(expected):
        return got == expected
    return math.isfinite(got) and abs(got - expected) <= tol


def close_array(got: np.ndarray, expected: np.ndarray, tol: float) -> np.ndarray:
    """Compare arrays elementwise the way `close` compares numbers."""
    got = got.astype(np.float64)
    expected = expected.astype(np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(
            np.isnan(expected),
            np.isnan(got),
            np.where(np.isinf(expected), got == expected, np.abs(got - expected) <= tol),
        ) & ~(np.isnan(got) & ~np.isnan(expected))


def expected_number(expected: float, tol: float) -> str:
    """Write an expected value to the precision its tolerance asks for: 0.0900306 (±1e-06)."""
    if not math.isfinite(expected) or tol <= 0:
        return f"{expected!r}" if tol <= 0 else show_number(expected)
    decimals = max(0, math.ceil(-math.log10(tol)) + 1)
    text = f"{expected:.{min(decimals, 17)}f}"
    if "." in text:
        text = text.rstrip("0")
        text = text + "0" if text.endswith(".") else text
    return f"{text} (±{tol:g})"


def same(before: Any, now: Any) -> bool:
    """Tell whether a value is unchanged: same type, shape and contents (NaN equals NaN)."""
    if isinstance(before, np.ndarray):
        return (
            isinstance(now, np.ndarray)
            and now.shape == before.shape
            and bool(np.array_equal(now, before, equal_nan=True))
        )
    if isinstance(before, (list, tuple)):
        return (
            isinstance(now, (list, tuple))
            and len(now) == len(before)
            and all(same(a, b) for a, b in zip(before, now, strict=True))
        )
    return type(now) is type(before) and now == before

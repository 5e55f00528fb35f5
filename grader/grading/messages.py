"""Short, safe descriptions of values and calls for student-facing messages."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.grading.sanitize import sanitize
from grader.sandbox.outcomes import Opaque


def show_number(value: float, other: float | None = None) -> str:
    """Format `value` with just enough digits to tell it apart from `other`."""
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return repr(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{value:.1f}"
    for digits in (3, 4, 6, 8, 12, 17):
        text = f"{value:.{digits}g}"
        if other is None or other == value or text != f"{float(other):.{digits}g}":
            return text
    return repr(value)


def show(value: Any, budget: int = 80) -> str:
    """Describe a plain value briefly: numbers, arrays (with shape), lists, text, opaque objects."""
    if isinstance(value, Opaque):
        return f"an object of type {sanitize(value.type_name)[:40]}"
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        number = int(value)
        if abs(number) < 10**24:
            return str(number)
        digits = str(abs(number))
        sign = "-" if number < 0 else ""
        return f"an integer with {len(digits)} digits ({sign}{digits[:6]}…)"
    if isinstance(value, (float, np.floating)):
        return show_number(float(value))
    if isinstance(value, str):
        text = sanitize(value)
        return repr(text if len(text) <= budget else text[:budget] + "…")
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return f"array({show(value[()])})"
        items = ", ".join(show(x, 12) for x in value.ravel()[:6])
        more = ", …" if value.size > 6 else ""
        return f"array([{items}{more}], shape {value.shape}, dtype {value.dtype})"
    if isinstance(value, (list, tuple)):
        items = ", ".join(show(x, 12) for x in value[:6])
        more = ", …" if len(value) > 6 else ""
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
        return f"{opening}{items}{more}{closing}"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{show(k, 12)}: {show(v, 12)}" for k, v in list(value.items())[:6])
            + "}"
        )
    return f"a value of type {type(value).__name__}"


def show_typed(value: Any) -> str:
    """Describe a value with its type, to explain a type-only mismatch: 1 (a numpy int64)."""
    if isinstance(value, (bool, np.bool_)):
        return f"{show(value)} (a boolean)"
    if isinstance(value, np.generic):
        return f"{show(value)} (a numpy {type(value).__name__})"
    if isinstance(value, Opaque):
        return show(value)
    return f"{show(value)} (a Python {type(value).__name__})"


def show_argument(value: Any) -> str:
    """Describe an argument the way a student would write it in a call."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            inner = ", ".join(show(x, 12) for x in value.ravel())
            if value.ndim == 1:
                return f"np.array([{inner}])"
            return f"np.array({value.tolist()!r})"
        return f"np.array(<{value.size} values, shape {value.shape}>)"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (list, tuple)) and len(value) <= 8:
        inner = ", ".join(show_argument(x) for x in value)
        return (
            f"[{inner}]"
            if isinstance(value, list)
            else f"({inner}{',' if len(value) == 1 else ''})"
        )
    return show(value)


def show_call(function: str, args: tuple, kwargs: dict) -> str:
    """Write a call as the student would: sigmoid(-1.0)."""
    parts = [show_argument(arg) for arg in args]
    parts += [f"{key}={show_argument(value)}" for key, value in kwargs.items()]
    inner = ", ".join(parts)
    if len(inner) > 160:
        inner = inner[:157] + "..."
    return f"{function}({inner})"

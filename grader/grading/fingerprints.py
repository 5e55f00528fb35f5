"""Fingerprints of what student code did: each call a check made and what came back.

A misconception is named only when a submission's fingerprint on its failing checks matches
the fingerprint of the known-wrong file, graded the same way: the same calls, the same kind of
outcome, and returned values that agree within the exercise's tolerance. Two different bugs
that happen to fail the same checks are then told apart by what they actually returned.
Everything here is computed in the trusted process from decoded plain data.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

from grader.sandbox.outcomes import Crashed, Opaque, Outcome, Raised, Returned, TimedOut

_RELATIVE = 1e-9


class Observation:
    """One call a check made (as a stable key) and what came back.

    The key, the function's name and a digest of the arguments, is worked out when first asked
    for: only a diagnosis compares keys, only of failed checks, and most checks pass. Like the
    returned value, the arguments are read as they are then (a check runs to its end first).
    """

    __slots__ = ("_call", "_made", "kind", "detail")

    def __init__(
        self, call: str | None, kind: str, detail: Any = None, made: tuple[str, Any] = ("", ())
    ) -> None:
        self._call = call  # None: made from `made`, (function, arguments), when first asked
        self._made = made
        self.kind = kind  # returned, raised, timed out, crashed, unavailable
        self.detail = detail  # the returned value, or the exception's type name

    @property
    def call(self) -> str:
        """Return the call as a stable key: the function's name and a digest of the arguments."""
        if self._call is None:
            function, arguments = self._made
            self._call, self._made = f"{function}:{_digest(arguments)}", ("", ())
        return self._call

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Observation):
            return NotImplemented
        return (self.call, self.kind, self.detail) == (other.call, other.kind, other.detail)

    __hash__ = None  # type: ignore[assignment]  # compared by value, like the dataclass it was

    def __repr__(self) -> str:
        return f"Observation({self.call!r}, {self.kind!r}, {self.detail!r})"


def observe(function: str, args: tuple, kwargs: dict, outcome: Outcome) -> Observation:
    """Record a call and its outcome (the call's key is worked out only if asked for)."""
    made = (function, (args, sorted(kwargs.items())))
    if isinstance(outcome, Returned):
        return Observation(None, "returned", outcome.value, made)
    if isinstance(outcome, Raised):
        return Observation(None, "raised", outcome.type_name, made)
    if isinstance(outcome, TimedOut):
        return Observation(None, "timed out", made=made)
    if isinstance(outcome, Crashed):
        return Observation(None, "crashed", made=made)
    return Observation(None, "unavailable", made=made)


def alike(ours: tuple[Observation, ...], theirs: tuple[Observation, ...], tol: float) -> bool:
    """Return whether two checks' observations agree: same calls, same outcomes, close values."""
    return len(ours) == len(theirs) and all(
        a.call == b.call and a.kind == b.kind and _same_value(a.detail, b.detail, tol)
        for a, b in zip(ours, theirs, strict=True)
    )


def _same_value(a: Any, b: Any, tol: float) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return _number(a) is not None and _number(a) == _number(b)
        if a.shape != b.shape:
            return False
        if a.dtype.kind in "iuf" and b.dtype.kind in "iuf":
            return bool(
                np.allclose(
                    a.astype(np.float64),
                    b.astype(np.float64),
                    rtol=_RELATIVE,
                    atol=tol,
                    equal_nan=True,
                )
            )
        return a.dtype == b.dtype and bool(np.array_equal(a, b))
    x, y = _number(a), _number(b)
    if x is not None or y is not None:
        if x is None or y is None:
            return False
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return math.isclose(x, y, rel_tol=_RELATIVE, abs_tol=tol)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(_same_value(p, q, tol) for p, q in zip(a, b, strict=True))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k], tol) for k in a)
    if isinstance(a, Opaque) and isinstance(b, Opaque):
        return a.type_name == b.type_name
    return type(a) is type(b) and a == b


def _number(value: Any) -> float | None:
    """Return a real, non-boolean scalar as a float (huge integers saturate), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, (int, np.integer)):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, (float, np.floating)):
        return float(value)
    return None


def _digest(value: Any) -> str:
    parts: list[bytes] = []
    _feed(parts, value)
    return hashlib.sha256(b"".join(parts)).hexdigest()[:16]  # as if fed part by part


def _feed(parts: list[bytes], value: Any) -> None:
    if isinstance(value, np.ndarray):
        parts.append(f"nd{value.dtype.str}{value.shape}".encode())
        parts.append(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        parts.append(f"{type(value).__name__}{len(value)}[".encode())
        for item in value:
            _feed(parts, item)
        parts.append(b"]")
    elif isinstance(value, dict):
        _feed(parts, sorted(value.items(), key=repr))
    else:
        parts.append(f"{type(value).__name__}:{value!r};".encode())

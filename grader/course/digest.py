"""Quiz answers as salted digests of a canonical form: obfuscation, not secrecy.

A numeric answer is rounded to the quiz's tolerance (a power of ten, e.g. 0.001 keeps three
decimals) as floor(x * 10**d + 0.5), written "<integer>e-<d>"; a choice is its lower-case key.
The digest is SHA-256 of "<salt>:<quiz id>:<canonical>". The site's JavaScript does the same.
Anyone who can run the grader can try every plausible answer, so this only keeps answers from
being read at a glance; it is not a secret.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from decimal import Decimal, InvalidOperation

from grader.course.problems import visible

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def decimals_for(tolerance: float) -> int:
    """Return d such that tolerance == 10**-d, or raise ValueError."""
    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and tolerance > 0):
        raise ValueError("tolerance must be a positive power of ten such as 0.01")
    d = -math.log10(tolerance)
    rounded = round(d)
    if abs(d - rounded) > 1e-9 or not 0 <= rounded <= 12:
        raise ValueError("tolerance must be a power of ten between 1 and 1e-12, such as 0.01")
    return rounded


def canonical_number(value: float, tolerance: float) -> str:
    """Return the canonical text of a numeric answer at this tolerance."""
    d = decimals_for(tolerance)
    scaled = value * (10.0**d) + 0.5
    if not math.isfinite(scaled):
        raise ValueError(f"{value:g} is far too large to be the answer; check the exponent")
    return f"{math.floor(scaled)}e-{d}"


def parse_number(value: object) -> float:
    """Return `value` as a finite float, or raise ValueError with a student-facing fix."""
    if isinstance(value, bool):
        raise ValueError("write a number, not true/false")
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            raise ValueError(
                f"an integer with {len(str(abs(value)))} digits is far too large to be the answer"
            ) from None
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("write a finite number, not NaN or infinity")
        return value
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text):
            try:
                number = float(text)
            except (OverflowError, ValueError):  # pragma: no cover - float() saturates to inf
                number = math.inf
            if math.isfinite(number):
                return number
            raise ValueError(f"'{visible(text)[:40]}' is too large; write a finite number")
        raise ValueError(f"'{visible(text)[:40]}' is not a number; write it like 1.5 or 0.269")
    if isinstance(value, (list, dict)):
        raise ValueError("write one number, not a list or a mapping")
    raise ValueError("write a number")


def decimals_given(value: object) -> int | None:
    """Return how many decimal places a written number has (0.27 -> 2), or None if unknown."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, float):
        text = repr(value)
    else:
        return None
    try:
        exponent = Decimal(text).as_tuple().exponent
    except (InvalidOperation, ValueError):
        return None
    return max(0, -exponent) if isinstance(exponent, int) else None


def coarse_match(value: float, given_decimals: int, tolerance: float, matches) -> bool:
    """Return whether some answer at full precision rounds to `value` at `given_decimals`.

    `matches(canonical)` says whether a canonical answer is the right one. Only the canonical
    answers that round to the student's coarse value are tried, so a True reveals only that
    the answer rounds to what the student wrote.
    """
    d = decimals_for(tolerance)
    extra = d - given_decimals
    if extra <= 0 or extra > 4:
        return False
    coarse = math.floor(value * 10.0**given_decimals + 0.5)
    step = 10**extra
    low = coarse * step - step // 2  # the values that round half up to `coarse`
    return any(matches(f"{n}e-{d}") for n in range(low, low + step))


def canonical_choice(key: str) -> str:
    """Return the canonical text of a multiple-choice answer."""
    return key.strip().lower()


def digest(salt: str, quiz_id: str, canonical: str) -> str:
    """Return the salted SHA-256 hex digest of a canonical answer."""
    return hashlib.sha256(f"{salt}:{quiz_id}:{canonical}".encode()).hexdigest()


def new_salt() -> str:
    """Return a fresh random salt."""
    return secrets.token_hex(8)

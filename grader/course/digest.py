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
import secrets


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
    scaled = math.floor(value * (10.0**d) + 0.5)
    return f"{scaled}e-{d}"


def canonical_choice(key: str) -> str:
    """Return the canonical text of a multiple-choice answer."""
    return key.strip().lower()


def digest(salt: str, quiz_id: str, canonical: str) -> str:
    """Return the salted SHA-256 hex digest of a canonical answer."""
    return hashlib.sha256(f"{salt}:{quiz_id}:{canonical}".encode()).hexdigest()


def new_salt() -> str:
    """Return a fresh random salt."""
    return secrets.token_hex(8)

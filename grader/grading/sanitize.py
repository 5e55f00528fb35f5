"""Text safe to show a person: no terminal escapes, bidi controls or NUL (no numpy here)."""

from __future__ import annotations

import re

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?")
# Every character sanitize removes (ESC, which starts each escape sequence, among them).
CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_CONTROLS = re.compile(f"[{CONTROLS}]")


def sanitize(text: str) -> str:
    """Remove terminal escape sequences, bidi controls and NUL; keep newlines and tabs."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))

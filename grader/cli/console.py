"""Make standard output and error safe for every console before a command prints anything.

A Windows console, a redirected stream on Windows (the ANSI code page, often cp1252) or
`PYTHONIOENCODING=cp1252` cannot encode every character a report uses ('✓', '→', '≤', Greek
letters in titles). Printing one must never end in a UnicodeEncodeError, so each text stream
gets an error handler that writes a readable ASCII stand-in ('->', '<=', 'sigma') for what its
encoding lacks, and '?' for anything else; characters the encoding has are written unchanged.
"""

from __future__ import annotations

import codecs
import io
import sys
from typing import TextIO

from grader.reporters.terminal import forced_color

ERRORS = "grade-fallback"
FALLBACK = {
    "✓": "+",
    "✔": "+",
    "✗": "x",
    "✘": "x",
    "×": "x",
    "±": "+/-",
    "→": "->",
    "←": "<-",
    "⇒": "=>",
    "…": "...",
    "—": "--",
    "–": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "≈": "~",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "∞": "inf",
    "·": ".",
    "•": "*",
    "∈": "in",
    "∂": "d",
    "√": "sqrt",
    "Σ": "Sigma",
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "η": "eta",
    "θ": "theta",
    "λ": "lambda",
    "μ": "mu",
    "π": "pi",
    "σ": "sigma",
    "\N{VARIATION SELECTOR-16}": "",
}


def fallback(char: str) -> str:
    """Return a readable ASCII stand-in for one character ('?' when there is none)."""
    if char in FALLBACK:
        return FALLBACK[char]
    import unicodedata  # only when a console lacks a character: keep start-up fast

    plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
    return plain or "?"


def _handle(error: UnicodeError) -> tuple[str, int]:
    """Replace what an encoding cannot encode by ASCII stand-ins (a codecs error handler)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(fallback(char) for char in text), error.end


codecs.register_error(ERRORS, _handle)


def make_safe(stream: TextIO | None) -> None:
    """Let `stream` print any text: characters its encoding lacks become ASCII stand-ins."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None or getattr(stream, "errors", None) == ERRORS:
        return
    try:
        reconfigure(errors=ERRORS)
    except (ValueError, OSError, io.UnsupportedOperation):
        pass  # a closed or unusual stream: leave it as it is


def prepare_console() -> bool | None:
    """Make stdout and stderr safe; return click's `color` (True with FORCE_COLOR, else auto)."""
    make_safe(sys.stdout)
    make_safe(sys.stderr)
    return True if forced_color() else None

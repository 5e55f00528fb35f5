"""Decide how to draw for the terminal at hand: colour or not, and how wide."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import TextIO

MAX_WIDTH = 80  # reports never grow wider than this, even in a wide terminal
MIN_WIDTH = 40  # and never narrower, even in a tiny one


def is_terminal(stream: TextIO) -> bool:
    """Return whether `stream` is an interactive terminal."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def use_color(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Return whether to colour output: only on a terminal, never with NO_COLOR or TERM=dumb."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR", "") != "" or env.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def output_width(stream: TextIO) -> int:
    """Return the width to wrap to: the terminal's, between MIN_WIDTH and MAX_WIDTH; else 80."""
    if not is_terminal(stream):
        return MAX_WIDTH
    columns = shutil.get_terminal_size((MAX_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))

"""Decide how to draw for the terminal at hand: colour or not, and how wide.

Colour follows the conventions of no-color.org and force-color.org: never with NO_COLOR (or
TERM=dumb), always with FORCE_COLOR, otherwise only on a terminal. On Windows a terminal
draws colour only once virtual-terminal processing is on: Windows Terminal has it, the classic
console gets it through SetConsoleMode (Windows 10 and later); where that fails, no colour
and no screen clearing, rather than escape codes printed as text.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from typing import TextIO

MAX_WIDTH = 80  # reports never grow wider than this, even in a wide terminal
MIN_WIDTH = 40  # and never narrower, even in a tiny one
_VT_PROCESSING = 0x0004  # ENABLE_VIRTUAL_TERMINAL_PROCESSING


def is_terminal(stream: TextIO) -> bool:
    """Return whether `stream` is an interactive terminal."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _windows_vt(stream: TextIO) -> bool:
    """Turn on a Windows console's escape-code processing; return whether it is on."""
    if sys.platform != "win32":
        return True
    import ctypes
    import msvcrt
    from ctypes import wintypes

    try:
        handle = msvcrt.get_osfhandle(stream.fileno())
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        mode = wintypes.DWORD()
        if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
            return False  # not a console (e.g. a mintty pipe): no escape codes
        if mode.value & _VT_PROCESSING:
            return True
        return bool(kernel32.SetConsoleMode(handle, mode.value | _VT_PROCESSING))
    except (AttributeError, OSError, ValueError):
        return False


def draws_escapes(stream: TextIO) -> bool:
    """Return whether `stream` is a terminal that draws escape codes (colour, clearing)."""
    return is_terminal(stream) and (sys.platform != "win32" or _windows_vt(stream))


def forced_color(env: Mapping[str, str] | None = None) -> bool:
    """Return whether FORCE_COLOR asks for colour whatever the output is (NO_COLOR wins)."""
    env = os.environ if env is None else env
    return env.get("FORCE_COLOR", "") != "" and env.get("NO_COLOR", "") == ""


def use_color(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Return whether to colour output: NO_COLOR or TERM=dumb never, FORCE_COLOR always,
    otherwise on a terminal that draws escape codes."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR", "") != "":
        return False
    if forced_color(env):
        if sys.platform == "win32" and is_terminal(stream):
            _windows_vt(stream)
        return True
    if env.get("TERM") == "dumb":
        return False
    return draws_escapes(stream)


def output_width(stream: TextIO) -> int:
    """Return the width to wrap to: the terminal's, between MIN_WIDTH and MAX_WIDTH; else 80."""
    if not is_terminal(stream):
        return MAX_WIDTH
    columns = shutil.get_terminal_size((MAX_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))

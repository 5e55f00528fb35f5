"""The console helpers: ASCII stand-ins for what an encoding lacks, and when to colour."""

from __future__ import annotations

import io
import sys

import pytest

from grader.cli import console
from grader.reporters import terminal


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _stream(encoding: str, errors: str = "strict") -> tuple[io.BytesIO, io.TextIOWrapper]:
    raw = io.BytesIO()
    return raw, io.TextIOWrapper(raw, encoding=encoding, errors=errors)


def test_a_strict_cp1252_stream_prints_stand_ins_only_for_what_it_lacks() -> None:
    with pytest.raises(UnicodeEncodeError):
        "✓".encode("cp1252")
    raw, stream = _stream("cp1252")
    console.make_safe(stream)
    stream.write("✓ 1 ± 2 → σ(z) ≤ 3 … café — x × y, 漢\n")
    stream.flush()
    assert raw.getvalue().decode("cp1252") == "+ 1 ± 2 -> sigma(z) <= 3 … café — x × y, ?\n"


def test_an_ascii_stream_keeps_letters_readable() -> None:
    raw, stream = _stream("ascii")
    console.make_safe(stream)
    stream.write("café naïve ±→\n")
    stream.flush()
    assert raw.getvalue() == b"cafe naive +/-->\n"


def test_a_utf8_stream_is_unchanged() -> None:
    raw, stream = _stream("utf-8")
    console.make_safe(stream)
    stream.write("✓ σ\n")
    stream.flush()
    assert raw.getvalue().decode("utf-8") == "✓ σ\n"


def test_streams_without_reconfigure_are_left_alone() -> None:
    console.make_safe(io.StringIO())
    console.make_safe(None)


def test_the_handler_refuses_decoding_errors() -> None:
    with pytest.raises(UnicodeDecodeError):
        b"\xff".decode("utf-8", errors=console.ERRORS)


def test_force_color_colours_anything_unless_no_color() -> None:
    assert terminal.use_color(io.StringIO(), {"FORCE_COLOR": "1"}) is True
    assert terminal.use_color(io.StringIO(), {"FORCE_COLOR": "1", "TERM": "dumb"}) is True
    assert terminal.use_color(_Tty(), {"FORCE_COLOR": "1", "NO_COLOR": "1"}) is False
    assert terminal.use_color(io.StringIO(), {"FORCE_COLOR": ""}) is False
    assert terminal.use_color(_Tty(), {}) is True


def test_windows_colours_only_once_vt_processing_is_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    asked: list[object] = []
    monkeypatch.setattr(terminal, "_windows_vt", lambda stream: asked.append(stream) or False)
    tty = _Tty()
    assert terminal.use_color(tty, {}) is False, "an old console without VT mode: no colour"
    assert terminal.draws_escapes(tty) is False, "nor screen clearing in grade watch"
    assert asked == [tty, tty]
    monkeypatch.setattr(terminal, "_windows_vt", lambda stream: True)
    assert terminal.use_color(tty, {}) is True
    assert terminal.draws_escapes(io.StringIO()) is False, "a pipe is never a console"


def test_vt_processing_is_a_no_op_elsewhere_and_needs_a_console_on_windows() -> None:
    assert terminal._windows_vt(_Tty()) is (sys.platform != "win32")  # StringIO has no fileno

"""The format registry the CLI uses."""

from __future__ import annotations

from grader.reporters import FORMATS

from .samples import PARTIAL


def test_every_format_renders_a_report_to_text() -> None:
    assert set(FORMATS) == {"text", "json", "junit", "markdown", "gradescope", "classroom50"}
    for render in FORMATS.values():
        text = render(PARTIAL)
        assert isinstance(text, str) and text.endswith("\n")


def test_registered_text_has_no_colour() -> None:
    assert "\x1b" not in FORMATS["text"](PARTIAL)

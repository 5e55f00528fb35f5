"""Every format for every sample report, compared with the golden files."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from grader.reporters import FORMATS, REPORTERS, render_csv_rows, render_text

from .samples import SAMPLES


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("format_name", FORMATS)
def test_format_matches_golden(golden: Callable, format_name: str, sample: str) -> None:
    golden(f"{sample}.{REPORTERS[format_name].extension}", FORMATS[format_name](SAMPLES[sample]))


@pytest.mark.parametrize("sample", SAMPLES)
def test_colour_text_matches_golden(golden: Callable, sample: str) -> None:
    golden(f"{sample}.color.txt", render_text(SAMPLES[sample], color=True))


def test_class_csv_matches_golden(golden: Callable) -> None:
    reports = list(SAMPLES.values())
    golden("class.csv", render_csv_rows(reports, student_ids=list(SAMPLES)))


@pytest.mark.parametrize("format_name", FORMATS)
def test_renderers_are_deterministic(format_name: str) -> None:
    render = FORMATS[format_name]
    for report in SAMPLES.values():
        assert render(report) == render(report)

"""Turn a graded Report into text for people and tools: terminal, JSON, JUnit, Markdown,
Gradescope, Classroom 50.

Every renderer is a pure function of the Report. `REPORTERS` is the registry: each entry
names a format, its renderer, its golden-file extension and the `grade check` flag that
writes it (adding a format is one entry here plus a golden file in tests/reporters/golden).
`FORMATS` maps each name to its renderer; the class-wide CSV takes many reports and lives apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from grader.grading.results import Report
from grader.reporters.classroom50 import render_classroom50
from grader.reporters.csv_report import render_csv_rows
from grader.reporters.gradescope import render_gradescope
from grader.reporters.json_report import render_json
from grader.reporters.junit import render_junit
from grader.reporters.markdown import render_markdown
from grader.reporters.text import render_text

Renderer = Callable[[Report], str]


@dataclass(frozen=True)
class Reporter:
    """One report format: its renderer, file extension and the `grade check` flag writing it."""

    name: str
    render: Renderer
    extension: str
    help: str
    flag: bool = True  # whether `grade check --NAME FILE` writes it

    @property
    def option(self) -> str:
        """Return the command-line flag that writes this report, e.g. '--junit'."""
        return f"--{self.name}"


REPORTERS: dict[str, Reporter] = {
    reporter.name: reporter
    for reporter in [
        Reporter("text", partial(render_text, color=False), "txt", "the terminal report", False),
        Reporter("json", render_json, "json", "Also write a JSON report here."),
        Reporter("junit", render_junit, "xml", "Also write JUnit XML here."),
        Reporter("markdown", render_markdown, "md", "Also write a Markdown summary here."),
        Reporter(
            "gradescope",
            render_gradescope,
            "gradescope.json",
            "Also write Gradescope JSON here.",
        ),
        Reporter(
            "classroom50",
            render_classroom50,
            "classroom50.json",
            "Also write Classroom 50's result.json here.",
        ),
    ]
}

FORMATS: dict[str, Renderer] = {name: reporter.render for name, reporter in REPORTERS.items()}

__all__ = [
    "FORMATS",
    "REPORTERS",
    "Renderer",
    "Reporter",
    "render_classroom50",
    "render_csv_rows",
    "render_gradescope",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_text",
]

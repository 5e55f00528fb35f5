"""Turn a graded Report into text for people and tools: terminal, JSON, JUnit, Markdown,
Gradescope, Classroom 50.

Every renderer is a pure function of the Report. `FORMATS` maps a format name to a function
taking one Report and returning a str; the class-wide CSV takes many and lives apart.
"""

from __future__ import annotations

from collections.abc import Callable
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

FORMATS: dict[str, Renderer] = {
    "text": partial(render_text, color=False),
    "json": render_json,
    "junit": render_junit,
    "markdown": render_markdown,
    "gradescope": render_gradescope,
    "classroom50": render_classroom50,
}

__all__ = [
    "FORMATS",
    "Renderer",
    "render_classroom50",
    "render_csv_rows",
    "render_gradescope",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_text",
]

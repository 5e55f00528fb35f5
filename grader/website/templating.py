"""The one jinja2 Environment of the site, and where its templates and assets live."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from grader.course.problems import InputError, Problem


def site_dir() -> Path:
    """Return the folder holding templates/ and assets/ (packaged copy first, then the checkout)."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "_site", package.parent.parent / "site"):
        if (candidate / "templates" / "base.html").is_file():
            return candidate
    raise InputError(
        Problem(
            str(package.parent.parent / "site" / "templates"),
            None,
            None,
            "the site templates are missing; reinstall the grader or restore site/templates",
        )
    )


@cache
def environment() -> Environment:
    """Return the shared Environment; templates compile once per process."""
    return Environment(
        loader=FileSystemLoader(site_dir() / "templates"),
        autoescape=select_autoescape(("html", "svg", "xml"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def render(template: str, **context: object) -> str:
    """Render one template of the site with `context`."""
    return environment().get_template(template).render(**context)

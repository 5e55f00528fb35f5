"""CI configuration for a student's repository: GitHub Actions and GitLab CI that run `grade`.

The generated files install the grader from the course (a pinned git ref, as a pip
requirement in `GRADER_PACKAGE`), never from the student's repository, and run nothing of
the student's outside the grader's sandbox. See docs/ci.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata, resources

from grader import __version__

DIST_NAME = "neuron-grader"
WORKFLOW_PATH = ".github/workflows/grade.yml"
PLACEHOLDER_URL = "https://course.invalid/your-course/neurons-from-scratch.git"
DEFAULT_PASS_MARK = "100%"
URL_ENV = "GRADE_COURSE_URL"
REF_ENV = "GRADE_COURSE_REF"
TEMPLATES = {
    "github": "github-workflow.yml",
    "gitlab": "gitlab-ci.yml",
    "classroom50": "classroom50-workflow.yml",
}

_URL = re.compile(r"^(git\+)?(https|ssh|file)://[A-Za-z0-9._~:/%+@-]+$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+-]{0,99}$")
_PASS_MARK = re.compile(r"^\d+(\.\d+)?%?$")
_URL_LABELS = ("repository", "source", "source code", "homepage")


class CiError(ValueError):
    """Raise when a course URL, ref or pass mark cannot go into a CI file."""


@dataclass(frozen=True)
class GraderSource:
    """Where CI installs the grader from: the course's git repository at a pinned ref."""

    url: str
    ref: str

    @property
    def requirement(self) -> str:
        """Return the pip requirement, e.g. 'neuron-grader @ git+https://…/course.git@v1.0'."""
        return f"{DIST_NAME} @ git+{self.url}@{self.ref}"

    @property
    def is_placeholder(self) -> bool:
        """Return whether the URL is still the placeholder nobody can install from."""
        return ".invalid" in self.url


def grader_source(
    url: str | None = None, ref: str | None = None, env: Mapping[str, str] | None = None
) -> GraderSource:
    """Return the grader's source: given values, else $GRADE_COURSE_URL/_REF, else defaults.

    The default URL is the installed grader's "Repository" (or "Source", "Homepage") project
    URL, else a placeholder; the default ref is the tag of the installed version, v<version>.
    """
    env = os.environ if env is None else env
    url = url or env.get(URL_ENV) or _metadata_url() or PLACEHOLDER_URL
    ref = ref or env.get(REF_ENV) or f"v{__version__}"
    url = url.strip().removeprefix("git+").rstrip("/")
    ref = ref.strip()
    if not _URL.match(url) or "@" in url.split("://", 1)[1].split("/", 1)[-1]:
        raise CiError(
            f"course URL {url!r}: write the course repository as https://host/owner/repo.git"
            " (ssh:// and file:// work too; no spaces, quotes or @ in the path)"
        )
    if not _REF.match(ref) or ".." in ref:
        raise CiError(f"course ref {ref!r}: write a tag (v1.2.0), a branch or a commit hash")
    return GraderSource(url, ref)


def _metadata_url() -> str | None:
    try:
        entries = metadata.metadata(DIST_NAME).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    return next((urls[label] for label in _URL_LABELS if urls.get(label)), None)


def check_pass_mark(text: str) -> str:
    """Return the pass mark if it is points (40) or a percentage (80%); else raise CiError."""
    text = text.strip()
    if not _PASS_MARK.match(text) or (text.endswith("%") and float(text[:-1]) > 100):
        raise CiError(f"pass mark {text!r}: write points (e.g. 40) or a percentage (e.g. 80%)")
    return text


def pass_mark_points(text: str | None, max_score: int) -> float:
    """Return the points needed to pass: `text` as points or a percentage; default full marks."""
    if text is None:
        return float(max_score)
    text = check_pass_mark(text)
    if text.endswith("%"):
        return max_score * float(text[:-1]) / 100
    points = float(text)
    if points > max_score:
        raise CiError(f"pass mark {text}: there are only {max_score} points to earn here")
    return points


def render_ci(
    kind: str, source: GraderSource | None = None, pass_mark: str = DEFAULT_PASS_MARK
) -> str:
    """Return the CI file for `kind` (github, gitlab, classroom50) that grades with `source`."""
    source = source or grader_source()
    template = resources.files("grader").joinpath("templates", TEMPLATES[kind]).read_text("utf-8")
    values = {
        "GRADER_PACKAGE": source.requirement,
        "PASS_MARK": check_pass_mark(pass_mark),
        "GRADER_VERSION": __version__,
    }
    for name, value in values.items():
        template = template.replace(f"@@{name}@@", value)
    if "@@" in template:
        raise CiError(f"the {kind} template has an unknown placeholder")
    return template

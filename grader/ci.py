"""CI configuration for a student's repository: GitHub Actions and GitLab CI that run `grade`.

The generated files install the grader from the course (the published course package pinned
by SHA-256, or a pinned git ref, as a pip requirement in `GRADER_PACKAGE`), never from the
student's repository, and run nothing of the student's outside the grader's sandbox. See
docs/ci.md.
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
    """Where CI installs the grader from: a published course package pinned by its SHA-256
    (`grade package`), or the course's git repository at a pinned ref."""

    url: str
    ref: str
    wheel: str = ""
    sha256: str = ""

    @property
    def requirement(self) -> str:
        """Return the pip requirement, e.g. 'neuron-grader @ https://…/x.whl#sha256=…'."""
        if self.wheel:
            return f"{DIST_NAME} @ {self.wheel}#sha256={self.sha256}"
        return f"{DIST_NAME} @ git+{self.url}@{self.ref}"

    @property
    def is_placeholder(self) -> bool:
        """Return whether the URL is still the placeholder nobody can install from."""
        return not self.wheel and ".invalid" in self.url


_WHEEL = re.compile(r"^(https|file)://[A-Za-z0-9._~:/%+@=-]+\.whl$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def wheel_source(wheel: str, sha256: str | None) -> GraderSource:
    """Return a source that installs the published course package `wheel`, pinned by hash."""
    wheel, sha256 = wheel.strip(), (sha256 or "").strip().lower().removeprefix("sha256:")
    if not _WHEEL.match(wheel):
        raise CiError(
            f"grader wheel {wheel!r}: give the https:// URL of the .whl `grade package` built"
            " (a release asset or an index)"
        )
    if not _SHA256.match(sha256):
        raise CiError(
            "--grader-wheel needs --grader-sha256 HASH (64 hex digits, printed by"
            " `grade package`): CI installs exactly that file or nothing"
        )
    return GraderSource("", "", wheel, sha256)


def ci_file(
    kind: str,
    *,
    pass_mark: str = DEFAULT_PASS_MARK,
    course_url: str | None = None,
    course_ref: str | None = None,
    grader_wheel: str | None = None,
    grader_sha256: str | None = None,
) -> tuple[GraderSource, str]:
    """Return where the CI file installs the grader from, and the CI file for `kind`."""
    if grader_sha256 and not grader_wheel:
        raise CiError("--grader-sha256 pins a --grader-wheel URL; give both")
    if grader_wheel and (course_url or course_ref):
        raise CiError("give --grader-wheel or --course-url/--course-ref, not both")
    source = (
        wheel_source(grader_wheel, grader_sha256)
        if grader_wheel
        else grader_source(course_url, course_ref)
    )
    return source, render_ci(kind, source, pass_mark)


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

"""A Markdown summary for CI job pages (GitHub's $GITHUB_STEP_SUMMARY, GitLab, pull requests)."""

from __future__ import annotations

import re

from grader.grading.results import ItemResult, Report, Status
from grader.reporters.common import (
    advisory_lines,
    advisory_sentence,
    check_count_sentence,
    clean,
    diagnosis_sentence,
    fraction,
    headline,
    message_lines,
    next_steps,
    output_lines,
    provenance,
    sandbox_sentences,
    shown_frames,
)

STATUS_EMOJI = {
    Status.PASSED: "✅",
    Status.FAILED: "❌",
    Status.NOT_STARTED: "⚪",
    Status.ERROR: "💥",
    Status.TIMEOUT: "⏱️",
}
_SHOWS_FAILURE = {Status.FAILED, Status.ERROR, Status.TIMEOUT}

# Every character that can start Markdown or HTML syntax inline, as a numeric reference;
# references are never table delimiters, code spans or tags, and render as the character.
_INLINE = str.maketrans({char: f"&#{ord(char)};" for char in "\\`*_[]<>|~$!#&"})
_BACKTICKS = re.compile("`+")


def render_markdown(report: Report) -> str:
    """Render a CI summary: score, honest check count, a table, then each item's first failure."""
    lines = [f"## {inline(headline(report))}", "", inline(check_count_sentence(report)), ""]
    if advisory_sentence(report):
        lines += [inline(advisory_sentence(report)), ""]
    for note in report.notes:
        lines += [f"> **Note:** {inline(note)}", ""]
    lines += _table(report)
    for item in report.items:
        if item.status in _SHOWS_FAILURE:
            lines += _details(item)
        elif item.advisory and advisory_lines(item):
            lines += [f"### {inline(item.title)} ({inline(item.id)}): advice", ""]
            lines += [f"- {inline(line)}" for line in advisory_lines(item)] + [""]
            if item.diagnosis is not None:
                lines += [inline(diagnosis_sentence(item.diagnosis)), ""]
    for step in next_steps(report):
        lines += [inline(step), ""]
    lines += _provenance(report)
    return "\n".join(lines)


def inline(text: str) -> str:
    """Escape text for inline Markdown and table cells: one line, no markup, no HTML."""
    escaped = clean(text).strip().translate(_INLINE)
    return "<br>".join(line.strip() for line in escaped.splitlines())


def fenced(text: str, info: str = "text") -> list[str]:
    """Put text in a code fence longer than any backtick run inside it."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", *text.splitlines(), fence]


def _status(status: Status) -> str:
    return f"{STATUS_EMOJI[status]} {status}"


def _provenance(report: Report) -> list[str]:
    """Say what graded this and list the graded files as `sha256sum -c` reads them."""
    lines = [inline(provenance(report)), ""]
    lines += [line for sentence in sandbox_sentences(report) for line in (inline(sentence), "")]
    hashed = [f"{file.sha256}  {clean(file.name)}" for file in report.files if file.sha256]
    if hashed:
        lines += ["SHA-256 of each graded file:", "", *fenced("\n".join(hashed)), ""]
    missing = [inline(file.name) for file in report.files if not file.sha256]
    if missing:
        lines += [f"Not found or not readable: {', '.join(missing)}", ""]
    return lines


def _table(report: Report) -> list[str]:
    lines = ["| Item | Status | Score |", "| --- | --- | ---: |"]
    for item in report.items:
        name = f"{inline(item.title)} ({inline(item.id)})"
        score = fraction(item.score, item.max_score)
        lines.append(f"| {name} | {_status(item.status)} | {score} |")
    return [*lines, ""]


def _details(item: ItemResult) -> list[str]:
    test = item.first_failure
    score = fraction(item.score, item.max_score)
    lines = [
        f"### {STATUS_EMOJI[item.status]} {inline(item.title)} ({inline(item.id)}): {score}",
        "",
    ]
    if test is None:
        return lines
    hidden = " (hidden check)" if test.visibility == "hidden" else ""
    hidden += " (advisory, not scored)" if test.advisory else ""
    lines += [f"**First check not passed:** {inline(test.name or test.test)}{hidden}", ""]
    lines += [*fenced("\n".join(message_lines(test))), ""]
    frames = shown_frames(test)
    if frames:
        lines += ["**In your code:**", "", *fenced("\n".join(frames)), ""]
    output = output_lines(test.output)
    if output:
        lines += ["**Your code printed:**", "", *fenced("\n".join(output)), ""]
    if item.diagnosis is not None:
        lines += [inline(diagnosis_sentence(item.diagnosis)), ""]
    return lines

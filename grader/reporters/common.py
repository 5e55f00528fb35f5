"""What every reporter shares: clean text, the honest check count, failure details, next steps."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from grader.grading.results import (
    CheckResult,
    Confinement,
    Diagnosis,
    ItemResult,
    Report,
    Status,
)
from grader.grading.sanitize import CONTROLS, sanitize
from grader.sandbox.outcomes import Frame

OUTPUT_LINES = 6  # captured output shown per check, in lines
OUTPUT_LINE_CHARS = 200  # and in characters per line
FRAMES_SHOWN = 3  # the student's innermost frames shown per check

_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_SEPARATOR = re.compile("[\u2028\u2029]")
# Every character `clean` changes or starts removing at: text without any is returned as it
# is, with one search instead of four substitutions.
_TOUCHED = re.compile(f"[{CONTROLS}\u2028\u2029\ud800-\udfff]")


def clean(text: str) -> str:
    """Strip terminal escapes, bidi controls, NUL and lone surrogates; keep newlines and tabs."""
    if _TOUCHED.search(text) is None:
        return text
    text = _LINE_SEPARATOR.sub("\n", sanitize(text))
    return _SURROGATE.sub("\ufffd", text)


def plural(count: int, word: str) -> str:
    """Write `count word`, adding an s to the word when count is not 1."""
    return f"{count} {word if count == 1 else word + 's'}"


def fraction(score: int, max_score: int) -> str:
    """Write a score as 3/5."""
    return f"{score}/{max_score}"


def headline(report: Report) -> str:
    """Name the course and give the total: 'Neurons from Scratch: 7 / 16 points'."""
    return f"{clean(report.course_title)}: {report.score} / {plural(report.max_score, 'point')}"


def provenance(report: Report) -> str:
    """Say what graded this: 'Graded by grader 0.1.0, course version 2026.11.'"""
    course = clean(report.course_version) or "unversioned"
    return f"Graded by grader {clean(report.grader_version)}, course version {course}."


def sandbox_sentences(report: Report) -> list[str]:
    """Say how contained the student's code was (one line of at most 80 characters, if known)."""
    return [_sandbox_sentence(report.sandbox)] if report.sandbox else []


def _sandbox_sentence(sandbox: Confinement) -> str:
    if sandbox.confined:
        return f"Sandbox: confined by the kernel ({clean(sandbox.backend)} backend)."
    return "Sandbox: unconfined on this system: feedback, not a grade \u2014 see docs/security.md"


def check_count_sentence(report: Report) -> str:
    """Say how many checks passed without hiding the hidden ones."""
    total, passed, hidden = report.check_count, report.passed_count, report.hidden_count
    if total == 0:
        return "No checks were run."
    if passed == total:
        if hidden:
            ones = "one" if hidden == 1 else "ones"
            sentence = f"Full marks: every check passed, including {hidden} hidden {ones}."
        else:
            sentence = "Full marks: every check passed."
        return sentence
    sentence = f"{passed} of {plural(total, 'check')} passed"
    if hidden:
        are = "is a hidden check" if hidden == 1 else "are hidden checks"
        sentence += f"; {hidden} of the {total} {are}"
    return sentence + "."


def advisory_sentence(report: Report) -> str:
    """Count the advisory checks apart: 'Advice (not scored, 0 points): 1 of 2 followed.'"""
    ran = [
        test
        for item in report.items
        for test in item.advisory
        if test.status is not Status.NOT_STARTED
    ]
    if not ran:
        return ""
    return (
        f"Advice (not scored, 0 points): {report.advisory_passed} of"
        f" {report.advisory_count} followed."
    )


def advisory_lines(item: ItemResult) -> list[str]:
    """Describe the item's advisory checks that did not pass, each marked as not scored."""
    return [
        f"Advice (not scored, 0 points): {clean(test.name or test.test)}: "
        + " ".join(message_lines(test))
        for test in item.advisory
        if test.status not in (Status.PASSED, Status.NOT_STARTED)
    ]


def status_counts(tests: Iterable[CheckResult]) -> Counter[Status]:
    """Count checks by status."""
    return Counter(test.status for test in tests)


def check_title(item: ItemResult, test: CheckResult) -> str:
    """Name a check for a list of all checks: 'The sigmoid function: sigmoid(0) is ...'."""
    name = clean(test.name or test.test)
    title = clean(item.title)
    return title if name == title else f"{title}: {name}"


def unique_names(item: ItemResult) -> list[str]:
    """Return each check's student-facing name, made unique within the item by its id."""
    names = [clean(test.name) or test.test for test in item.tests]
    seen = Counter(names)
    return [
        f"{name} [{test.test}]" if seen[name] > 1 else name
        for name, test in zip(names, item.tests, strict=True)
    ]


def scored_checks(item: ItemResult) -> tuple[CheckResult, ...]:
    """Return the item's checks, or one standing for the item when it has none."""
    if item.tests:
        return item.tests
    return (CheckResult(item.id, item.title, item.status, item.score, item.max_score, "visible"),)


def frame_text(frame: Frame) -> str:
    """Write one of the student's frames as 'sigmoid.py:3  return 1 / (1 + exp(x))'."""
    return f"{clean(frame.file)}:{frame.line}  {clean(frame.code).strip()}".rstrip()


def shown_frames(test: CheckResult) -> list[str]:
    """Return the student's innermost frames of a check, written as text."""
    return [frame_text(frame) for frame in test.frames[-FRAMES_SHOWN:]]


def output_lines(output: str, limit: int = OUTPUT_LINES) -> list[str]:
    """Return the first `limit` lines of captured output, saying how many more there were."""
    lines = clean(output).expandtabs(4).rstrip().splitlines()
    shown = [cut(line.rstrip(), OUTPUT_LINE_CHARS) for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"… ({plural(len(lines) - limit, 'more line')})")
    return shown


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def paint(text: str, code: str) -> str:
    """Wrap `text` in an ANSI colour code."""
    return f"\x1b[{code}m{text}\x1b[0m"


def plain(text: str, code: str) -> str:
    """Return `text` unchanged: the colourless twin of `paint`."""
    return text


def message_lines(test: CheckResult) -> list[str]:
    """Return a check's message as lines, or its status when it has no message."""
    lines = [line.rstrip() for line in clean(test.message).strip().splitlines()]
    return [line for line in lines if line] or [str(test.status).capitalize() + "."]


def diagnosis_sentence(diagnosis: Diagnosis) -> str:
    """Name a known misconception and say what to do about it."""
    return f"Looks like: {clean(diagnosis.title)} — {clean(diagnosis.feedback).strip()}"


def failure_lines(item: ItemResult, test: CheckResult, *, with_output: bool = True) -> list[str]:
    """Describe a check that did not pass as plain text lines, with the item's diagnosis."""
    lines = message_lines(test)
    if test.advisory:
        lines[0] = f"Advice (not scored, 0 points): {lines[0]}"
    frames = shown_frames(test)
    if frames:
        lines += ["In your code:", *(f"  {frame}" for frame in frames)]
    output = output_lines(test.output) if with_output else []
    if output:
        lines += ["Your code printed:", *(f"  {line}" for line in output)]
    if item.diagnosis is not None and test is item.first_failure:
        lines.append(diagnosis_sentence(item.diagnosis))
    return lines


def next_item(report: Report) -> ItemResult | None:
    """Return the first exercise or quiz that has not passed."""
    return next((item for item in report.items if item.status is not Status.PASSED), None)


def missing_files(report: Report) -> set[str]:
    """Return the names of the graded files that were missing from the workspace."""
    return {graded.name for graded in report.files if graded.sha256 is None and not graded.size}


def status_label(item: ItemResult, report: Report) -> str:
    """Return the status a person reads: "missing" for an unstarted item whose file is gone."""
    if item.status is Status.NOT_STARTED and item.file and item.file in missing_files(report):
        return "missing"
    return str(item.status)


def next_steps(report: Report) -> list[str]:
    """Suggest what to do next: the first item not passed, and the commands for it."""
    item = next_item(report)
    if item is None and report.ungraded:
        return [
            f"Nothing left to do in this selection: {plural(len(report.items), 'item')} graded,"
            f" all passed. {plural(report.ungraded, 'other item')} of the course"
            " {verb} not graded; run `grade` to grade everything.".format(
                verb="was" if report.ungraded == 1 else "were"
            )
        ]
    if item is None:
        return ["Nothing left to do: every exercise and quiz is complete."]
    item_id = clean(item.id)
    where = f" in {clean(item.file)}" if item.file else ""
    if item.file and item.file in missing_files(report):
        return [
            f"Next: {clean(item.file)} is missing; restore its starter file with:"
            " grade init . --keep-existing",
            f"Then run: grade check {item_id}",
        ]
    verb = "fix"
    if item.status is Status.NOT_STARTED:
        verb = "start" if item.kind == "code" else "answer"
    return [
        f"Next: {verb} {item_id}{where}, then run: grade check {item_id}",
        f"Stuck? Run: grade hint {item_id}",
    ]

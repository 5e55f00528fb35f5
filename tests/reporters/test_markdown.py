"""The CI summary in Markdown: a sound table, and no way for student text to break out."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from grader.reporters.markdown import fenced, inline, render_markdown

from .samples import HOSTILE, PARTIAL, SAMPLES

FENCE = re.compile(r"(`{3,})(\w*)")


def _split(text: str) -> tuple[list[str], list[list[str]]]:
    """Return the lines outside code fences and the contents of each fence, as CommonMark would."""
    outside: list[str] = []
    blocks: list[list[str]] = []
    fence = ""
    for line in text.splitlines():
        if fence:
            if re.fullmatch(f"{fence}`*\\s*", line):
                fence = ""
            else:
                blocks[-1].append(line)
        elif match := FENCE.fullmatch(line):
            fence = match.group(1)
            blocks.append([])
        else:
            outside.append(line)
    assert not fence, "a code fence was left open"
    return outside, blocks


@pytest.mark.parametrize("sample", SAMPLES)
def test_every_table_row_has_three_cells(sample: str) -> None:
    outside, _ = _split(render_markdown(SAMPLES[sample]))
    rows = [line for line in outside if line.startswith("|")]
    assert len(rows) == 2 + len(SAMPLES[sample].items)
    for row in rows:
        assert row.endswith(" |")
        assert row.count("|") == 4, row


def test_title_count_and_statuses() -> None:
    text = render_markdown(PARTIAL)
    assert text.startswith("## Neurons from Scratch: 4 / 16 points\n\n")
    assert "4 of 15 checks passed; 5 of the 15 are hidden checks." in text
    assert "| The sigmoid function (sigmoid) | ❌ failed | 1/5 |" in text
    assert "⚪ not started" in text and "💥 error" in text and "⏱️ timed out" in text
    complete = render_markdown(SAMPLES["complete"])
    assert "including 5 hidden ones" in complete and "all tests passed" not in complete.lower()


def test_details_for_each_failing_item_only() -> None:
    outside, blocks = _split(render_markdown(PARTIAL))
    headings = [line for line in outside if line.startswith("### ")]
    assert [h.split("(")[-1].split(")")[0] for h in headings] == [
        "relu&#95;output",
        "sigmoid",
        "and&#95;gate",
        "dense&#95;layer",
    ]
    assert any("Looks like: sigmoid uses exp(x) instead of exp(-x)" in line for line in outside)
    frames = next(block for block in blocks if block[0].startswith("dense_layer.py:12"))
    assert frames[0] == "dense_layer.py:12  return activate(weights @ inputs + bias)"


@pytest.mark.parametrize("sample", SAMPLES)
def test_names_the_grader_the_course_and_every_graded_file(sample: str) -> None:
    report = SAMPLES[sample]
    outside, blocks = _split(render_markdown(report))
    assert f"Graded by grader {report.grader_version}, course version 2026.11." in outside
    hashed = [f"{file.sha256}  {file.name}" for file in report.files if file.sha256]
    assert blocks[-1] == hashed, "the last block is what `sha256sum -c` reads"
    missing = [file.name for file in report.files if not file.sha256]
    if missing:
        assert any(line.startswith("Not found or not readable: ") for line in outside)


@pytest.mark.parametrize("sample", SAMPLES)
def test_student_text_cannot_break_out(sample: str) -> None:
    outside, blocks = _split(render_markdown(SAMPLES[sample]))
    for line in outside:
        bare = line.replace("<br>", "")
        bare = bare[2:] if bare.startswith("> ") else bare
        assert not re.search(r"[<>`\\]", bare), line
        if not line.startswith("|"):
            assert "|" not in line, line
    hostile = "</failure>]]> | pipe | ``` fence ```` =cmd()"
    assert all(hostile not in line for line in outside)
    if sample == "partial":
        assert any(hostile in line for block in blocks for line in block)


def test_inline_escapes_and_joins_lines() -> None:
    assert inline("a|b`c<d>e\\f\ng") == "a&#124;b&#96;c&#60;d&#62;e&#92;f<br>g"
    assert inline("\x1b[31mred\x1b[0m \u202e") == "red"
    assert inline("[click](javascript:x) *bold* $x$") == (
        "&#91;click&#93;(javascript:x) &#42;bold&#42; &#36;x&#36;"
    )


@pytest.mark.parametrize("content", ["plain", "```", "a ```` b", "`" * 9, HOSTILE])
def test_a_fence_is_longer_than_any_backtick_run(content: str) -> None:
    lines = fenced(content)
    longest = max((len(run) for run in re.findall("`+", content)), default=0)
    assert lines[0] == "`" * max(3, longest + 1) + "text" and lines[-1] == lines[0][:-4]
    _, blocks = _split("\n".join(lines))
    assert blocks == [content.splitlines()]


def test_a_titles_pipes_do_not_add_cells() -> None:
    item = replace(PARTIAL.items[0], title="a | b || c", id="x|y")
    report = replace(PARTIAL, items=(item,))
    rows = [line for line in render_markdown(report).splitlines() if line.startswith("|")]
    assert all(row.count("|") == 4 for row in rows)

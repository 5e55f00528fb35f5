"""The terminal report: width, colour, honesty about hidden checks, and what a failure shows."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from grader.grading.results import Status
from grader.reporters.common import check_count_sentence
from grader.reporters.text import MIN_WIDTH, render_text

from .samples import EMPTY, NO_HIDDEN, PARTIAL, SAMPLES, STUB

GOLDEN = Path(__file__).parent / "golden"
OUR_COLOURS = re.compile(r"\x1b\[(?:0|1|2|31|32|33)m")
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _lines(text: str) -> list[str]:
    return OUR_COLOURS.sub("", text).splitlines()


@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("width", [MIN_WIDTH, 41, 50, 64, 80, 100, 132])
@pytest.mark.parametrize("sample", SAMPLES)
def test_no_line_is_wider_than_width(sample: str, width: int, color: bool) -> None:
    text = render_text(SAMPLES[sample], color=color, width=width)
    too_wide = [line for line in _lines(text) if len(line) > width]
    assert not too_wide


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.txt")), ids=lambda path: path.name)
def test_no_golden_line_is_wider_than_80(path: Path) -> None:
    assert max(map(len, _lines(path.read_text(encoding="utf-8")))) <= 80


def test_narrower_than_the_minimum_is_treated_as_the_minimum() -> None:
    assert render_text(PARTIAL, color=False, width=5) == render_text(
        PARTIAL, color=False, width=MIN_WIDTH
    )


@pytest.mark.parametrize("sample", SAMPLES)
def test_without_colour_there_are_no_escapes_or_controls(sample: str) -> None:
    text = render_text(SAMPLES[sample], color=False)
    assert not CONTROL.search(text)
    assert "\x1b" not in text


@pytest.mark.parametrize("sample", SAMPLES)
def test_with_colour_the_only_escapes_are_our_colours(sample: str) -> None:
    text = render_text(SAMPLES[sample], color=True)
    assert OUR_COLOURS.search(text)
    assert not CONTROL.search(OUR_COLOURS.sub("", text))


def test_statuses_get_their_colours() -> None:
    text = render_text(PARTIAL, color=True)
    for word, code in [
        ("passed", "32"),
        ("failed", "31"),
        ("not started", "2"),
        ("error", "33"),
        ("timed out", "33"),
    ]:
        assert f"\x1b[{code}m{word}\x1b[0m" in text


@pytest.mark.parametrize("sample", SAMPLES)
def test_never_claims_all_tests_passed(sample: str) -> None:
    for color in (False, True):
        text = render_text(SAMPLES[sample], color=color).lower()
        assert "all tests passed" not in text
        assert "all checks passed" not in text


def test_header_gives_the_honest_check_count() -> None:
    assert "4 of 15 checks passed; 5 of the 15 are hidden checks." in render_text(
        PARTIAL, color=False
    )
    assert "Score: 4 / 16 points" in render_text(PARTIAL, color=False)
    complete = render_text(SAMPLES["complete"], color=False)
    assert "Full marks: every check passed, including 5 hidden ones." in complete


def test_check_count_sentence_forms() -> None:
    assert check_count_sentence(NO_HIDDEN) == "Full marks: every check passed."
    assert check_count_sentence(EMPTY) == "No checks were run."
    assert check_count_sentence(STUB) == "0 of 15 checks passed; 5 of the 15 are hidden checks."


def test_every_item_has_one_row_in_order() -> None:
    lines = _lines(render_text(PARTIAL, color=False))
    rows = [line for line in lines if re.match(r"  \w", line) and line.split()[0] != "Item"]
    assert [row.split()[0] for row in rows] == [item.id for item in PARTIAL.items]


def test_not_started_items_take_one_line_each() -> None:
    lines = _lines(render_text(STUB, color=False))
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("Item"))
    table = lines[start + 1 : lines.index("", start)]
    assert len(table) == len(STUB.items)
    assert all(line.endswith("not started") for line in table)


def test_a_failed_item_shows_its_first_failing_check_and_diagnosis() -> None:
    text = " ".join(render_text(PARTIAL, color=False).split())
    assert "sigmoid(-1) matches the lesson's worked example:" in text
    assert "expected 0.269 (within 1e-06). Check the sign inside exp();" in text
    assert (
        "Looks like: sigmoid uses exp(x) instead of exp(-x) — Your sigmoid rises where it should"
        in text
    )
    assert "3 more checks did not pass." in text
    assert "sigmoid(0) is exactly one half" not in text  # passed checks are not listed


def test_a_hidden_failure_is_labelled_hidden() -> None:
    sigmoid = PARTIAL.items[2]
    only_hidden = replace(sigmoid, tests=sigmoid.tests[3:], diagnosis=None)
    report = replace(PARTIAL, items=(only_hidden,))
    assert "stays finite and silent at +-1000 (hidden check):" in render_text(report, color=False)


def test_an_error_shows_frames_and_trimmed_output_without_hostile_bytes() -> None:
    text = render_text(PARTIAL, color=False)
    assert "In your code:" in text
    assert "dense_layer.py:12  return activate(weights @ inputs + bias)" in text
    assert "Your code printed:" in text
    assert "… (34 more lines)" in text
    assert "checking weights, round 7" not in text
    assert "\u202e" not in text and "\x00" not in text and "\x07" not in text


def test_footer_suggests_the_first_item_not_passed() -> None:
    text = render_text(PARTIAL, color=False)
    assert "Next: fix relu_output in answers.yaml, then run: grade check relu_output" in text
    assert "Stuck? Run: grade hint relu_output" in text
    stub = render_text(STUB, color=False)
    assert "Next: start weighted_sum in weighted_sum.py" in stub
    complete = render_text(SAMPLES["complete"], color=False)
    assert "Nothing left to do" in complete and "grade check" not in complete


def test_notes_are_shown_cleaned() -> None:
    text = render_text(PARTIAL, color=False)
    assert "Note: answers.yaml:4: 'relu_outptu' is not a quiz id" in text


def test_an_empty_report_still_renders() -> None:
    text = render_text(EMPTY, color=False)
    assert "No exercises or quizzes were graded." in text
    assert "No checks were run." in text


def test_ids_and_titles_are_cut_on_narrow_terminals() -> None:
    lines = _lines(render_text(PARTIAL, color=False, width=MIN_WIDTH))
    rows = [line for line in lines if line.endswith(tuple(str(s) for s in Status))]
    assert rows and all(len(line) <= MIN_WIDTH for line in rows)
    assert any("…" in line for line in rows)


def test_a_problem_shared_by_many_items_is_told_once() -> None:

    from grader.grading.results import CheckResult, ItemResult, Report, Status
    from grader.reporters.text import render_text

    problem = "answers.yaml:3:1: tag '!!python/object' is not allowed; remove it."
    quizzes = tuple(
        ItemResult(
            id=f"quiz{i}",
            title=f"Quiz {i}",
            kind="numeric",
            lesson="l",
            status=Status.ERROR,
            score=0,
            max_score=1,
            file="answers.yaml",
            tests=(CheckResult("answer", f"Quiz {i}", Status.ERROR, 0, 1, "visible", problem),),
        )
        for i in range(3)
    )
    report = Report("Course", "1", "0.1.0", "ws", quizzes)
    text = render_text(report, color=False)
    assert text.count("is not allowed") == 1
    assert text.count("The same problem as quiz0.") == 2

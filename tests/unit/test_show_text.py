"""`grade show`'s Markdown-to-terminal text: math, emphasis, plot blocks."""

from __future__ import annotations

from grader.show import plain_text


def test_a_plot_block_becomes_a_sentence_not_a_raw_fence() -> None:
    text = "Look:\n\n```plot\nsigmoid sigmoid_weights\n```\n\nThen $z = 1$."
    out = plain_text(text)
    assert "```" not in out and "plot\n" not in out
    assert "(The course site draws a plot here: sigmoid and sigmoid_weights.)" in out
    assert out.endswith("Then z = 1.\n")


def test_math_and_emphasis_become_plain() -> None:
    assert plain_text("**Bold** and $\\frac{1}{2}$") == "Bold and 1/2\n"

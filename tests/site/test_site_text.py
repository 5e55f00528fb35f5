"""Lesson text: Markdown, build-time MathML with an allow-list, plots and highlighting."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import FIXTURE_COURSE

from grader.course.problems import InputError
from grader.website.mathml import (
    ALLOWED_COMMANDS,
    ALLOWED_ENVIRONMENTS,
    MathError,
    check_latex,
    to_mathml,
)
from grader.website.plots import PLOT_NAMES, activation_plots, plot
from grader.website.richtext import Rendering, TextRenderer
from grader.website.sources import Origin

MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup",
    "mfrac", "msqrt", "mroot", "munder", "mover", "munderover", "mtable", "mtr", "mtd",
    "mstyle", "mpadded", "mphantom", "menclose", "mmultiscripts", "mprescripts", "none",
}  # fmt: skip
NEEDS_ARGUMENTS = {
    "frac": "{a}{b}", "dfrac": "{a}{b}", "tfrac": "{a}{b}", "binom": "{n}{k}", "sqrt": "{x}",
    "overset": "{a}{b}", "underset": "{a}{b}", "stackrel": "{a}{=}", "operatorname": "{f}",
    "text": "{x}", "textbf": "{x}", "pmod": "{2}", "phantom": "{x}",
}  # fmt: skip
SKIP = {"left", "right", "middle", "begin", "end", "limits", "big", "Big", "bigg", "Bigg"}


@pytest.mark.parametrize("command", sorted(ALLOWED_COMMANDS - SKIP))
def test_every_allowed_command_renders_without_passing_through(command: str) -> None:
    argument = NEEDS_ARGUMENTS.get(command, "{x}" if command.startswith(("math", "bold")) else "")
    accents = {"hat", "bar", "tilde", "vec", "dot", "ddot", "widehat", "widetilde"}
    accents |= {"overline", "underline", "overbrace", "underbrace"}
    if command in accents:
        argument = "{x}"
    mathml = to_mathml(f"a \\{command}{argument} b", False)
    assert "\\" not in mathml


def test_delimiters_environments_and_limits_render() -> None:
    for latex in [
        r"\left( \frac{1}{2} \right)",
        r"\big( x \big)",
        r"\sum\limits_{i=1}^{n} w_i x_i",
        *(rf"\begin{{{env}}} a & b \\ c & d \end{{{env}}}" for env in ALLOWED_ENVIRONMENTS),
    ]:
        assert "\\" not in to_mathml(latex, True)


@pytest.mark.parametrize(
    ("latex", "says"),
    [
        (r"\foo", "unknown LaTeX command \\foo"),
        (r"\href{https://x.org}{y}", "unknown LaTeX command \\href"),
        (r"\color{red}{x}", "unknown LaTeX command \\color"),
        (r"\frac{1}{2", "never closed"),
        (r"x}", "has no '{'"),
        (r"\begin{align} x \end{align}", "unsupported environment 'align'"),
        ("x^", "^ or _ has nothing after it"),
        ("   ", "empty math"),
    ],
)
def test_bad_math_raises_a_clear_error(latex: str, says: str) -> None:
    with pytest.raises(MathError) as error:
        to_mathml(latex, False)
    assert says in error.value.message
    assert "; " in error.value.message


def test_mathml_output_uses_only_allowed_tags_and_attributes() -> None:
    latex = r"\sigma(z) = \frac{1}{1 + e^{-z}}, \sqrt[3]{x}, \mathbb{R}, \hat{y}, \sum_{i} x_i"
    root = ET.fromstring(to_mathml(latex, True))
    for element in root.iter():
        assert element.tag in MATHML_TAGS
        for name, value in element.attrib.items():
            assert not name.startswith("on") and name not in {"href", "style", "class", "xmlns"}
            assert re.fullmatch(r"[A-Za-z0-9 .%#+-]*", value)


def test_signs_after_an_opening_are_unary_and_names_are_upright() -> None:
    mathml = to_mathml(r"(-0.4) = \max(0, z)", False)
    assert '<mo form="prefix">−</mo>' in mathml
    assert '<mo lspace="0em" rspace="0em">max</mo>' in mathml


def test_text_in_math_is_escaped() -> None:
    assert "a&lt;b&amp;c" in to_mathml(r"\text{a<b&c}", False)


def test_check_latex_allows_escaped_symbols() -> None:
    check_latex(r"50\% \$ \{x\} \, \; \! \ a \\ b")


# -- Markdown ----------------------------------------------------------------------------------


def _render(text: str, folder: Path = FIXTURE_COURSE / "relu_demo") -> tuple[str, Rendering]:
    rendering = Rendering(folder, "media/relu_demo")
    origin = Origin(FIXTURE_COURSE / "relu_demo" / "exercise.yaml", ("text",))
    return TextRenderer().block(text, origin, rendering), rendering


def test_markdown_is_commonmark_without_raw_html() -> None:
    html, _ = _render("# Title\n\n*a* <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<h2>Title</h2>" in html  # headings shift below the page's h1
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_math_inline_display_and_escaped_dollars() -> None:
    html, _ = _render("Costs \\$5, $x^2$ and\n\n$$\\frac{a}{b}$$\n\n`$HOME` stays code.")
    assert "Costs $5" in html
    assert '<math display="inline">' in html
    assert '<span class="math-display"><math display="block">' in html
    assert "<code>$HOME</code>" in html


def test_lone_dollar_is_an_error_with_the_line() -> None:
    with pytest.raises(InputError) as error:
        _render("This costs $5 today.")
    assert "never closed" in str(error.value) and "write \\$ for a dollar sign" in str(error.value)


def test_python_fences_are_highlighted_with_classes() -> None:
    html, _ = _render("```python\nimport numpy as np\n```\n\n```\nplain <b>\n```")
    assert '<span class="kn">import</span>' in html
    assert "plain &lt;b&gt;" in html


def test_plot_fence_draws_named_plots() -> None:
    html, rendering = _render("```plot\nrelu step\n```")
    assert html.count('<svg class="plot"') == 2
    assert rendering.plots == ["relu", "step"]


def test_plots_are_deterministic_accessible_and_themable() -> None:
    for name in PLOT_NAMES:
        data = plot(name)
        assert data.description and data.title
        for path in data.paths:
            assert re.fullmatch(r"M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)*", path)
    html, _ = _render("```plot\nsigmoid\n```")
    assert 'role="img" aria-label="Sigmoid activation:' in html
    assert "<title>" in html and "<desc>" in html
    assert 'stroke="currentColor"' in html and "#" not in re.sub(r"&#\w+;", "", html)


def test_only_an_exercise_asking_for_an_activation_by_name_gets_its_plot() -> None:
    assert activation_plots(("neuron",)) == ()
    assert activation_plots(("relu", "step")) == ("relu", "step")
    assert activation_plots(("leaky_relu",)) == ()  # "Leaky ReLU" is not ReLU

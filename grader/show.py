"""`grade show ID`: an exercise's or quiz's lesson text and question, as plain terminal text.

The course text is Markdown with $...$ math; here it becomes wrapped plain text with the
math kept readable (\\frac{1}{1 + e^{-z}} reads 1/(1 + e^(-z)), \\sigma reads σ).
"""

from __future__ import annotations

import re
import textwrap

from grader.course.model import ChoiceQuiz, Course, Quiz
from grader.grading.engine import select

_SYMBOLS = {
    "times": "×",
    "cdot": "·",
    "sigma": "σ",
    "eta": "η",
    "infty": "∞",
    "sum": "Σ",
    "approx": "≈",
    "pm": "±",
    "le": "≤",
    "ge": "≥",
    "leq": "≤",
    "geq": "≥",
    "in": "∈",
    "tanh": "tanh",
    "max": "max",
    "min": "min",
    "exp": "exp",
    "log": "log",
    "quad": "  ",
    "qquad": "    ",
    "alpha": "α",
    "beta": "β",
    "theta": "θ",
    "lambda": "λ",
    "partial": "∂",
    "to": "→",
    "rightarrow": "→",
}
_GROUP = r"\{((?:[^{}]|\{[^{}]*\})*)\}"
_FRAC = re.compile(r"\\frac\s*" + _GROUP + r"\s*" + _GROUP)
_STYLED = re.compile(r"\\(?:mathbf|mathrm|text|operatorname|boldsymbol)\s*" + _GROUP)
_POWER = re.compile(r"([\^_])" + _GROUP)
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(.+?)\1")
_BULLET = re.compile(r"^\s*[-*] ", re.MULTILINE)
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_PLOT = re.compile(r"^([ \t]*)```plot[ \t]*\n\s*([^`]*?)\s*\n[ \t]*```[ \t]*$", re.MULTILINE)


def plain_math(tex: str) -> str:
    """Return TeX as readable plain text: fractions with a slash, symbols as Unicode."""
    for _ in range(4):  # nested fractions and styles
        tex = _STYLED.sub(r"\1", tex)
        tex = _FRAC.sub(lambda match: f"{_paren(match[1])}/{_paren(match[2])}", tex)
    tex = _POWER.sub(lambda match: match[1] + _paren(match[2]), tex)
    tex = _COMMAND.sub(lambda match: _SYMBOLS.get(match[1], match[1]), tex)
    tex = tex.replace("\\,", " ").replace("\\;", " ").replace("\\!", "").replace("\\\\", "; ")
    return " ".join(tex.replace("{", "").replace("}", "").split())


def _paren(text: str) -> str:
    text = text.strip()
    return text if re.fullmatch(r"[\w.\\]+", text) else f"({text})"


def plain_text(markdown: str, width: int = 80, indent: str = "") -> str:
    """Return Markdown with $math$ as wrapped plain text, paragraphs kept apart."""

    def math(match: re.Match[str]) -> str:
        display = match[1] is not None
        text = plain_math(match[1] if display else match[2])
        return f"\n\n{indent}    {text}\n\n" if display else text

    def plot(match: re.Match[str]) -> str:
        names = " and ".join(match[2].split())
        return f"{match[1]}(The course site draws a plot here: {names}.)"

    text = _MATH.sub(math, _PLOT.sub(plot, markdown))
    text = _LINK.sub(r"\1", _EMPHASIS.sub(r"\2", text))
    paragraphs = [part for part in re.split(r"\n\s*\n", text) if part.strip()]
    out = []
    for paragraph in paragraphs:
        if paragraph.startswith(indent + "    ") and "\n" not in paragraph.strip():
            out.append(paragraph.rstrip())  # a display formula: never re-wrapped
            continue
        if _BULLET.match(paragraph.strip()):
            for entry in _BULLET.split(paragraph.strip()):
                if entry.strip():
                    out += textwrap.wrap(
                        "- " + " ".join(entry.split()),
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent + "  ",
                    )
            out.append("")
            continue
        out += textwrap.wrap(
            " ".join(paragraph.split()), width, initial_indent=indent, subsequent_indent=indent
        )
        out.append("")
    return "\n".join(line for line in _squeeze(out)).strip("\n") + "\n"


def _squeeze(lines: list[str]) -> list[str]:
    """Put exactly one blank line between blocks."""
    result: list[str] = []
    for line in lines:
        if line == "" and (not result or result[-1] == ""):
            continue
        if result and result[-1] != "" and line.startswith("    ") and not line.startswith(" " * 6):
            result.append("")
        result.append(line)
        if line.startswith("    ") and "  " not in line[4:6]:
            result.append("")
    return result


def how_to_answer(quiz: Quiz) -> str:
    """Return how a quiz is answered in answers.yaml."""
    return quiz.answer_help.rstrip(".")


def render_item(course: Course, item_id: str, width: int = 80) -> str:
    """Return item `item_id`'s title, lesson, text and (for a quiz) choices and how to answer."""
    (item,) = select(course, [item_id])
    lessons = {lesson.id: lesson.title for lesson in course.lessons}
    lines = [f"{item.id}: {item.title}", f"Lesson: {lessons.get(item.lesson, item.lesson)}", ""]
    lines.append(plain_text(item.text, width).rstrip("\n"))
    if isinstance(item, Quiz):
        choices = item.choices if isinstance(item, ChoiceQuiz) else ()
        lines += [""] if choices else []
        for choice in choices:
            lines += textwrap.wrap(
                f"{choice.key}) {plain_text(choice.text, 10_000).strip()}",
                width,
                initial_indent="  ",
                subsequent_indent="     ",
            )
        how = f"Answer in answers.yaml, as `{item.id}: ...` ({how_to_answer(item)})."
    else:
        how = f"Write it in {item.file}; then run: grade check {item.id}"
    lines += ["", *textwrap.wrap(how, width)]
    return "\n".join(lines) + "\n"

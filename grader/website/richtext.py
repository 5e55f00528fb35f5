"""Render lesson Markdown (CommonMark) with $math$ as MathML, plots, and checked local images."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from grader.course.problems import InputError
from grader.website.highlight import python_html
from grader.website.mathml import MathError, to_mathml
from grader.website.plots import PLOT_NAMES, plots_html
from grader.website.sources import Origin, problem
from grader.website.templating import render

IMAGE_TYPES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"})
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


class TextError(ValueError):
    """Raise inside the Markdown rules; `needle` locates the problem in the source text."""

    def __init__(self, message: str, needle: str) -> None:
        super().__init__(message)
        self.message = message
        self.needle = needle


@dataclass
class Rendering:
    """What one render call needs to know and what it found (media to copy, plots drawn)."""

    folder: Path
    media_prefix: str
    media: dict[str, Path] = field(default_factory=dict)
    plots: list[str] = field(default_factory=list)


def _math_rule(state: StateInline, silent: bool) -> bool:
    """Parse $inline$ and $$display$$ math; every unescaped $ must open or close math."""
    src, start = state.src, state.pos
    if src[start] != "$":
        return False
    display = src.startswith("$$", start)
    opener = "$$" if display else "$"
    end = _closing(src, start + len(opener), opener)
    if end < 0:
        if silent:
            return False
        snippet = src[start : start + 24].split("\n")[0]
        raise TextError(
            f"'{opener}' opens math that is never closed (near {snippet!r}); close it with"
            f" {opener} in the same paragraph, or write \\$ for a dollar sign",
            snippet,
        )
    if not silent:
        token = state.push("math", "math", 0)
        token.content = src[start + len(opener) : end]
        token.markup = opener
        token.meta = {"display": display}
    state.pos = end + len(opener)
    return True


def _closing(src: str, position: int, opener: str) -> int:
    """Return where the unescaped closing `opener` is, or -1."""
    while True:
        end = src.find(opener, position)
        if end < 0:
            return -1
        backslashes = len(src[:end]) - len(src[:end].rstrip("\\"))
        if backslashes % 2 == 0 and (opener == "$$" or not src.startswith("$$", end)):
            return end
        position = end + (2 if src.startswith("$$", end) and opener == "$" else 1)


class TextRenderer:
    """Turn course Markdown into sanitized HTML; one instance serves a whole build."""

    def __init__(self) -> None:
        md = MarkdownIt("commonmark", {"html": False, "highlight": self._highlight})
        md.enable("table")
        md.inline.ruler.after("escape", "math", _math_rule)
        # Render rules are bound to the renderer, so pass plain functions that close over self.
        md.add_render_rule("math", lambda _renderer, *args: self._render_math(*args))
        md.add_render_rule("fence", lambda _renderer, *args: self._render_fence(*args))
        md.core.ruler.push("site_tokens", self._adjust_tokens)
        self._md = md
        self._fence_original = type(md.renderer).fence  # the stock fence rule

    # -- public -----------------------------------------------------------------------------

    def block(self, text: str, origin: Origin, rendering: Rendering) -> str:
        """Render `text` as block Markdown (paragraphs, lists, code, math)."""
        return self._run(self._md.render, text, origin, rendering)

    def inline(self, text: str, origin: Origin, rendering: Rendering) -> str:
        """Render `text` as one line of inline Markdown (no paragraph around it)."""
        return self._run(self._md.renderInline, text, origin, rendering)

    def _run(self, method: Any, text: str, origin: Origin, rendering: Rendering) -> str:
        try:
            return method(text, {"site": rendering})
        except (TextError, MathError) as error:
            raise InputError(problem(origin, error.message, error.needle)) from None

    # -- rules ------------------------------------------------------------------------------

    def _highlight(self, code: str, language: str, attributes: str) -> str:
        return python_html(code, language or "text")

    def _render_math(self, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
        token = tokens[idx]
        display = bool(token.meta.get("display"))
        mathml = to_mathml(token.content, display)
        return render("_math.html", mathml=mathml, display=display)

    def _render_fence(self, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
        token = tokens[idx]
        info = token.info.strip().split(maxsplit=1)
        if info and info[0] == "plot":
            names = token.content.split()
            for name in names:
                if name not in PLOT_NAMES:
                    raise TextError(
                        f"unknown plot '{name}'; a plot block lists some of"
                        f" {', '.join(PLOT_NAMES)}",
                        name,
                    )
            env["site"].plots.extend(names)
            return plots_html(tuple(names))
        return self._fence_original(self._md.renderer, tokens, idx, options, env)

    def _adjust_tokens(self, state: Any) -> None:
        rendering: Rendering = state.env["site"]
        for token in state.tokens:
            if token.type in ("heading_open", "heading_close"):
                level = min(int(token.tag[1]) + 1, 6)
                token.tag = f"h{level}"
            for child in token.children or ():
                if child.type == "image":
                    self._image(child, rendering)

    def _image(self, token: Token, rendering: Rendering) -> None:
        source = str(token.attrs.get("src", ""))
        alt = token.content.strip()
        if _SCHEME.match(source):
            raise TextError(
                f"image '{source}' is not a local file; the site must work offline, so copy"
                " the image into the exercise folder and link it by name",
                source,
            )
        relative = PurePosixPath(posixpath.normpath(source))
        path = (rendering.folder / relative).resolve()
        if relative.is_absolute() or ".." in relative.parts or not path.is_file():
            raise TextError(
                f"image '{source}' is not a file in {rendering.folder.name}/; put it there",
                source,
            )
        if path.suffix.lower() not in IMAGE_TYPES:
            raise TextError(
                f"image '{source}' must be one of {', '.join(sorted(IMAGE_TYPES))}", source
            )
        if not alt:
            raise TextError(
                f"image '{source}' has no text alternative; write ![what it shows]({source})",
                source,
            )
        target = f"{rendering.media_prefix}/{relative.as_posix()}"
        rendering.media[target] = path
        token.attrs["src"] = target

"""Syntax-highlight Python with pygments, as CSS classes (the stylesheet colours them)."""

from __future__ import annotations

from functools import lru_cache

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonConsoleLexer, PythonLexer

_FORMATTER = HtmlFormatter(nowrap=True)
_LEXERS = {
    "python": PythonLexer(),
    "py": PythonLexer(),
    "python3": PythonLexer(),
    "pycon": PythonConsoleLexer(),
}


@lru_cache(maxsize=1024)
def python_html(code: str, language: str = "python") -> str:
    """Return highlighted HTML spans for `code` (no wrapper); empty when the language is unknown."""
    language = language.lower()
    if language in ("python", "py", "python3") and code.lstrip().startswith(">>>"):
        language = "pycon"
    lexer = _LEXERS.get(language)
    if lexer is None:
        return ""
    return highlight(code, lexer, _FORMATTER)

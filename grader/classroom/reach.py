"""Tell whether a student file may reach another file of its submission (trusted, no running).

`grade batch` caches an exercise's result by its file's content alone, and reuses it for every
student who hands in the same bytes. That is only right when the file cannot read or import
another of the submission's files: `import step`, `open("step.py")`, `__import__(name)`,
`sys.modules`... A file whose code names another exercise's module, or uses anything that
can import or read by a name it builds, is cached only together with every other file.

Only code counts: comments, and string literals standing alone as statements (docstrings),
cannot run. Students write "step", "neuron" and "forward" in their comments all the time, and
counting those made most submissions uncacheable. Every other string still counts (a name in a
string can be imported through a function this list catches), f-strings included (their
braces run code), names are read as Python reads them (NFKC: `import ｓｔｅｐ` imports step),
and a file that cannot be tokenized counts every word, as before. This is a
list, not a proof: code that builds both the name and the way to import it out of characters
defeats it. What it protects is a cached result, reused only for the very same bytes of the
file; the sandbox's guarantees do not depend on it.
"""

from __future__ import annotations

import io
import re
import tokenize
import unicodedata
from importlib.util import decode_source

# Names that let one file reach another (an import by name, reading a file, running text).
REACHING = {
    "__import__",
    "importlib",
    "exec",
    "eval",
    "compile",
    "open",
    "runpy",
    "pkgutil",
    "imp",
    "sys",
    "os",
    "io",
    "pathlib",
    "builtins",
    "__builtins__",
    "globals",
    "vars",
    "locals",
    "fromfile",
    "loadtxt",
    "genfromtxt",
    "load",
    "memmap",
    "open_memmap",
    "fromregex",
    "DataSource",
    "npyio",
    # and what reaches the same by introspection or another library
    "help",
    "pydoc",
    "breakpoint",
    "getattr",
    "inspect",
    "ctypes",
    "subprocess",
    "shutil",
    "glob",
    "codecs",
    "linecache",
    "zipimport",
    "__loader__",
    "__spec__",
    "__subclasses__",
    "__globals__",
}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STATEMENT_START = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
_SKIPPED = {tokenize.NL, tokenize.COMMENT}
_F_PREFIX = re.compile(r"^[A-Za-z]*[fF]")


def reaches(data: bytes, module: str, modules: set[str]) -> bool:
    """Tell whether a file (of `module`) may reach another of `modules` or read files."""
    try:
        text = decode_source(data)  # as Python reads it: `# coding: utf-7` hides no word
    except (SyntaxError, LookupError, UnicodeDecodeError, ValueError):
        return _suspect(set(_WORD.findall(data.decode("latin-1"))), module, modules)
    if not _suspect(set(_WORD.findall(_nfkc(text))), module, modules):
        return False  # no such word anywhere, comments included: the cheap, common answer
    return _suspect(code_words(text), module, modules)


def _suspect(words: set[str], module: str, modules: set[str]) -> bool:
    return bool(words & (modules - {module})) or bool(words & REACHING)


def code_words(text: str) -> set[str]:
    """Return the words of a file's code: not its comments, nor strings standing alone."""
    try:
        tokens = [
            token
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type not in _SKIPPED
        ]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return set(_WORD.findall(_nfkc(text)))  # not Python that can be read: every word counts
    words: set[str] = set()
    index = 0
    while index < len(tokens):
        if tokens[index].type == tokenize.STRING and _alone(tokens, index):
            while tokens[index].type == tokenize.STRING:  # "a" "b": one literal
                index += 1
            continue
        words.update(_WORD.findall(_nfkc(tokens[index].string)))
        index += 1
    return words


def _nfkc(text: str) -> str:
    """Return text as Python reads its names: `import ｓｔｅｐ` imports step (PEP 3131)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _alone(tokens: list[tokenize.TokenInfo], index: int) -> bool:
    """Tell whether the string literal at `index` is a whole statement, and no f-string."""
    if index > 0 and tokens[index - 1].type not in _STATEMENT_START:  # else: the first
        return False
    end = index
    while tokens[end].type == tokenize.STRING:
        if _F_PREFIX.match(tokens[end].string):
            return False  # its braces are code
        end += 1
    return tokens[end].type in (tokenize.NEWLINE, tokenize.ENDMARKER)

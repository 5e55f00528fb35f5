"""Hints for a human, never verdicts: identical normalised code, and shared rare wrong answers.

Code is normalised by tokenizing it and keeping only the tokens that carry meaning: comments,
blank lines, indentation amounts, line breaks inside brackets and docstrings are dropped, so
re-spacing or re-commenting a copy does not hide it. Renamed variables do hide it; this is a
short list for an instructor to read, not a plagiarism detector.
"""

from __future__ import annotations

import hashlib
import io
import tokenize
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

from grader.sandbox.files import decode_source

_DROPPED = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}


def normalise(source: str) -> str | None:
    """Return the code's meaningful tokens joined by spaces, or None if it does not tokenize."""
    tokens: list[str] = []
    statement_start = True
    in_docstring = False
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = token.type
            if kind == tokenize.NEWLINE:
                if not in_docstring:
                    tokens.append(";")
                in_docstring = False
                statement_start = True
                continue
            if kind in (tokenize.INDENT, tokenize.DEDENT):
                tokens.append("{" if kind == tokenize.INDENT else "}")
                statement_start = True
                continue
            if kind in _DROPPED:
                continue
            if kind == tokenize.STRING and statement_start:
                in_docstring = True  # a docstring, or another bare string statement
                statement_start = False
                continue
            if in_docstring:  # the string was the start of an expression after all
                return _all_tokens(source)
            statement_start = False
            tokens.append(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return " ".join(tokens)


def _all_tokens(source: str) -> str | None:
    """Return every meaningful token, strings included (for code like `"a" + b` as a line)."""
    try:
        return " ".join(
            token.string
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type not in _DROPPED
        )
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


@dataclass(frozen=True)
class SameCode:
    """Two or more submissions whose file normalises to the same tokens."""

    file: str
    students: tuple[str, ...]
    tokens: int


@dataclass(frozen=True)
class SharedAnswers:
    """Two students who gave the same rare wrong answers."""

    students: tuple[str, str]
    answers: tuple[tuple[str, str], ...]  # (quiz id, the wrong answer)


CodeForm = tuple[str, int]  # SHA-256 of the normalised tokens, and how many tokens


def code_form(source: str) -> CodeForm | None:
    """Return the digest and size of the code's normal form, or None if it does not tokenize."""
    form = normalise(source)
    if form is None:
        return None
    return hashlib.sha256(form.encode()).hexdigest(), len(form.split())


def code_forms(files: Mapping[str, str | bytes]) -> dict[str, list]:
    """Return {file: [digest, tokens]} for each file that tokenizes (JSON-ready)."""
    forms: dict[str, list] = {}
    for name, text in sorted(files.items()):
        if isinstance(text, bytes):
            text = decode_source(text)  # as Python reads it: a BOM or coding line changes nothing
        found = code_form(text)
        if found is not None:
            forms[name] = list(found)
    return forms


def same_code(
    forms: Mapping[str, Mapping[str, CodeForm | list]],
    starters: Mapping[str, str] | None = None,
    min_tokens: int = 12,
) -> list[SameCode]:
    """Group students whose file (by name) has the same normal form; skip starter copies.

    `forms` maps student -> file name -> (digest, tokens), as `code_forms` gives. A file
    identical to its starter (an untouched stub) or shorter than `min_tokens` tokens is not
    a hint of anything.
    """
    starter_forms = {name: code_form(text) for name, text in (starters or {}).items()}
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    sizes: dict[tuple[str, str], int] = {}
    for student, by_name in forms.items():
        for name, (digest, size) in by_name.items():
            starter = starter_forms.get(name)
            if (starter is not None and starter[0] == digest) or size < min_tokens:
                continue
            groups[(name, digest)].append(student)
            sizes[(name, digest)] = size
    found = [
        SameCode(name, tuple(sorted(students)), sizes[(name, digest)])
        for (name, digest), students in groups.items()
        if len(students) > 1
    ]
    return sorted(found, key=lambda group: (group.file, -len(group.students), group.students))


def shared_rare_answers(
    wrong: Mapping[str, Mapping[str, str]], *, rare_share: float = 0.1, at_least: int = 2
) -> list[SharedAnswers]:
    """Pairs of students sharing `at_least` wrong answers that few others gave.

    `wrong` maps student -> quiz id -> wrong answer. An answer is rare when at most
    max(2, rare_share * class size) students gave it: the same common mistake says nothing.
    """
    givers: dict[tuple[str, str], list[str]] = defaultdict(list)
    for student, answers in wrong.items():
        for quiz, answer in answers.items():
            givers[(quiz, answer)].append(student)
    limit = max(2, int(rare_share * len(wrong)))
    shared: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key, students in givers.items():
        if 2 <= len(students) <= limit:
            for pair in combinations(sorted(students), 2):
                shared[pair].append(key)
    found = [
        SharedAnswers(pair, tuple(sorted(answers)))
        for pair, answers in shared.items()
        if len(answers) >= at_least
    ]
    return sorted(found, key=lambda item: (-len(item.answers), item.students))

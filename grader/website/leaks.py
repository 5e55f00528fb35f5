"""Scan a built site for reference solutions and plaintext quiz answers before it goes live."""

from __future__ import annotations

import html
import io
import json
import re
import tokenize
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from grader.course import safe_yaml
from grader.course.digest import canonical_number
from grader.course.model import ChoiceQuiz, Course, NumericQuiz, Quiz
from grader.course.problems import InputError, Problem, display_path
from grader.website.sources import Origin, problem

TEXT_SUFFIXES = frozenset(
    {".html", ".htm", ".js", ".css", ".svg", ".py", ".md", ".yaml", ".yml", ".txt", ".json"}
)
PAYLOAD_KEYS = frozenset({"id", "salt", "digest", "decimals", "choices"})
MIN_LINE_LENGTH = 21  # solution lines this long or longer are distinctive enough to look for
_TAG = re.compile(r"<[^>]*>")
_GENERIC_LINE = re.compile(
    r"^(?:import \S.*|from \S+ import .*|if __name__ == .__main__.:|[\"'(){}\[\],:;#\s]*)$"
)
PUBLIC_MARK = "site: public"
_KEYWORDS = r"answer|correct|solution|expected|reference"


@dataclass(frozen=True, order=True)
class Leak:
    """One thing in the output that gives away a solution or an answer."""

    file: str  # relative to the site folder; zip members as "downloads/x.zip:folder/name"
    message: str
    origin: Problem | None = None  # the course file and line the leaked text came from

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass(frozen=True)
class _Output:
    name: str
    raw: str  # the file's text, whitespace collapsed
    text: str  # what a reader sees: tags removed, entities decoded, whitespace collapsed
    is_html: bool
    source: str  # the file's text as written


def scan_for_leaks(out: Path, solutions: Path | None, course: Course) -> list[str]:
    """Return one message per leak found in the site at `out` (empty when it is clean)."""
    return [str(leak) for leak in find_leaks(out, solutions, course)]


def find_leaks(out: Path, solutions: Path | None, course: Course) -> list[Leak]:
    """Return every leak in the site at `out`: solution code, plain answers, extra quiz data."""
    outputs = list(_outputs(out))
    leaks: list[Leak] = []
    for output in outputs:
        if output.is_html:
            leaks += _page_leaks(output, course)
        if output.name.rsplit("/", 1)[-1] == "answers.yaml":
            leaks += _workspace_leaks(output)
    if solutions is not None and solutions.is_dir():
        leaks += _solution_leaks(outputs, solutions, course)
        leaks += _answer_leaks(outputs, solutions, course)
    return sorted(set(leaks))


def _normal(text: str) -> str:
    return " ".join(text.split())


def _outputs(out: Path) -> Iterator[_Output]:
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = path.relative_to(out).as_posix()
        if path.suffix.lower() == ".zip":
            yield from _zip_outputs(name, path.read_bytes())
        elif path.suffix.lower() in TEXT_SUFFIXES:
            yield _output(name, path.read_bytes())


def _zip_outputs(name: str, data: bytes) -> Iterator[_Output]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        yield _output(name, data)
        return
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if not info.is_dir():
                yield _output(f"{name}:{info.filename}", archive.read(info))


def _output(name: str, data: bytes) -> _Output:
    source = data.decode("utf-8", errors="replace")
    is_html = name.lower().endswith((".html", ".htm", ".svg"))
    text = _normal(html.unescape(_TAG.sub("", source))) if is_html else _normal(source)
    return _Output(name, _normal(source), text, is_html, source)


# -- quiz data and forms in pages ------------------------------------------------------------


class _PageParser(HTMLParser):
    """Collect JSON data blocks and pre-filled quiz inputs of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.payloads: list[str] = []
        self.prefilled: list[str] = []
        self._in_json = False
        self._buffer: list[str] = []
        self._quiz_depth = 0
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs}
        if tag == "script" and (values.get("type") or "").lower() in (
            "application/json",
            "application/ld+json",
            "text/json",
        ):
            self._in_json = True
            self._buffer = []
        if tag == "form":
            self._depth += 1
            if "data-quiz-id" in values and not self._quiz_depth:
                self._quiz_depth = self._depth
        if self._quiz_depth and tag in ("input", "textarea", "option"):
            kind = (values.get("type") or "text").lower()
            if "checked" in values or "selected" in values:
                self.prefilled.append(f"<{tag}> is pre-selected")
            elif tag == "input" and kind not in ("radio", "checkbox", "submit", "button"):
                if values.get("value"):
                    self.prefilled.append(f"<input> has value={values['value']!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_json:
            self._in_json = False
            self.payloads.append("".join(self._buffer))
        if tag == "form":
            if self._quiz_depth == self._depth:
                self._quiz_depth = 0
            self._depth = max(0, self._depth - 1)

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self._buffer.append(data)


def _page_leaks(output: _Output, course: Course) -> list[Leak]:
    lowered = output.source.lower()
    if "json" not in lowered and "data-quiz-id" not in lowered:
        return []  # no quiz form and no data block: nothing for the parser to check
    parser = _PageParser()
    parser.feed(output.source)
    parser.close()
    leaks = [
        Leak(output.name, f"a quiz form {what}; quiz forms must start empty")
        for what in parser.prefilled
    ]
    quizzes = {quiz.id: quiz for quiz in course.quizzes}
    for payload in parser.payloads:
        problem_text = _payload_problem(payload, quizzes)
        if problem_text:
            leaks.append(Leak(output.name, problem_text))
    return leaks


def _payload_problem(payload: str, quizzes: dict[str, Quiz]) -> str | None:
    try:
        data: Any = json.loads(payload)
    except ValueError:
        return "an inline data block is not valid JSON; pages may only carry quiz payloads"
    if not isinstance(data, dict) or set(data) != PAYLOAD_KEYS:
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        return (
            f"an inline data block has {keys}; quiz data may hold only"
            f" {', '.join(sorted(PAYLOAD_KEYS))}"
        )
    quiz = quizzes.get(data["id"]) if isinstance(data["id"], str) else None
    if quiz is None:
        return f"quiz data for unknown quiz {data['id']!r}"
    if data["salt"] != quiz.answer.salt or data["digest"] != quiz.answer.sha256:
        return f"quiz data for '{quiz.id}' does not carry exactly its salt and digest"
    decimals = data["decimals"]
    if not (decimals is None or (type(decimals) is int and 0 <= decimals <= 12)):
        return f"quiz data for '{quiz.id}' has decimals={decimals!r}; only 0-12 or null"
    choices = data["choices"]
    if not isinstance(choices, list) or sorted(choices) != sorted(quiz.site_payload()["choices"]):
        return f"quiz data for '{quiz.id}' must list exactly its choice keys"
    return None


def _workspace_leaks(output: _Output) -> list[Leak]:
    try:
        data = safe_yaml.load(output.source, output.name).data
    except InputError:
        return [Leak(output.name, "is not valid YAML; it must list every quiz id, empty")]
    if data is None:
        return []
    if not isinstance(data, dict):
        return [Leak(output.name, "must be a mapping of quiz id to an empty answer")]
    return [
        Leak(output.name, f"gives an answer for '{key}'; starter answers must be empty")
        for key, value in data.items()
        if value not in (None, "")
    ]


# -- reference solutions ---------------------------------------------------------------------


def _solution_leaks(outputs: list[_Output], solutions: Path, course: Course) -> list[Leak]:
    stub_lines: set[str] = set()
    for exercise in course.exercises:
        try:
            stub_lines |= {_normal(line) for line in exercise.stub.read_text("utf-8").splitlines()}
        except (OSError, UnicodeDecodeError):
            continue
    needles: dict[str, tuple[Path, int]] = {}
    for path in sorted(solutions.rglob("*.py")):
        for number, text in _code_lines(path):
            if len(text) < MIN_LINE_LENGTH or text in stub_lines or _GENERIC_LINE.match(text):
                continue
            needles.setdefault(text, (path, number))
    leaks = []
    for output in outputs:
        for needle, (path, number) in needles.items():
            if needle in output.raw or needle in output.text:
                leaks.append(
                    Leak(
                        output.name,
                        f"would show line {number} of the reference solution"
                        f" {display_path(path)} ({_quote(needle)}); remove it from the lesson"
                        f" text, hints or stub (or mark that solution line '{PUBLIC_MARK}')",
                        _origin_of(needle, course),
                    )
                )
    return leaks


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """Return (line number, normalized text) of a solution file, comments cut off.

    Lines marked with a `# site: public` comment are left out: they are shown on purpose.
    """
    try:
        source = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    lines = source.splitlines()
    cuts: dict[int, int] = {}
    public: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                row, column = token.start
                if PUBLIC_MARK in token.string:
                    public.add(row)
                if lines[row - 1][:column].strip():
                    cuts[row] = column
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return [
        (number, _normal(line[: cuts.get(number, len(line))]))
        for number, line in enumerate(lines, 1)
        if number not in public
    ]


def _origin_of(needle: str, course: Course) -> Problem | None:
    """Find the course input (lesson text, hint, choice or stub) that holds `needle`."""
    for item in course.items:
        fields: list[tuple[tuple[str | int, ...], str]] = [(("text",), item.text)]
        fields += [(("hints", n), hint) for n, hint in enumerate(item.hints)]
        if isinstance(item, ChoiceQuiz):
            fields += [(("choices", n, "text"), c.text) for n, c in enumerate(item.choices)]
        for key, value in fields:
            if needle in _normal(value):
                return problem(Origin(item.source, key), "", needle[:40])
    for exercise in course.exercises:
        try:
            lines = exercise.stub.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if needle in _normal(line):
                return Problem(display_path(exercise.stub), number, None, "")
    return None


def _quote(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


# -- plain quiz answers ----------------------------------------------------------------------


def _answer_leaks(outputs: list[_Output], solutions: Path, course: Course) -> list[Leak]:
    path = solutions / "answers.yaml"
    if not path.is_file():
        return []
    data = safe_yaml.load(path.read_bytes(), display_path(path)).data or {}
    if not isinstance(data, dict):
        raise InputError(
            Problem(display_path(path), 1, 1, "expected 'quiz_id: answer' lines; fix the file")
        )
    checks: list[tuple[Quiz, str | None, list[re.Pattern[str]]]] = []
    for quiz in course.quizzes:
        value = data.get(quiz.id)
        if value is not None and not isinstance(value, bool):
            canonical, patterns = _answer_patterns(quiz, value)
            checks.append((quiz, canonical, patterns))
    if not checks:
        return []
    ids = "|".join(re.escape(quiz.id) for quiz, _, _ in checks)
    keyword = re.compile(rf"(?i)\b(?:{_KEYWORDS}|{ids})")
    leaks = []
    for output in outputs:
        # Look only just after a keyword (answer, correct, a quiz id...): one scan per file.
        windows = "\x00".join(
            text[match.start() : match.start() + 120]
            for text in (output.raw, output.text)
            for match in keyword.finditer(text)
        )
        for quiz, canonical, patterns in checks:
            found = next((p for p in patterns if p.search(windows)), None)
            if found is None and canonical and (canonical in output.raw):
                found = re.compile(rf"(?<![\w.]){re.escape(canonical)}(?![\w.])")
                found = found if found.search(output.raw) else None
            if found is not None:
                leaks.append(
                    Leak(
                        output.name,
                        f"reveals the answer to quiz '{quiz.id}' in plain form"
                        f" (matched {found.pattern[:60]!r}); remove it",
                    )
                )
    return leaks


def _answer_patterns(quiz: Quiz, value: Any) -> tuple[str | None, list[re.Pattern[str]]]:
    """Return the answer's canonical text (numbers) and patterns that reveal it in context."""
    keyword = rf"(?:\b(?:{_KEYWORDS})\w*|\b{re.escape(quiz.id)})[\"']?"
    if isinstance(quiz, NumericQuiz):
        if not isinstance(value, (int, float)):
            return None, []
        canonical = canonical_number(float(value), quiz.tolerance)
        forms = {repr(float(value)), f"{float(value):.{quiz.decimals}f}", f"{float(value):g}"}
        if float(value).is_integer():
            forms.add(str(int(value)))
        number = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
        return canonical, [
            re.compile(
                rf"(?i){keyword}\s*(?:[:=]|=>|\bis\b|\bwas\b|\bequals\b)\s*[\"'(]?\s*"
                rf"(?<![\d.])(?:{number})(?![\d])"
            ),
        ]
    key = re.escape(str(value).strip().lower())
    return None, [
        re.compile(
            rf"(?i){keyword}\s*(?:[:=]|=>|\bis\b|\bwas\b)\s*"
            rf"(?:[\"']{key}[\"']|\({key}\)|{key}\s*[).:](?!\w))"
        ),
        re.compile(rf"(?i)\b{re.escape(quiz.id)}[\"']?\s*[:=]\s*[\"']?{key}(?!\w)"),
    ]

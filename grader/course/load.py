"""Load and validate the course under exercises/ into the frozen model, reporting every problem."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

from grader.course import safe_yaml
from grader.course.cache import cache_dir, cached
from grader.course.digest import decimals_for
from grader.course.model import (
    AnswerDigest,
    Check,
    Choice,
    ChoiceQuiz,
    CodeExercise,
    Course,
    Lesson,
    Misconception,
    NumericQuiz,
    Quiz,
)
from grader.course.problems import InputError, Problem, display_path
from grader.course.reader import Reader

COURSE_FILE = "course.yaml"
EXERCISE_FILE = "exercise.yaml"
_MODULE_FILE = re.compile(r"^[a-z][a-z0-9_]*\.py$")
_RESERVED_MODULES = set(sys.stdlib_module_names) | {"numpy", "pytest", "grader", "conftest"}

_COMMON_KEYS = {"id", "title", "lesson", "order", "kind", "text", "hints"}
_KEYS = {
    "code": _COMMON_KEYS
    | {"file", "stub", "tests", "functions", "checks", "misconceptions", "tolerance"},
    "numeric": _COMMON_KEYS | {"points", "answer", "tolerance", "unit"},
    "choice": _COMMON_KEYS | {"points", "answer", "choices"},
}
_CHECK_KEYS = {"test", "name", "points", "visibility", "hint", "advisory"}
_MISCONCEPTION_KEYS = {"id", "title", "feedback", "file", "fails"}


def default_root() -> Path:
    """Return the course folder shipped with the installed grader (or the source checkout's)."""
    package = Path(__file__).resolve().parents[1]  # grader/
    for candidate in (package / "_course", package.parent / "exercises"):
        if (candidate / COURSE_FILE).is_file():
            return candidate
    return package.parent / "exercises"


def load_course(root: Path | None = None, *, drafts: bool = False) -> Course:
    """Load the course at `root` (default: the installed one); raise InputError on problems.

    With `drafts`, a quiz may still lack its `answer:` block (`grade digest` makes it). An
    unchanged course comes from the user's cache (course/cache.py).
    """
    root = (root or default_root()).resolve()
    return cached(root, drafts, lambda: _load_course(root, drafts), cache_dir())


def _load_course(root: Path, drafts: bool) -> Course:
    """Load and validate the course at `root`, bypassing the cache."""
    problems: list[Problem] = []
    course_path = root / COURSE_FILE
    if not course_path.is_file():
        raise InputError(
            Problem(display_path(course_path), None, None, "course file missing; create it")
        )
    title, version, lessons = _load_course_file(course_path, problems)
    items: list[CodeExercise | Quiz] = []
    for folder in sorted(path for path in root.iterdir() if path.is_dir()):
        source = folder / EXERCISE_FILE
        if not source.is_file():
            if not folder.name.startswith((".", "_")):
                problems.append(
                    Problem(display_path(folder), None, None, f"no {EXERCISE_FILE}; add one")
                )
            continue
        item = _load_item(source, problems, drafts)
        if item is not None:
            items.append(item)
    _cross_check(items, lessons, problems)
    if problems:
        raise InputError(problems)
    lesson_rank = {lesson.id: index for index, lesson in enumerate(lessons)}
    items.sort(key=lambda item: (lesson_rank.get(item.lesson, 0), item.order, item.id))
    return Course(title, version, root, tuple(lessons), tuple(items))


def _read(path: Path, problems: list[Problem]) -> tuple[Reader, Any] | None:
    source = display_path(path)
    try:
        located = safe_yaml.load(path.read_bytes(), source)
    except InputError as error:
        problems.extend(error.problems)
        return None
    except OSError as error:
        problems.append(Problem(source, None, None, f"cannot read: {error.strerror}"))
        return None
    return Reader(located, source, problems), located.data


def _load_course_file(path: Path, problems: list[Problem]) -> tuple[str, str, list[Lesson]]:
    read = _read(path, problems)
    if read is None:
        return "", "", []
    reader, _ = read
    # `policy` (deadlines and late work) is read by grader.classroom.policy for `grade batch`.
    required = {"title", "version", "lessons"}
    top = reader.mapping((), required | {"policy"}, required)
    if top is None:
        return "", "", []
    title = reader.text(top, (), "title")
    version = top.get("version", "")
    if not isinstance(version, str):
        reader.problem(
            ("version",),
            f"'version' must be text, but YAML reads {version!r} as a number (1.10 would become"
            f' 1.1); quote it: version: "{_scalar_text(reader, "version")}"',
        )
        version = str(version)
    lessons: list[Lesson] = []
    raw_lessons = top.get("lessons")
    if not isinstance(raw_lessons, list) or not raw_lessons:
        reader.problem(("lessons",), "'lessons' must be a list of {id, title, summary}")
        return title, version, lessons
    for index, _ in enumerate(raw_lessons):
        path_ = ("lessons", index)
        entry = reader.mapping(path_, {"id", "title", "summary"}, {"id", "title", "summary"})
        if entry is None:
            continue
        lesson = Lesson(
            reader.identifier(entry, path_, "id"),
            reader.text(entry, path_, "title"),
            reader.text(entry, path_, "summary"),
        )
        if any(existing.id == lesson.id for existing in lessons):
            reader.problem((*path_, "id"), f"duplicate lesson id '{lesson.id}'; rename one")
        lessons.append(lesson)
    return title, version, lessons


def _scalar_text(reader: Reader, key: str) -> str:
    """Return a top-level scalar as written in the file, e.g. 1.10, for a quoting fix."""
    line, column = reader.located.where(key)
    try:
        text = Path(reader.source).read_text(encoding="utf-8").splitlines()[(line or 1) - 1]
    except (OSError, IndexError, UnicodeDecodeError):
        return "..."
    return text.split(":", 1)[1].split("#", 1)[0].strip() if ":" in text else "..."


def _load_item(
    source: Path, problems: list[Problem], drafts: bool = False
) -> CodeExercise | Quiz | None:
    read = _read(source, problems)
    if read is None:
        return None
    reader, data = read
    folder = source.parent
    if not isinstance(data, dict):
        reader.problem((), "expected a mapping of 'key: value' lines")
        return None
    kind = data.get("kind")
    if kind not in _KEYS:
        reader.problem(("kind",), "'kind' must be one of code, numeric, choice; write kind: code")
        return None
    allowed = _KEYS[kind]
    optional = {"hints", "misconceptions", "tolerance", "unit"}
    if kind == "numeric":
        optional -= {"tolerance"}
    if drafts:
        optional |= {"answer"}
    reader.mapping((), allowed, allowed - optional)
    common = dict(
        id=reader.identifier(data, (), "id"),
        title=reader.text(data, (), "title"),
        lesson=reader.identifier(data, (), "lesson"),
        order=reader.positive_int(data, (), "order"),
        kind=kind,
        text=reader.text(data, (), "text"),
        hints=tuple(reader.text_list(data, (), "hints")),
        folder=folder,
        source=source,
    )
    if common["id"] and common["id"] != folder.name:
        reader.problem(("id",), f"id '{common['id']}' must match the folder name '{folder.name}'")
    if kind == "code":
        return _load_code(reader, data, folder, common)
    return _load_quiz(reader, data, kind, common)


def _load_code(reader: Reader, data: dict, folder: Path, common: dict) -> CodeExercise:
    file_name = reader.text(data, (), "file")
    if file_name and (not _MODULE_FILE.match(file_name) or file_name[:-3] in _RESERVED_MODULES):
        reader.problem(
            ("file",),
            f"'{file_name}' must be a new module name like sigmoid.py (lower case, not a"
            " standard-library or numpy name)",
        )
    tests = tuple(
        reader.existing(folder, name, ("tests", index))
        for index, name in enumerate(reader.text_list(data, (), "tests", required=True))
    )
    defined = _test_functions(tests, reader) if tests else None  # no tests: said once above
    checks: list[Check] = []
    raw_checks = data.get("checks")
    if not isinstance(raw_checks, list) or not raw_checks:
        reader.problem(("checks",), "'checks' must list at least one {test, name, points}")
        raw_checks = []
    for index, _ in enumerate(raw_checks):
        path = ("checks", index)
        entry = reader.mapping(path, _CHECK_KEYS, {"test", "name", "points", "visibility"})
        if entry is None:
            continue
        visibility = entry.get("visibility")
        if visibility not in ("visible", "hidden"):
            reader.problem((*path, "visibility"), "'visibility' must be visible or hidden")
        advisory = entry.get("advisory", False)
        if not isinstance(advisory, bool):
            reader.problem((*path, "advisory"), "'advisory' must be true or false")
            advisory = False
        if advisory:
            points = entry.get("points")
            if points != 0 or type(points) is not int:
                reader.problem(
                    (*path, "points"),
                    "an advisory check is shown but never scored; write points: 0 and move its"
                    " points to a check of returned values",
                )
            points = 0
        elif entry.get("points") == 0 and type(entry.get("points")) is int:
            points = 0
            reader.problem(
                (*path, "points"),
                "'points' must be a positive integer; write points: 1 (only an advisory check"
                " may be worth 0 points: add advisory: true)",
            )
        else:
            points = reader.positive_int(entry, path, "points")
        check = Check(
            test=reader.text(entry, path, "test"),
            name=reader.text(entry, path, "name"),
            points=points,
            visibility=visibility if visibility in ("visible", "hidden") else "visible",
            hint=reader.text(entry, path, "hint", default="") if "hint" in entry else "",
            advisory=advisory,
        )
        if any(existing.test == check.test for existing in checks):
            reader.problem((*path, "test"), f"test '{check.test}' is listed twice; keep one")
        elif defined is not None and check.test and check.test not in defined:
            reader.problem(
                (*path, "test"),
                f"no function '{check.test}' in {', '.join(p.name for p in tests)}; add it",
            )
        checks.append(check)
    if defined is not None:
        for name in sorted(defined - {check.test for check in checks}):
            reader.problem(("checks",), f"test '{name}' has no entry; add '- test: {name}'")
    misconceptions: list[Misconception] = []
    raw = data.get("misconceptions", [])
    if not isinstance(raw, list):
        reader.problem(("misconceptions",), "'misconceptions' must be a list")
        raw = []
    for index, _ in enumerate(raw):
        path = ("misconceptions", index)
        entry = reader.mapping(path, _MISCONCEPTION_KEYS, _MISCONCEPTION_KEYS)
        if entry is None:
            continue
        fails = tuple(reader.text_list(entry, path, "fails", required=True))
        for name in fails:
            if name not in {check.test for check in checks}:
                reader.problem((*path, "fails"), f"'{name}' is not one of this exercise's checks")
        misconceptions.append(
            Misconception(
                id=reader.identifier(entry, path, "id"),
                title=reader.text(entry, path, "title"),
                feedback=reader.text(entry, path, "feedback"),
                file=reader.file(folder, entry, path, "file"),
                fails=tuple(sorted(set(fails))),
            )
        )
    functions = tuple(reader.text_list(data, (), "functions", required=True))
    for index, name in enumerate(functions):
        if not name.isidentifier():
            reader.problem(("functions", index), f"'{name}' is not a Python name")
    return CodeExercise(
        **common,
        file=file_name,
        stub=reader.file(folder, data, (), "stub"),
        tests=tests,
        checks=tuple(checks),
        misconceptions=tuple(misconceptions),
        tolerance=reader.number(data, (), "tolerance", 1e-6),
        functions=functions,
    )


def _test_functions(tests: tuple[Path, ...], reader: Reader) -> set[str] | None:
    names: set[str] = set()
    for path in tests:
        if not path.is_file():
            return None
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError) as error:
            line = getattr(error, "lineno", None)
            reader.problems.append(
                Problem(display_path(path), line, None, f"test file does not parse: {error}")
            )
            return None
        names |= {
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        }
    return names


def _load_quiz(reader: Reader, data: dict, kind: str, common: dict) -> Quiz:
    digest: AnswerDigest | None = None
    if "answer" in data:
        answer = reader.mapping(("answer",), {"salt", "sha256"}, {"salt", "sha256"}) or {}
        digest = AnswerDigest(
            reader.text(answer, ("answer",), "salt") if answer else "",
            reader.text(answer, ("answer",), "sha256") if answer else "",
        )
        if answer and not re.fullmatch(r"[0-9a-f]{64}", digest.sha256):
            reader.problem(
                ("answer", "sha256"), "'sha256' must be 64 hex digits; run: grade digest ID VALUE"
            )
    points = reader.positive_int(data, (), "points")
    if kind == "numeric":  # the YAML's kind names the class; past the loader, types decide
        tolerance = reader.number(data, (), "tolerance", None)
        try:
            decimals_for(tolerance)
        except ValueError as error:
            reader.problem(("tolerance",), f"{error}; write tolerance: 0.01")
        return NumericQuiz(
            **common,
            points=points,
            answer=digest,
            tolerance=tolerance,
            unit=reader.text(data, (), "unit", "") if "unit" in data else "",
        )
    choices: list[Choice] = []
    raw = data.get("choices")
    if not isinstance(raw, list) or len(raw) < 2:
        reader.problem(("choices",), "'choices' must list at least two {key, text}")
        raw = []
    for index, _ in enumerate(raw):
        path = ("choices", index)
        entry = reader.mapping(path, {"key", "text"}, {"key", "text"})
        if entry is None:
            continue
        key = entry.get("key")
        if not isinstance(key, str) or not re.fullmatch(r"[a-z]", key):
            reader.problem((*path, "key"), "'key' must be one lower-case letter; write key: a")
            continue
        if any(choice.key == key for choice in choices):
            reader.problem((*path, "key"), f"choice key '{key}' is used twice")
        choices.append(Choice(key, reader.text(entry, path, "text")))
    return ChoiceQuiz(**common, points=points, answer=digest, choices=tuple(choices))


def _cross_check(
    items: list[CodeExercise | Quiz], lessons: list[Lesson], problems: list[Problem]
) -> None:
    lesson_ids = {lesson.id for lesson in lessons}
    seen: dict[str, CodeExercise | Quiz] = {}
    files: dict[str, CodeExercise] = {}
    orders: dict[tuple[str, int], CodeExercise | Quiz] = {}
    for item in items:
        where = display_path(item.source)
        if item.id in seen:
            problems.append(
                Problem(
                    where,
                    1,
                    1,
                    f"duplicate id '{item.id}' (also in {display_path(seen[item.id].source)})",
                )
            )
        seen[item.id] = item
        if item.lesson and lesson_ids and item.lesson not in lesson_ids:
            problems.append(
                Problem(
                    where,
                    None,
                    None,
                    f"lesson '{item.lesson}' is not in {COURSE_FILE};"
                    f" use one of {', '.join(sorted(lesson_ids))}",
                )
            )
        if (item.lesson, item.order) in orders:
            other = orders[(item.lesson, item.order)]
            problems.append(
                Problem(
                    where,
                    None,
                    None,
                    f"order {item.order} is also used by '{other.id}' in lesson '{item.lesson}';"
                    " pick another number",
                )
            )
        orders[(item.lesson, item.order)] = item
        if isinstance(item, CodeExercise) and item.file:
            if item.file in files:
                problems.append(
                    Problem(
                        where,
                        None,
                        None,
                        f"file '{item.file}' is also used by '{files[item.file].id}'; rename it",
                    )
                )
            files[item.file] = item

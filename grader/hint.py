"""Hint progress: which hints a student has seen, kept in `.grade/hints.json` in the workspace.

The state file is the only thing the grader ever writes into a workspace, and only
`grade hint` writes it. The student can edit it, so it is read like any other hostile input:
no links followed, a size cap, a strict shape; anything else resets it with a one-line notice.

`next_hint` picks what to show: the hint of the failing check first (the one the report is
complaining about), then the exercise's own hints one by one; once every hint has been shown,
all of them again.
"""

from __future__ import annotations

import json
import os
import re
import stat
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from grader.course.model import CodeExercise, Course, Quiz
from grader.grading.engine import Grader
from grader.grading.results import ItemResult, Status
from grader.grading.workspace import STATE_DIR, find_workspace
from grader.reporters.common import clean, diagnosis_sentence, next_item
from grader.sandbox.files import BINARY, CLOEXEC, NOFOLLOW, RefusedFile, read_regular_file

HINTS_FILE = "hints.json"
STATE_PATH = f"{STATE_DIR}/{HINTS_FILE}"
MAX_STATE_BYTES = 64 * 1024
STATE_VERSION = 1
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_TEST_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")
_MAX_SHOWN = 1000
_FAILING = {Status.FAILED, Status.ERROR, Status.TIMEOUT}


@dataclass
class ItemProgress:
    """What one exercise's hints have shown so far."""

    shown: int = 0  # how many of the exercise's own hints have been shown
    check: str = ""  # the failing check whose hint was shown last (its test id)


@dataclass
class HintState:
    """Every item's hint progress, and why the stored state was reset (if it was)."""

    items: dict[str, ItemProgress] = field(default_factory=dict)
    notice: str = ""

    def progress(self, item_id: str) -> ItemProgress:
        """Return (creating if needed) the progress of one item."""
        return self.items.setdefault(item_id, ItemProgress())


def load_state(workspace: Path) -> HintState:
    """Read the hint state; a missing file is empty, an unusable one is reset with a notice."""
    path = workspace / STATE_PATH
    try:
        data = read_regular_file(path, MAX_STATE_BYTES)
    except RefusedFile as refused:
        return HintState() if refused.missing else _reset(refused.reason)
    try:
        raw = json.loads(data.decode("utf-8-sig"))  # an editor may have added a BOM
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _reset("it is not valid JSON")
    items = _parse(raw)
    if items is None:
        return _reset("its content is not what grade hint writes")
    return HintState(items)


def _reset(reason: str) -> HintState:
    return HintState(notice=f"{STATE_PATH} could not be used ({reason}); starting hints over.")


def _parse(raw: object) -> dict[str, ItemProgress] | None:
    if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
        return None
    entries = raw.get("items")
    if not isinstance(entries, dict):
        return None
    items: dict[str, ItemProgress] = {}
    for key, value in entries.items():
        if not (isinstance(key, str) and _ID.match(key) and isinstance(value, dict)):
            return None
        shown, check = value.get("shown", 0), value.get("check", "")
        if type(shown) is not int or not 0 <= shown <= _MAX_SHOWN:
            return None
        if not isinstance(check, str) or (check and not _TEST_ID.match(check)):
            return None
        items[key] = ItemProgress(shown, check)
    return items


def save_state(workspace: Path, state: HintState) -> str:
    """Write the hint state atomically; return a one-line problem, or "" when saved."""
    folder = workspace / STATE_DIR
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        try:
            folder.mkdir()
        except OSError as error:
            return f"could not save hint progress: {STATE_DIR}: {error.strerror or error}"
    else:
        if not stat.S_ISDIR(info.st_mode):
            return f"could not save hint progress: {STATE_DIR} is not a folder"
    data = {
        "version": STATE_VERSION,
        "items": {
            item_id: {"shown": progress.shown, "check": progress.check}
            for item_id, progress in sorted(state.items.items())
            if progress.shown or progress.check
        },
    }
    text = json.dumps(data, indent=2) + "\n"
    temporary = folder / f".{HINTS_FILE}.{os.getpid()}.tmp"
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | CLOEXEC | BINARY
        fd = os.open(temporary, flags, 0o644)
        try:
            os.write(fd, text.encode("utf-8"))
        finally:
            os.close(fd)
        os.replace(temporary, folder / HINTS_FILE)
    except OSError as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return f"could not save hint progress: {STATE_PATH}: {error.strerror or error}"
    return ""


@dataclass(frozen=True)
class Hint:
    """What `grade hint` shows: a heading, the hint lines, and what to do next."""

    lines: tuple[str, ...]
    advanced: bool  # whether the state changed (and should be saved)


def check_hint(item: CodeExercise | Quiz, result: ItemResult) -> tuple[str, str, str] | None:
    """Return (test id, check name, hint) of the first failing check, if it has a hint."""
    if result.status not in _FAILING or not isinstance(item, CodeExercise):
        return None
    failure = result.first_failure
    if failure is None or failure.status not in _FAILING:
        return None
    check = next((c for c in item.checks if c.test == failure.test), None)
    if check is None or not check.hint.strip():
        return None
    return check.test, failure.name or check.name, check.hint.strip()


def load_problem(result: ItemResult) -> str:
    """Return the one message every check failed with when the file itself cannot load, or ""."""
    if result.kind != "code" or not result.tests:
        return ""
    statuses = {test.status for test in result.tests}
    messages = {test.message.strip() for test in result.tests}
    if len(messages) == 1 and statuses <= {Status.ERROR, Status.TIMEOUT}:
        return clean(messages.pop())
    return ""


def next_hint(item: CodeExercise | Quiz, result: ItemResult, progress: ItemProgress) -> Hint:
    """Pick the next hint for an item given its fresh result; update `progress` in place."""
    hints = [hint.strip() for hint in item.hints if hint.strip()]
    total = len(hints)
    failing = check_hint(item, result)
    again = f"Run `grade hint {item.id}` again for the next hint."
    if result.status is Status.PASSED:
        return Hint((f"{item.id} already has full marks: no hint needed.",), False)
    broken = load_problem(result)
    if broken:
        return Hint(
            (
                f"First make {result.file} load: {broken}",
                f"The hints are about the checks, which cannot run yet. Then: grade hint {item.id}",
            ),
            False,
        )
    diagnosis = [diagnosis_sentence(result.diagnosis)] if result.diagnosis else []
    if failing is not None and progress.check != failing[0]:
        progress.check = failing[0]
        lines = [f"For the failing check '{failing[1]}': {failing[2]}", *diagnosis]
        if progress.shown < total:
            lines.append(again)
        return Hint(tuple(lines), True)
    if progress.shown < total:
        number = progress.shown + 1
        progress.shown = number
        lines = [f"Hint {number} of {total}: {hints[number - 1]}"]
        lines.append(again if number < total else "That was the last hint.")
        return Hint(tuple(lines), True)
    if total == 0 and failing is None:
        advice = f"{item.id} has no hints. Read its task again, then: grade check {item.id}"
        return Hint((advice,), False)
    lines = []
    if total == 1:
        lines += [f"You have seen the only hint for {item.id}; here it is again:", hints[0]]
    elif total:
        lines.append(f"You have seen all {total} hints for {item.id}; here they are again:")
        lines += [f"{number}. {hint}" for number, hint in enumerate(hints, 1)]
    if failing is not None:
        lines.append(f"For the failing check '{failing[1]}': {failing[2]}")
    lines += diagnosis
    lines.append(f"To start over: grade hint --reset {item.id}")
    return Hint(tuple(lines), False)


@dataclass(frozen=True)
class HintAnswer:
    """Everything `grade hint` prints, as lines (notes first)."""

    lines: tuple[str, ...]

    def render(self, width: int = 80) -> str:
        """Return the lines wrapped to `width`, continuation lines indented."""
        out: list[str] = []
        for line in self.lines:
            out += textwrap.wrap(
                line, width=width, subsequent_indent="  ", break_on_hyphens=False
            ) or [""]
        return "\n".join(out) + "\n"


def give_hint(
    course: Course, workspace: Path, item_id: str | None, *, reset: bool = False
) -> HintAnswer:
    """Grade the item (or find the next one), choose its next hint, and save the progress.

    Raise GradingError for an unknown id or a broken course, NotAWorkspace outside a workspace.
    """
    find_workspace(course, workspace)
    state = load_state(workspace)
    notes = [f"Note: {state.notice}"] if state.notice else []
    with Grader(course) as grader:  # an unknown id is the engine's GradingError
        if item_id is None:
            report = grader.grade(workspace)
            result = next_item(report)
            if result is None:
                done = "Every exercise and quiz has full marks: nothing to hint."
                return HintAnswer((*notes, done))
        else:
            result = grader.grade(workspace, [item_id]).items[0]
    item = course.item(result.id)
    if reset:
        state.items.pop(item.id, None)
        notes.append(f"Hints for {item.id} start over.")
    hint = next_hint(item, result, state.progress(item.id))
    lines = [*notes, _heading(result), *hint.lines]
    if hint.advanced or reset or state.notice:
        problem = save_state(workspace, state)
        if problem:
            lines.append(f"Note: {problem}")
    return HintAnswer(tuple(lines))


def _heading(result: ItemResult) -> str:
    score = f"{result.score}/{result.max_score}"
    return f"{clean(result.id)}: {clean(result.title)} ({score} points, {result.status})"

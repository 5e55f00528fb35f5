"""`grade watch`: re-grade an exercise each time its file is saved, with one warm grader.

File events are unreliable (network drives, containers, editors that save by renaming), so
this polls: every `interval` seconds it stats the expected files and answers.yaml (never
reads them) and re-grades the items whose file changed. Nothing is written anywhere.

The same on every system: polling needs no inotify, FSEvents or ReadDirectoryChangesW, and
Ctrl-C arrives as SIGINT on Windows too (the only signal handled). Screen clearing and colour
are decided by the caller (`Screen`), which on Windows turns on the console's escape codes.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from grader.course.model import CodeExercise, Course
from grader.grading.engine import Grader, GradingError, select
from grader.grading.quizzes import ANSWERS_FILE
from grader.grading.results import ItemResult, Report, Status
from grader.grading.workspace import find_workspace
from grader.reporters.common import clean, next_item, plural
from grader.reporters.text import render_rows, render_text

Stamp = tuple[int, int, int, int] | None  # (mtime_ns, size, inode, mode) or None when missing
Write = Callable[[str], None]

CLEAR = "\x1b[H\x1b[2J"
STOPPED = "Stopped watching."


def stamp(path: Path) -> Stamp:
    """Return what identifies a version of a file without opening it."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino, info.st_mode)


@dataclass
class Screen:
    """How to draw: where, in colour or not, how wide, and whether to clear between redraws."""

    write: Write
    color: bool = False
    width: int = 80
    clear: bool = False


class Watcher:
    """Poll a workspace's files and re-grade the items whose files change."""

    def __init__(
        self,
        grader: Grader,
        folder: Path,
        only: Iterable[str] | None,
        screen: Screen,
        interrupted: Callable[[], bool] = lambda: False,
    ) -> None:
        self.grader = grader
        self.folder = folder
        self.screen = screen
        self.interrupted = interrupted
        items = select(grader.course, only)
        self.ids = [item.id for item in items]
        self.max_score = sum(item.max_score for item in items)
        self.ungraded = len(grader.course.items) - len(items)
        self.failed: dict[str, str] = {}  # id -> why its latest version could not be graded
        self.by_file: dict[str, list[str]] = {}
        for item in items:
            name = item.file if isinstance(item, CodeExercise) else ANSWERS_FILE
            self.by_file.setdefault(name, []).append(item.id)
        self.stamps = self._stamps()
        self.results: dict[str, ItemResult] = {}
        self.report: Report | None = None
        self.digests: dict[str, str | None] = {}  # file -> SHA-256 of the bytes last graded

    def _stamps(self) -> dict[str, Stamp]:
        return {name: stamp(self.folder / name) for name in self.by_file}

    def start(self) -> None:
        """Grade every watched item and draw the full report."""
        report = self.grader.grade(self.folder, self.ids)
        self._remember(report)
        report = replace(report, ungraded=self.ungraded)
        text = render_text(report, color=self.screen.color, width=self.screen.width)
        self._draw(text + self._footer())

    def poll(self) -> bool:
        """Re-grade the items whose files changed since the last poll; return whether any did."""
        stamps = self._stamps()
        changed = [name for name, value in stamps.items() if value != self.stamps.get(name)]
        self.stamps = stamps
        if not changed:
            return False
        ids = [item_id for name in changed for item_id in self.by_file[name]]
        before = dict(self.results)
        graded_before = dict(self.digests)
        try:
            report = self.grader.grade(self.folder, ids)
        except GradingError as error:
            if self.interrupted():
                raise KeyboardInterrupt from None  # Ctrl-C stopped pytest: stop watching
            for item_id in ids:  # never count a result older than the file on disk
                self.results.pop(item_id, None)
                self.failed[item_id] = str(error)
            self._remember(None)
            heading = f"{_when()}  {', '.join(clean(name) for name in changed)} changed"
            self._draw(f"{heading}\nCould not grade: {clean(str(error))}\n{self._footer()}")
            return True
        for item_id in ids:
            self.failed.pop(item_id, None)
        self._remember(report)
        # A file caught mid-save is stamped twice but graded the same: name what really changed.
        changed = [
            name for name in changed if self.digests.get(name) != graded_before.get(name)
        ] or changed  # saved again unchanged (or first graded now): name the saved files
        shown = [  # what changed: a result, or a code file (its row, even with the same score)
            item
            for item in report.items
            if before.get(item.id) != item
            or len(report.items) == 1
            or (item.file != ANSWERS_FILE and item.file in changed)
        ]
        heading = f"{_when()}  {', '.join(clean(name) for name in changed)} changed"
        if not shown:
            self._draw(f"{heading}: no result changed.\n" + self._footer())
            return True
        rows = render_rows(
            replace(report, items=tuple(shown)), color=self.screen.color, width=self.screen.width
        )
        self._draw(f"{heading}\n\n{rows}\n{self._footer()}")
        return True

    def _remember(self, report: Report | None) -> None:
        if report is not None:
            self.results.update({item.id: item for item in report.items})
            self.digests.update({graded.name: graded.sha256 for graded in report.files})
        base = report or self.report
        if base is None:
            raise ValueError("the first grading of a watch must succeed")
        items = tuple(self.results[item_id] for item_id in self.ids if item_id in self.results)
        self.report = replace(base, items=items)

    def _footer(self) -> str:
        report = self.report
        if report is None:
            return "Watching; press Ctrl-C to stop.\n"
        total = f"Total: {report.score} / {plural(self.max_score, 'point')}."
        upcoming = next_item(report)
        if self.failed:
            names = ", ".join(clean(item_id) for item_id in self.failed)
            total += f" Not graded, so not counted: {names} (see above)."
        elif upcoming is None:
            total += " Everything watched passes." if self.ungraded else " Everything passes."
        elif upcoming.status is not Status.PASSED:
            total += f" Next: {clean(upcoming.id)} ({upcoming.status})."
        files = plural(len(self.by_file), "file")
        return f"{total}\nWatching {files} for changes; press Ctrl-C to stop.\n"

    def _draw(self, text: str) -> None:
        prefix = CLEAR if self.screen.clear else ""
        separator = "" if self.screen.clear else "\n"
        self.screen.write(prefix + separator + text)


class _Interrupts:
    """Remember that Ctrl-C was pressed, then interrupt whatever is running.

    pytest turns a KeyboardInterrupt during grading into an early exit, which the engine
    reports as a GradingError; `requested` tells that apart from a real grading problem.
    """

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: object) -> None:
        self.requested = True
        raise KeyboardInterrupt


def watch(
    course: Course,
    folder: Path,
    only: Iterable[str] | None,
    screen: Screen,
    *,
    interval: float = 0.05,
    max_rounds: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Watch `folder` until Ctrl-C (or `max_rounds` polls), re-grading what changes.

    Raise NotAWorkspace or GradingError (unknown id, broken course) before watching starts.
    """
    find_workspace(course, folder)
    only = None if only is None else list(only)
    select(course, only)  # reject unknown ids before watching starts
    interrupts = _Interrupts()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, interrupts) if in_main else None
    try:
        with Grader(course) as grader:
            watcher = Watcher(grader, folder, only, screen, lambda: interrupts.requested)
            watcher.start()
            rounds = 0
            while max_rounds is None or rounds < max_rounds:
                sleep(interval)
                watcher.poll()
                rounds += 1
    except KeyboardInterrupt:
        pass
    except GradingError:
        if not interrupts.requested:
            raise
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    screen.write(STOPPED + "\n")


def _when() -> str:
    return time.strftime("%H:%M:%S")

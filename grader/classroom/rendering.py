"""A graded submission's row texts and report files, made once in `grade batch`'s parent.

Exercise results shared through the gradebook's cache are read, rebuilt and rendered once per
(item, key) and reused for every student who shares them; results fresh from a worker are
rebuilt and rendered once per distinct result (different files often do the same thing: most
correct files of a class give one result), and quiz results, graded here, likewise. The texts
are those `write_outputs` would render from the row (tests/batch check it), so it skips the
students written here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader.classroom.detail import item_data, item_from, report_data
from grader.classroom.gradebook import Gradebook
from grader.classroom.outputs import report_paths, write_if_changed
from grader.classroom.run import CODE_FORMS
from grader.grading.results import Confinement, ItemResult, Report
from grader.reporters import FORMATS
from grader.reporters.json_report import exercise_data, exercise_json, head_data, render_json_of

_FRESH_KEPT = 4096  # distinct fresh results kept for reuse; a class repeats a few of them


def probe_confinement() -> Confinement | None:
    """Say which sandbox the workers use, as `grade check` would report it (one probe worker)."""
    from grader.sandbox import Limits, SandboxError, make_sandbox

    try:
        with make_sandbox(Limits()) as sandbox:
            sandbox.features()
            return Confinement(sandbox.backend, sandbox.confined, sandbox.separation)
    except SandboxError:  # the workers say why, submission by submission; nothing to record
        return None


def confinement_of(data: Mapping[str, Any] | None) -> Confinement | None:
    """Return the confinement a worker reported (the report's `sandbox` object)."""
    return None if data is None else Confinement(**data)


class _Parts:
    """One result's forms: its item_data as JSON (sort_keys), and as the report holds it."""

    def __init__(self, item: ItemResult, detail: str | None = None) -> None:
        self.item = item
        self.detail = detail or json.dumps(item_data(item), sort_keys=True)
        self.data = exercise_data(item)
        self.json = exercise_json(self.data)


class Renderer:
    """Render reports, reusing what identical results share."""

    def __init__(self, book: Gradebook) -> None:
        self.book = book
        self.shared: dict[tuple[str, str], _Parts] = {}  # (item id, cache key) -> cache hits
        self.quizzes: dict[ItemResult, _Parts] = {}  # graded here, most of them alike
        self.fresh_parts: dict[str, _Parts] = {}  # item_data JSON (sort_keys) -> its forms

    def fresh(self, data: dict[str, Any]) -> tuple[ItemResult, str]:
        """Return a worker's result (item_data) rebuilt, and as JSON (sort_keys), reusing equals."""
        text = json.dumps(data, sort_keys=True)
        found = self.fresh_parts.get(text)
        if found is None:
            if len(self.fresh_parts) >= _FRESH_KEPT:
                self.fresh_parts.clear()
            found = self.fresh_parts[text] = _Parts(item_from(data), text)
        return found.item, text

    def cached(self, item: str, key: str) -> ItemResult | None:
        """Return a shared result from the gradebook's cache (the same object every time)."""
        found = self.shared.get((item, key))
        if found is None:
            data = self.book.cached(item, key)
            if data is None:
                return None
            result = item_from(data)
            found = self.shared[(item, key)] = _Parts(result)
        return found.item

    def texts(
        self,
        report: Report,
        keys: Mapping[str, str],
        fresh: Mapping[str, str],
        forms: dict[str, list],
    ) -> tuple[str, str, dict[str, Any]]:
        """Return the report's JSON, the row's detail and the JSON's data.

        `keys` are the submission's cache keys by exercise id; `fresh` holds the item_data
        (as JSON, sort_keys) of results that came from a worker in this run, by item id.
        """
        parts = []
        for item in report.items:
            shared = self.shared.get((item.id, keys.get(item.id, "")))
            if shared is not None and shared.item is item:
                parts.append(shared)
            elif item.id in fresh:
                text = fresh[item.id]
                parts.append(self.fresh_parts.get(text) or _Parts(item, text))
            else:  # a quiz, graded here
                found = self.quizzes.get(item)
                if found is None:
                    found = self.quizzes[item] = _Parts(item)
                parts.append(found)
        head = head_data(report)
        text = render_json_of(head, [part.json for part in parts])
        top = {**report_data(report, []), CODE_FORMS: forms}
        values = {key: json.dumps(value, sort_keys=True) for key, value in top.items()}
        values["items"] = "[" + ", ".join(part.detail for part in parts) + "]"
        # json.dumps(the detail, sort_keys=True), with each item's part made once
        detail = "{" + ", ".join(f"{json.dumps(k)}: {values[k]}" for k in sorted(values)) + "}"
        return text, detail, {**head, "exercises": [part.data for part in parts]}


def write_reports(
    out: Path, student: str, report: Report, json_text: str, gradescope: bool
) -> None:
    """Write a student's report files, as `write_outputs` would from the row."""
    paths = report_paths(out, student, gradescope)
    write_if_changed(paths["json"], json_text)
    write_if_changed(paths["markdown"], FORMATS["markdown"](report))
    if gradescope:
        write_if_changed(paths["gradescope"], FORMATS["gradescope"](report))

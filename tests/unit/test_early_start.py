"""`grade check` boots its sandbox before importing the rest; other commands never do."""

from __future__ import annotations

import pytest

import grader.sandbox.core as core
from grader.cli.early import grades_once
from grader.sandbox.core import Sandbox, prestart


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/venv/bin/grade"], True),
        (["/venv/bin/grade", "check", "relu"], True),
        (["grade", "--json", "r.json"], True),
        (["C:\\venv\\Scripts\\grade.exe", "check"], True),
        (["/src/grader/__main__.py", "check"], True),
        (["/venv/bin/grade", "watch"], False),
        (["/venv/bin/grade", "list"], False),
        (["/venv/bin/grade", "check", "--help"], False),
        (["/venv/bin/grade", "--version"], False),
        (["/venv/bin/pytest", "check"], False),
        ([], False),
    ],
)
def test_only_a_one_shot_check_starts_early(argv: list[str], expected: bool) -> None:
    assert grades_once(argv) is expected


def test_a_prestarted_zygote_is_adopted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "_PRESTARTED", [])
    prestart()
    prestart()  # a second call starts nothing more
    (zygote,) = core._PRESTARTED
    with Sandbox() as first, Sandbox() as second:
        assert first._state.zygote is zygote  # adopted, not started again
        assert second._state.zygote is not zygote
        assert core._PRESTARTED == []

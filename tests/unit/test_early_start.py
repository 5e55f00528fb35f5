"""`grade check` boots its sandbox before importing the rest; other commands never do."""

from __future__ import annotations

import pytest

import grader.sandbox.linux as linux
from grader.cli.early import grades_once
from grader.sandbox.choice import prestart
from grader.sandbox.linux import LinuxSandbox


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


@pytest.mark.only_on("linux", reason="the zygote is the Linux backend's")
def test_a_prestarted_zygote_is_adopted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADE_SANDBOX", "linux")
    monkeypatch.setattr(linux, "_PRESTARTED", [])
    prestart()
    prestart()  # a second call starts nothing more
    (zygote,) = linux._PRESTARTED
    with LinuxSandbox() as first, LinuxSandbox() as second:
        assert first._state.zygote is zygote  # adopted, not started again
        assert second._state.zygote is not zygote
        assert linux._PRESTARTED == []


def test_the_portable_backend_prestarts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADE_SANDBOX", "portable")
    monkeypatch.setattr(linux, "_PRESTARTED", [])
    prestart()
    assert linux._PRESTARTED == []

"""Rosters and submission-time manifests: what is read, and the errors with positions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from grader.classroom.roster import match, read_roster, read_times
from grader.course.problems import InputError


def test_the_roster_keeps_order_and_optional_columns(data_dir: Path) -> None:
    roster = read_roster(data_dir / "roster.csv")
    assert roster.ids == ("ada", "ben", "cai", "dee", "eve", "fay", "gus", "hal")
    ada = roster.get("ada")
    assert ada is not None
    assert (ada.name, ada.email, ada.sis_id, ada.section) == (
        "Lovelace, Ada",
        "ada@uni.example",
        "S1001",
        "A",
    )


def test_a_student_column_is_enough_and_a_bom_and_extra_columns_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbf Student ,Notes\r\nada,x\r\n\r\nben,\r\n")
    roster = read_roster(path)
    assert roster.ids == ("ada", "ben")
    assert roster.students[0].email == ""


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name,email\nAda,a@x\n", ":1:1: no column 'student'"),
        ("student,name\nada,Ada\nada,Ada again\n", ":3:1: student 'ada' is already on line 2"),
        ("student,name\n,Ada\n", ":2:1: no student id"),
        ("", ":1:1: empty"),
    ],
)
def test_roster_problems_point_at_the_cell(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(InputError) as error:
        read_roster(path)
    assert fragment in str(error.value), str(error.value)


def test_match_lists_missing_and_unmatched(data_dir: Path) -> None:
    roster = read_roster(data_dir / "roster.csv")
    matched = match(roster, ["zed", "ada", "ben"])
    assert matched.unmatched == ("zed",)
    assert matched.missing == ("cai", "dee", "eve", "fay", "gus", "hal")
    assert [s.student for s in matched.students][-1] == "zed"
    assert match(None, ["b", "a"]).missing == ()


def test_times_need_a_zone_and_the_latest_time_wins(tmp_path: Path, data_dir: Path) -> None:
    times = read_times(data_dir / "times.csv")
    assert times.source == "times.csv"
    assert times.times["cai"] == datetime.fromisoformat("2026-12-01T22:59:30+00:00")
    path = tmp_path / "t.csv"
    path.write_text(
        "student,submitted_at\nada,2026-12-01T10:00:00Z\nada,2026-12-02T10:00:00+01:00\n"
    )
    assert read_times(path).times["ada"].day == 2
    path.write_text("student,submitted_at\nada,2026-12-01 10:00\n")
    with pytest.raises(InputError) as error:
        read_times(path)
    assert "t.csv:2:5: '2026-12-01 10:00' has no time zone; add one" in str(error.value)

"""The course cache: an unchanged course comes from the cache, any edit means a fresh load."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

import grader.course.cache as cache
import grader.course.load as load
from grader.course.cache import cache_dir, decode, encode
from grader.course.problems import InputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(cache, "_IN_USE", [True])
    monkeypatch.setenv("GRADE_CACHE_DIR", str(tmp_path / "cache"))
    return Path(shutil.copytree(ROOT / "tests" / "fixture_course", tmp_path / "course"))


def _cached_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("course-*.json"))


def _no_fresh_load(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(root: Path, drafts: bool):
        raise AssertionError("loaded afresh although the course is cached")

    monkeypatch.setattr(load, "_load_course", refuse)


def test_an_unchanged_course_comes_from_the_cache(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load.load_course(course)
    assert len(_cached_files(tmp_path)) == 1
    _no_fresh_load(monkeypatch)
    again = load.load_course(course)
    assert again == first and again.item("relu").checks == first.item("relu").checks


def test_any_edit_loads_afresh(course: Path, tmp_path: Path) -> None:
    load.load_course(course)
    yaml_file = course / "course.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("title:", "title: Edited", 1))
    assert load.load_course(course).title.startswith("Edited")
    test_file = course / "relu" / "test_relu.py"
    test_file.write_text(test_file.read_text() + "\n# an edit in a hidden test\n")
    load.load_course(course)
    assert len(_cached_files(tmp_path)) == 3


def test_a_course_with_problems_is_never_cached(course: Path, tmp_path: Path) -> None:
    (course / "relu" / "exercise.yaml").write_text("id: relu\nnonsense: 1\n")
    for _ in range(2):
        with pytest.raises(InputError):
            load.load_course(course)
    assert _cached_files(tmp_path) == []


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"class": "Popen", "fields": {"args": "rm -rf /"}}),
        json.dumps({"class": "Course", "fields": {"title": "fake"}}),
        json.dumps([1, 2, 3]),
    ],
)
def test_a_damaged_or_foreign_cache_file_is_ignored(
    course: Path, tmp_path: Path, content: str
) -> None:
    real = load.load_course(course)
    (cached,) = _cached_files(tmp_path)
    cached.write_text(content)
    assert load.load_course(course) == real
    assert json.loads(cached.read_text()) == encode(real)  # rewritten


def test_an_empty_cache_dir_setting_turns_caching_off(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADE_CACHE_DIR", "")
    assert cache_dir() is None
    load.load_course(course)
    assert not (tmp_path / "cache").exists()


def test_the_shipped_course_round_trips() -> None:
    real = load._load_course(load.default_root(), False)
    data = json.loads(json.dumps(encode(real)))
    assert decode(data) == real


def test_only_a_process_that_asks_uses_the_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(cache, "_IN_USE", [])
    monkeypatch.setenv("GRADE_CACHE_DIR", str(tmp_path / "cache"))
    load.load_course(ROOT / "tests" / "fixture_course")
    assert not (tmp_path / "cache").exists()
    cache.use_cache()
    load.load_course(ROOT / "tests" / "fixture_course")
    assert len(_cached_files(tmp_path)) == 1


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG folder is Linux's")
def test_the_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "_IN_USE", [True])
    assert cache_dir({"XDG_CACHE_HOME": "/somewhere/cache"}) == Path("/somewhere/cache/grade")
    assert cache_dir({"GRADE_CACHE_DIR": "/mine"}) == Path("/mine")


def test_write_json_replaces_the_file_whole_and_leaves_nothing_when_it_fails(tmp_path) -> None:
    from grader.course.cache import write_json

    target = tmp_path / "deep" / "saved.json"
    write_json(target, {"a": [1, 2.5, "x"]})
    assert target.read_text(encoding="utf-8") == '{"a":[1,2.5,"x"]}'
    with pytest.raises(TypeError):
        write_json(target, {"a": object()})  # not JSON: the old file stays as it was
    assert target.read_text(encoding="utf-8") == '{"a":[1,2.5,"x"]}'
    assert sorted(path.name for path in target.parent.iterdir()) == ["saved.json"]

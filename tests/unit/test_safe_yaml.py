"""The strict YAML loader: positions, duplicates, tags, aliases, limits."""

import pytest

from grader.course import safe_yaml
from grader.course.problems import InputError


def _error(text: str, limits: safe_yaml.Limits | None = None) -> str:
    with pytest.raises(InputError) as caught:
        safe_yaml.load(text, "f.yaml", limits or safe_yaml.Limits())
    assert len(caught.value.problems) == 1
    return str(caught.value.problems[0])


def test_positions_are_one_based_line_and_column() -> None:
    located = safe_yaml.load("a: 1\nb:\n  - x\n  - y\n", "f.yaml")
    assert located.data == {"a": 1, "b": ["x", "y"]}
    assert located.where("b", 1) == (4, 5)
    assert located.where("b", 7) == (2, 1)  # falls back to the nearest parent


def test_duplicate_key_names_both_lines() -> None:
    assert (
        _error("a: 1\nb: 2\na: 3\n")
        == "f.yaml:3:1: duplicate key 'a' (first at line 1); keep only one"
    )


def test_python_tags_are_refused() -> None:
    message = _error("x: !!python/object/apply:os.system ['echo hi']\n")
    assert message.startswith("f.yaml:1:4: tag ") and "not allowed" in message


def test_billion_laughs_is_refused_before_expansion() -> None:
    bomb = (
        'a: &a ["lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
    )
    assert "anchors and aliases" in _error(bomb)


def test_size_depth_and_node_limits() -> None:
    assert "limit is 10 bytes" in _error("a: 12345678901\n", safe_yaml.Limits(max_bytes=10))
    assert "nested deeper than 3" in _error("a: [[[[1]]]]\n", safe_yaml.Limits(max_depth=3))
    assert "more than 5 YAML nodes" in _error("[1, 2, 3, 4, 5, 6]\n", safe_yaml.Limits(max_nodes=5))


def test_syntax_error_gives_position_and_fix() -> None:
    message = _error("a: [1, 2\nb: 3\n")
    assert message.startswith("f.yaml:") and "invalid YAML" in message


def test_non_utf8_bytes_name_the_offset() -> None:
    with pytest.raises(InputError) as caught:
        safe_yaml.load(b"a: \xff\n", "f.yaml")
    assert "byte 0xff at offset 3" in str(caught.value)


def test_multiple_documents_are_refused() -> None:
    assert "more than one YAML document" in _error("a: 1\n---\nb: 2\n")

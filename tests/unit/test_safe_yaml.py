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


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("v: 1:30\n", "1:30"),  # YAML 1.1 sexagesimal: 90
        ("v: yes\n", "yes"),  # YAML 1.1 boolean
        ("v: off\n", "off"),
        ("v: 1_000\n", "1_000"),
        ("v: 0o17\n", 15),
        ("v: 0x1F\n", 31),
        ("v: 1.10\n", 1.1),
        ("v: true\n", True),
        ("v: ~\n", None),
        ("v: '010'\n", "010"),
        ("<<: 1\n", 1),  # a merge key is just a key
    ],
)
def test_scalars_follow_the_yaml_1_2_core_schema(text: str, value: object) -> None:
    (found,) = safe_yaml.load(text, "f.yaml").data.values()
    assert found == value and type(found) is type(value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("v: 010\n", "f.yaml:1:4: '010' has a leading zero"),
        ("v: !!bool maybe\n", "cannot read 'maybe' as true/false"),
        ("!!int one: 1\n", "f.yaml:1:1: cannot read 'one' as an integer"),
        ("v: !!float x\n", "cannot read 'x' as a number"),
        ("v: " + "9" * 5000 + "\n", "is too long"),
    ],
)
def test_ambiguous_or_impossible_scalars_are_refused_with_a_fix(text: str, fragment: str) -> None:
    assert fragment in _error(text)

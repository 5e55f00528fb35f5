"""Load YAML safely: no tags, aliases or duplicate keys; bounded size and depth; with positions.

Plain scalars are read with the YAML 1.2 core schema, not PyYAML's YAML 1.1 rules: `yes`,
`on`, `1:30` and `1_000` stay text, and an integer written with a leading zero (`010`, which
YAML 1.1 reads as 8 and YAML 1.2 as 10) is refused with a fix instead of guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from grader.course.problems import InputError, Problem, visible

# libyaml's parser when PyYAML has it (its wheels do): the same events and marks, much faster.
_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
_CORE = {  # the YAML 1.2 core schema, in resolution order
    _NULL: re.compile(r"~|null|Null|NULL|"),
    _BOOL: re.compile(r"true|True|TRUE|false|False|FALSE"),
    _INT: re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"),
    _FLOAT: re.compile(
        r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
    ),
}
_AMBIGUOUS_INT = re.compile(r"[-+]?0[0-9]+")


class _Core12Loader(_PARSER):  # type: ignore[misc, valid-type]
    """The fast parser with YAML 1.2 core-schema tag resolution instead of YAML 1.1's."""

    yaml_implicit_resolvers: dict = {}


for _tag, _pattern in _CORE.items():
    _Core12Loader.add_implicit_resolver(_tag, re.compile(rf"^(?:{_pattern.pattern})$"), None)
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


@dataclass(frozen=True)
class Limits:
    """Bounds on what one YAML document may contain."""

    max_bytes: int = 1 << 20
    max_depth: int = 32
    max_nodes: int = 50_000


@dataclass(frozen=True)
class Located:
    """A loaded document plus the (line, column) of every key path, both 1-based."""

    data: Any
    positions: dict[tuple, tuple[int, int]]
    duplicates: dict[tuple, Problem] = field(default_factory=dict)  # only when tolerated

    def where(self, *key_path: object) -> tuple[int | None, int | None]:
        """Return the position of `key_path`, or of its nearest known parent."""
        path = tuple(key_path)
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (None, None))


def load(
    text: str | bytes,
    source: str,
    limits: Limits = Limits(),
    *,
    tolerate_duplicates: bool = False,
) -> Located:
    """Parse one YAML document strictly, raising InputError with positions on any problem.

    With `tolerate_duplicates`, a repeated key keeps its first value and is reported in
    `Located.duplicates` instead of failing the whole document.
    """
    if isinstance(text, bytes):
        if len(text) > limits.max_bytes:
            raise InputError(_too_big(source, len(text), limits))
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                Problem(
                    source,
                    None,
                    None,
                    f"not valid UTF-8 (byte 0x{text[error.start]:02x} at offset {error.start});"
                    " save the file as UTF-8",
                )
            ) from None
    if len(text) > limits.max_bytes:
        raise InputError(_too_big(source, len(text), limits))
    try:
        _check_events(text, source, limits)
        node = yaml.compose(text, Loader=_Core12Loader)
    except InputError:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        what = error.problem or error.context or "invalid YAML"
        raise InputError(
            Problem(source, line, column, f"invalid YAML: {what}; check indentation and quoting")
        ) from None
    except yaml.YAMLError as error:
        raise InputError(Problem(source, None, None, f"invalid YAML: {error}")) from None
    positions: dict[tuple, tuple[int, int]] = {}
    if node is None:
        return Located(None, positions)
    duplicates: dict[tuple, Problem] | None = {} if tolerate_duplicates else None
    data = _convert(node, (), positions, source, duplicates)
    return Located(data, positions, duplicates or {})


def _too_big(source: str, size: int, limits: Limits) -> Problem:
    return Problem(
        source, None, None, f"file is {size} bytes; the limit is {limits.max_bytes} bytes"
    )


def _check_events(text: str, source: str, limits: Limits) -> None:
    depth = 0
    count = 0
    documents = 0
    for event in yaml.parse(text, Loader=_PARSER):
        line, column = event.start_mark.line + 1, event.start_mark.column + 1
        count += 1
        if count > limits.max_nodes:
            raise InputError(
                Problem(source, line, column, f"more than {limits.max_nodes} YAML nodes")
            )
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise InputError(
                    Problem(source, line, column, "more than one YAML document; remove '---'")
                )
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise InputError(
                Problem(
                    source,
                    line,
                    column,
                    "anchors and aliases (&name, *name) are not allowed; write the value out",
                )
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in ("!", *_STANDARD_TAGS):
            raise InputError(
                Problem(source, line, column, f"tag {tag!r} is not allowed; remove it")
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limits.max_depth:
                raise InputError(
                    Problem(source, line, column, f"nested deeper than {limits.max_depth} levels")
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _convert(
    node: yaml.Node,
    path: tuple,
    positions: dict[tuple, tuple[int, int]],
    source: str,
    duplicates: dict[tuple, Problem] | None = None,
) -> Any:
    positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(
                    Problem(source, line, column, "a key must be a plain name, not a list or map")
                )
            key = _scalar(key_node, source)
            if not isinstance(key, str):
                key = key_node.value
            if key in result:
                first = positions[(*path, key)]
                problem = Problem(
                    source,
                    line,
                    column,
                    f"duplicate key {key!r} (first at line {first[0]}); keep only one",
                )
                if duplicates is None:
                    raise InputError(problem)
                duplicates.setdefault((*path, key), problem)
                continue
            positions[(*path, key)] = (line, column)
            result[key] = _convert(value_node, (*path, key), positions, source, duplicates)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), positions, source, duplicates)
            for index, item in enumerate(node.value)
        ]
    return _scalar(node, source)


def _scalar(node: yaml.Node, source: str) -> Any:
    """Construct one scalar by the YAML 1.2 core rules, or raise InputError with a fix."""
    tag, value = node.tag, node.value
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    shown = visible(str(value))[:40]
    if tag == _STR or tag == "!":
        return value
    pattern = _CORE.get(tag)
    if pattern is None or not isinstance(value, str) or not pattern.fullmatch(value):
        what = {_NULL: "null", _BOOL: "true/false", _INT: "an integer", _FLOAT: "a number"}
        raise InputError(
            Problem(
                source,
                line,
                column,
                f"cannot read '{shown}' as {what.get(tag, tag)}; remove the tag or quote the value",
            )
        )
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return value.lower() == "true"
    if tag == _INT:
        if _AMBIGUOUS_INT.fullmatch(value):
            raise InputError(
                Problem(
                    source,
                    line,
                    column,
                    f"'{shown}' has a leading zero, which YAML 1.1 reads as octal and YAML 1.2"
                    f" as decimal; write {value.lstrip('+-0') or '0'} or quote it",
                )
            )
        try:
            if value.startswith("0o"):
                return int(value[2:], 8)
            if value.startswith("0x"):
                return int(value[2:], 16)
            return int(value)
        except ValueError:  # more digits than Python converts
            raise InputError(
                Problem(source, line, column, f"the integer '{shown}…' is too long; shorten it")
            ) from None
    lowered = value.lower().lstrip("+-")
    if lowered == ".inf":
        return -math.inf if value.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(value)

"""Load YAML safely: no tags, aliases or duplicate keys; bounded size and depth; with positions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from grader.course.problems import InputError, Problem

_SCALAR_LOADER = yaml.SafeLoader("")
# libyaml's parser when PyYAML has it (its wheels do): the same events and marks, much faster.
_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
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
        node = yaml.compose(text, Loader=_PARSER)
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
            key = _SCALAR_LOADER.construct_object(key_node)
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
    try:
        return _SCALAR_LOADER.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError):
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        raise InputError(
            Problem(source, line, column, f"cannot read the value {node.value!r}; quote it")
        ) from None

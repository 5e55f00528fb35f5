"""`json.dumps(data, indent=2, ensure_ascii=False)`, byte for byte, at the C encoder's speed.

With `indent`, the standard library encodes in pure Python; a batch renders one large JSON
report per submission. Here each run of consecutive scalar values in a dict or list is
encoded by the C encoder in one call, with the line break and indentation of its depth as
the item separator; only the nesting is walked in Python. Anything this does not know (a
container other than dict, list or tuple; a non-string key beside a container) goes to
`json.dumps`, as does everything when the C encoder is missing.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any

_SCALARS = frozenset({str, int, float, bool, type(None)})
_key = json.encoder.encode_basestring  # ensure_ascii=False's string encoder
_C_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
_FLAT: dict[int, Callable[[Any, int], Any]] = {}  # depth -> C encoder of scalars at that depth


class _Unknown(Exception):
    """Raise when a value needs the standard library's own path."""


def dumps_indent2(data: Any) -> str:
    """Return `json.dumps(data, indent=2, ensure_ascii=False)`."""
    if _C_ENCODER is None:
        return json.dumps(data, indent=2, ensure_ascii=False)
    try:
        parts: list[str] = []
        _encode(data, 0, parts)
    except _Unknown:
        return json.dumps(data, indent=2, ensure_ascii=False)
    return "".join(parts)


def _flat(value: Any, depth: int) -> str:
    """Encode a dict or list of scalars as `indent=2` would at `depth`, without its brackets."""
    encoder = _FLAT.get(depth)
    if encoder is None:
        separator = ",\n" + "  " * (depth + 1)
        encoder = _FLAT[depth] = _C_ENCODER(
            None, _no_default, _key, None, ": ", separator, False, False, True
        )
    return "".join(encoder(value, 0))[1:-1]


def _no_default(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encode(value: Any, depth: int, parts: list[str]) -> None:
    kind = type(value)
    if kind in _SCALARS:
        parts.append(_flat([value], depth))
        return
    if kind is not dict and kind is not list and kind is not tuple:
        raise _Unknown
    opening, closing = ("{", "}") if kind is dict else ("[", "]")
    if not value:
        parts.append(opening + closing)
        return
    inner = "\n" + "  " * (depth + 1)
    parts.append(opening + inner)
    if kind is dict:
        _dict(value, depth, inner, parts)
    else:
        _list(value, depth, inner, parts)
    parts.append(inner[:-2] + closing)


def _dict(value: dict, depth: int, inner: str, parts: list[str]) -> None:
    run: dict = {}
    separator = ""
    for key, item in value.items():
        if type(item) in _SCALARS:
            run[key] = item
            continue
        if type(key) is not str:
            raise _Unknown
        if run:
            parts.append(separator + _flat(run, depth))
            separator, run = "," + inner, {}
        parts.append(separator + _key(key) + ": ")
        _encode(item, depth + 1, parts)
        separator = "," + inner
    if run:
        parts.append(separator + _flat(run, depth))


def _list(value: list | tuple, depth: int, inner: str, parts: list[str]) -> None:
    run: list = []
    separator = ""
    for item in value:
        if type(item) in _SCALARS:
            run.append(item)
            continue
        if run:
            parts.append(separator + _flat(run, depth))
            separator, run = "," + inner, []
        parts.append(separator)
        _encode(item, depth + 1, parts)
        separator = "," + inner
    if run:
        parts.append(separator + _flat(run, depth))

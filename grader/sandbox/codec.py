"""Encode trusted arguments for a worker and decode a worker's (hostile) replies.

The wire format is JSON with tagged objects; no pickle, no eval, no method of a student
object is ever called here.  Every JSON object on the wire is a tagged node:

* ``{"t": "tuple", "v": [...]}``, ``{"t": "dict", "v": [[key, value], ...]}``
* ``{"t": "int", "v": "<decimal digits>"}`` for ints beyond 2**53
* ``{"t": "npscalar", "dtype": name, "b64": ...}``
* ``{"t": "nd", "dtype": name, "shape": [...], "b64": ...}`` (C order, native byte order)
* ``{"t": "opaque", "type": name, "text": ...}`` (worker to trusted side only)

JSON lists are lists; JSON numbers, strings, booleans and null are themselves.
"""

from __future__ import annotations

import base64
import binascii
import re

import numpy as np

from grader.sandbox.child import wire
from grader.sandbox.outcomes import Frame, Opaque

DTYPES: dict[str, np.dtype] = {name: np.dtype(name) for name in wire.DTYPES}

MAX_DEPTH = wire.MAX_DEPTH
MAX_ITEMS = wire.MAX_ITEMS
MAX_NDIM = wire.MAX_NDIM
MAX_TYPE_NAME = wire.ACCEPT_TYPE_NAME
MAX_TEXT = wire.ACCEPT_TEXT
MAX_MESSAGE = wire.ACCEPT_MESSAGE
MAX_FRAMES = wire.ACCEPT_FRAMES
MAX_INT_DIGITS = wire.MAX_INT_DIGITS
_INT_TEXT = re.compile(rf"-?[0-9]{{1,{MAX_INT_DIGITS}}}")


class Malformed(Exception):
    """The worker sent something that does not follow the protocol."""


# --------------------------------------------------------------------------- trusted -> worker


def encode_arg(value: object, depth: int = 0) -> object:
    """Encode a trusted argument; raise TypeError for a type the sandbox does not carry."""
    if depth > MAX_DEPTH:
        raise TypeError("argument nested too deeply for the sandbox")
    kind = type(value)
    if kind is float or kind is str or kind is bool or value is None:  # most values, at once
        return value
    if kind is int and -(2**53) < value < 2**53:  # type: ignore[operator]
        return value
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        name = value.dtype.name
        if name not in DTYPES or value.dtype.kind not in "biuf":
            raise TypeError(f"the sandbox cannot pass numpy {name} scalars")
        data = np.asarray(value, dtype=DTYPES[name]).tobytes()
        return {"t": "npscalar", "dtype": name, "b64": base64.b64encode(data).decode()}
    if isinstance(value, int):
        value = int(value)
        if -(2**53) < value < 2**53:
            return value
        return {"t": "int", "v": str(value)}
    if isinstance(value, float):
        return float(value)
    if isinstance(value, np.ndarray):
        name = value.dtype.name
        if name not in DTYPES or value.dtype.kind not in "biuf" or value.dtype.fields:
            raise TypeError(f"the sandbox cannot pass numpy arrays of {value.dtype}")
        arr = np.asarray(value, dtype=DTYPES[name])
        data = arr.tobytes(order="C")
        return {
            "t": "nd",
            "dtype": name,
            "shape": [int(n) for n in arr.shape],
            "b64": base64.b64encode(data).decode(),
        }
    if isinstance(value, list):
        return [encode_arg(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"t": "tuple", "v": [encode_arg(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("the sandbox can only pass dicts with str keys")
        return {"t": "dict", "v": [[k, encode_arg(v, depth + 1)] for k, v in value.items()]}
    raise TypeError(f"the sandbox cannot pass a {type(value).__name__}")


# --------------------------------------------------------------------------- worker -> trusted


class Decoder:
    """Decode one hostile reply, validating every field."""

    def __init__(self, max_bytes: int) -> None:
        self.items_left = MAX_ITEMS
        self.bytes_left = max_bytes

    def value(self, node: object, depth: int = 0) -> object:
        """Decode one encoded value."""
        if depth > MAX_DEPTH + 1:
            raise Malformed("nested too deeply")
        tp = type(node)
        if node is None or tp is bool or tp is str or tp is int:
            return node
        if tp is float:
            return node
        if tp is list:
            self._count(len(node))
            return [self.value(v, depth + 1) for v in node]
        if tp is not dict:
            raise Malformed(f"unexpected {tp.__name__}")
        tag = node.get("t")
        if tag == "tuple":
            items = self._field(node, "v", list, {"t", "v"})
            self._count(len(items))
            return tuple(self.value(v, depth + 1) for v in items)
        if tag == "dict":
            pairs = self._field(node, "v", list, {"t", "v"})
            self._count(len(pairs))
            out = {}
            for pair in pairs:
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                    raise Malformed("bad dict item")
                out[pair[0]] = self.value(pair[1], depth + 1)
            return out
        if tag == "int":
            text = self._field(node, "v", str, {"t", "v"})
            if not _INT_TEXT.fullmatch(text):
                raise Malformed("bad int")
            return int(text)
        if tag == "npscalar":
            dtype = self._dtype(node, {"t", "dtype", "b64"})
            data = self._bytes(node)
            if len(data) != dtype.itemsize:
                raise Malformed("bad scalar size")
            return np.frombuffer(data, dtype=dtype)[0]
        if tag == "nd":
            return self._array(node)
        if tag == "opaque":
            tname = self._field(node, "type", str, {"t", "type", "text"})
            text = self._field(node, "text", str, {"t", "type", "text"})
            return Opaque(tname[:MAX_TYPE_NAME], text[:MAX_TEXT])
        raise Malformed("unknown tag")

    def _count(self, n: int) -> None:
        """Charge ``n`` items against the item budget."""
        self.items_left -= n
        if self.items_left < 0:
            raise Malformed("too many items")

    @staticmethod
    def _field(node: dict, key: str, tp: type, keys: set[str]) -> object:
        """Read one field of a tagged node, checking its type and the node's keys."""
        if set(node) != keys:
            raise Malformed("bad keys")
        value = node[key]
        if type(value) is not tp:
            raise Malformed(f"bad field {key}")
        return value

    def _dtype(self, node: dict, keys: set[str]) -> np.dtype:
        """Read a whitelisted dtype."""
        name = self._field(node, "dtype", str, keys)
        dtype = DTYPES.get(name)
        if dtype is None:
            raise Malformed("bad dtype")
        return dtype

    def _bytes(self, node: dict) -> bytes:
        """Read base64 data within the byte budget."""
        text = node["b64"]
        if type(text) is not str:
            raise Malformed("bad data")
        if len(text) > self.bytes_left * 4 // 3 + 8:
            raise Malformed("data too large")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Malformed("bad base64") from exc
        self.bytes_left -= len(data)
        if self.bytes_left < 0:
            raise Malformed("data too large")
        return data

    def _array(self, node: dict) -> np.ndarray:
        """Decode an ndarray node."""
        keys = {"t", "dtype", "shape", "b64"}
        dtype = self._dtype(node, keys)
        shape = self._field(node, "shape", list, keys)
        if len(shape) > MAX_NDIM:
            raise Malformed("too many dimensions")
        size = 1
        for n in shape:
            if type(n) is not int or n < 0 or n > 1 << 40:
                raise Malformed("bad shape")
            size *= n
        if size * dtype.itemsize > max(self.bytes_left, 0) + 1:
            raise Malformed("array too large")
        data = self._bytes(node)
        if len(data) != size * dtype.itemsize:
            raise Malformed("array size does not match its shape")
        try:
            if size == 0:
                return np.zeros(tuple(shape), dtype=dtype)
            return np.frombuffer(bytearray(data), dtype=dtype).reshape(tuple(shape))
        except (ValueError, MemoryError, OverflowError):
            # e.g. a shape numpy refuses: the student's value, not the protocol, is at fault
            dims = "x".join(str(n) for n in shape[:8]) + ("x..." if len(shape) > 8 else "")
            return Opaque("ndarray", f"an array of shape {dims} that numpy cannot rebuild")


def _str(value: object, limit: int) -> str:
    """Check that a field is a str and cut it."""
    if type(value) is not str:
        raise Malformed("expected a str")
    return value[:limit]


def decode_frames(value: object) -> tuple[Frame, ...]:
    """Decode a list of student frames."""
    if type(value) is not list or len(value) > MAX_FRAMES:
        raise Malformed("bad frames")
    frames = []
    for item in value:
        if type(item) is not list or len(item) != 4 or type(item[1]) is not int:
            raise Malformed("bad frame")
        if not 0 <= item[1] < 1 << 31:
            raise Malformed("bad line number")
        frames.append(
            Frame(_str(item[0], 200), item[1], _str(item[2], 200), _str(item[3], MAX_TEXT))
        )
    return tuple(frames)


def decode_message(value: object) -> str:
    """Decode an exception message or a reason."""
    return _str(value, MAX_MESSAGE)


def decode_type_name(value: object) -> str:
    """Decode a type name."""
    return _str(value, MAX_TYPE_NAME)

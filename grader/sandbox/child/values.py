"""Describe and encode student values by exact type, never trusting them (child program)."""

from __future__ import annotations

import base64
import signal
from collections.abc import Callable

from .wire import DTYPES, MAX_DEPTH, MAX_INT_BITS, MAX_STR, MAX_TOKENS
from .wire import SEND_TEXT as MAX_TEXT

# --------------------------------------------------------------------------- worker: guards


class _Slow(BaseException):
    """Interrupt a student method (``__repr__``, ``__str__``) that takes too long."""


def _on_alarm(signum: int, frame: object) -> None:
    """Raise _Slow from the SIGALRM handler."""
    raise _Slow()


def guarded(
    fn: Callable[..., object], *args: object, default: object = None, seconds: float = 0.5
) -> object:
    """Run a possibly hostile callable; return ``default`` if it raises or takes too long."""
    try:
        old = signal.signal(signal.SIGALRM, _on_alarm)
    except BaseException:
        old = None
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        return fn(*args)
    except BaseException:
        return default
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old if old is not None else signal.SIG_DFL)
        except BaseException:
            pass


def type_name(tp: type) -> str:
    """Return a class's qualified name without running any student code."""
    try:
        name = type.__dict__["__qualname__"].__get__(tp, type)
    except BaseException:
        name = None
    if type(name) is not str:
        return "object"
    return name[:MAX_TEXT]


def _clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def describe(value: object) -> str:
    """Make a short description of a value, falling back to its type name."""
    text = guarded(repr, value)
    if type(text) is not str:
        return type_name(type(value))
    return _clip(text, MAX_TEXT)


# --------------------------------------------------------------------------- worker: codec

try:
    import numpy as np

    NP_SCALARS: dict[type, str] = {np.dtype(name).type: name for name in DTYPES}
    for _extra in ("longlong", "ulonglong", "intc", "uintc", "int_", "uint"):
        _tp = getattr(np, _extra, None)
        if _tp is not None and _tp not in NP_SCALARS and np.dtype(_tp).name in DTYPES:
            NP_SCALARS[_tp] = np.dtype(_tp).name
except ImportError:  # pragma: no cover - numpy is a dependency
    np = None  # type: ignore[assignment]
    NP_SCALARS = {}


class TooBig(Exception):
    """Signal that a value is too large to send."""


def opaque(value: object, text: str | None = None) -> dict:
    """Encode a value that is not sent as plain data."""
    tname = type_name(type(value))
    return {"t": "opaque", "type": tname, "text": text if text is not None else describe(value)}


def tokens(text: str) -> int:
    """Count the characters of ``text`` the trusted side counts as JSON tokens."""
    return text.count(",") + text.count("[") + text.count("{")


def encode(value: object, budget: list[int], depth: int = 0) -> object:
    """Encode a value by its exact type; ``budget`` is [tokens left, bytes left].

    Every node is charged an upper bound of the JSON brackets and commas it adds, so a reply
    this encoder makes always passes the trusted side's token check (``wire.MAX_TOKENS``).
    """
    budget[0] -= 4
    if budget[0] < 0:
        raise TooBig()
    node = _encode(value, budget, depth)
    if type(node) is dict and node.get("t") == "opaque":
        budget[0] -= tokens(node["text"]) + tokens(node["type"])
    return node


def _encode(value: object, budget: list[int], depth: int) -> object:
    """Do the work of ``encode``."""
    tp = type(value)
    if value is None or tp is bool or tp is float:
        return value
    if tp is int:
        if -(2**53) < value < 2**53:
            return value
        if value.bit_length() > MAX_INT_BITS:
            return opaque(value, f"an int of {value.bit_length()} bits (too large to send)")
        text = str(value)
        budget[1] -= len(text)
        return {"t": "int", "v": text}
    if tp is str:
        if len(value) > MAX_STR:
            return opaque(value, f"a str of {len(value)} characters (too long to send)")
        budget[1] -= len(value)
        budget[0] -= tokens(value)
        if budget[1] < 0 or budget[0] < 0:
            raise TooBig()
        return value
    if tp is list or tp is tuple or tp is dict:
        if depth >= MAX_DEPTH:
            return opaque(value, f"a {type_name(tp)} nested too deeply")
        budget[0] -= 3 * len(value) + 3
        if budget[0] < 0:
            raise TooBig()
        if tp is dict:
            items = list(dict.items(value))
            if any(type(k) is not str for k, _ in items):
                return opaque(value, "a dict with keys that are not all str")
            out = []
            for k, v in items:
                budget[1] -= len(k)
                budget[0] -= tokens(k)
                out.append([k, encode(v, budget, depth + 1)])
            return {"t": "dict", "v": out}
        items = [encode(v, budget, depth + 1) for v in value]
        return items if tp is list else {"t": "tuple", "v": items}
    if tp in NP_SCALARS:
        data = np.ndarray.tobytes(np.asarray(value))
        return {"t": "npscalar", "dtype": NP_SCALARS[tp], "b64": base64.b64encode(data).decode()}
    if np is not None and tp is np.ndarray:
        dtype = value.dtype
        name = dtype.name if dtype.fields is None and dtype.subdtype is None else ""
        if name not in DTYPES or dtype.kind not in "biuf":
            return opaque(value)
        if not dtype.isnative:
            value = value.astype(dtype.newbyteorder("="))
        if value.nbytes * 4 // 3 + 64 > budget[1]:
            raise TooBig()
        data = np.ndarray.tobytes(value, order="C")
        budget[1] -= len(data) * 4 // 3 + 64
        budget[0] -= value.ndim
        return {
            "t": "nd",
            "dtype": name,
            "shape": [int(n) for n in value.shape],
            "b64": base64.b64encode(data).decode(),
        }
    return opaque(value)


def encode_top(value: object, byte_budget: int) -> object:
    """Encode a top-level value, making it opaque when it is too large."""
    try:
        return encode(value, [MAX_TOKENS, byte_budget])
    except TooBig:
        return opaque(value, f"a {type_name(type(value))} too large to send")
    except RecursionError:
        return opaque(value, f"a {type_name(type(value))} nested too deeply")


def decode(node: object) -> object:
    """Decode a trusted argument (the format ``_codec.encode_arg`` makes)."""
    if type(node) is list:
        return [decode(v) for v in node]
    if type(node) is not dict:
        return node
    tag = node["t"]
    if tag == "tuple":
        return tuple(decode(v) for v in node["v"])
    if tag == "dict":
        return {k: decode(v) for k, v in node["v"]}
    if tag == "int":
        return int(node["v"])
    if tag == "npscalar":
        return np.frombuffer(base64.b64decode(node["b64"]), dtype=node["dtype"])[0]
    if tag == "nd":
        data = bytearray(base64.b64decode(node["b64"]))
        return np.frombuffer(data, dtype=node["dtype"]).reshape(node["shape"])
    raise ValueError(f"unknown tag {tag!r}")

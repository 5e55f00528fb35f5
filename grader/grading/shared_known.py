"""Share known-wrong fingerprints between the grading processes of one batch, through a folder.

Naming a mistake needs every known-wrong file of the exercise graded the way a student's file
is (diagnosis.py), about 25 ms of CPU per file and up to dozens of files per course, and each
batch worker used to grade them all itself. Now the first worker to need an exercise's results
claims them (a file created exclusively), grades the files and saves what a diagnosis compares
(each check's result and observations) as tagged JSON, never pickle; the others read that, or
wait a little while it is made. Anything missing, unreadable or late means grading them here,
as before. The folder belongs to the batch's trusted parent: student code never runs in the
processes that read or write it, and the sandbox cannot reach it.
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from grader.course.cache import write_json
from grader.grading.diagnosis import Run
from grader.grading.fingerprints import Observation
from grader.grading.results import CheckResult, Status
from grader.sandbox.outcomes import Frame, Opaque
from grader.sandbox.sweep import pid_alive

Known = dict[str, dict[str, Run]]  # misconception id -> check -> run
_FORMAT = "grade-known-wrong-1"
_POLL = 0.02


class SharedKnownWrong:
    """A folder of known-wrong results, one file per exercise content key."""

    def __init__(self, folder: Path, wait_seconds: float = 2.0) -> None:
        self.folder = folder
        # How long to wait for another worker's results (it counts against the submission's
        # budget), unless that worker is seen to be gone.
        self.wait_seconds = wait_seconds

    def fetch(self, key: str) -> Known | None:
        """Return saved results; None means: grade them here (and `put` them if ours to make)."""
        found, saved = self._read(key)
        if found:
            return saved
        claim = self.folder / f"{key}.claim"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            return None  # ours to make
        except FileExistsError:
            pass
        except OSError:
            return None
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:  # another worker is grading them right now
            time.sleep(_POLL)
            found, saved = self._read(key)
            if found:
                return saved
            if not _maker_alive(claim):
                break
        return None

    def put(self, key: str, known: Known | None) -> None:
        """Save the results (None: they could not be made; the others make their own)."""
        try:
            data = None if known is None else _pack_known(known)
        except (TypeError, ValueError):
            data = None  # a value this format does not carry: each worker grades its own
        try:
            write_json(self.folder / f"{key}.json", {"format": _FORMAT, "known": data})
        except OSError:
            pass

    def _read(self, key: str) -> tuple[bool, Known | None]:
        """Return (saved yet, the results or None when they are not to be had from here)."""
        try:
            text = (self.folder / f"{key}.json").read_text(encoding="utf-8")
        except OSError:
            return False, None
        try:
            data = json.loads(text)
            if data.get("format") != _FORMAT or data["known"] is None:
                return True, None
            return True, _unpack_known(data["known"])
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return True, None


def _pack_known(known: Known) -> dict:
    return {
        wrong: {
            test: {
                "result": _pack_result(run.result),
                "observed": [_pack_seen(o) for o in run.observed],
            }
            for test, run in runs.items()
        }
        for wrong, runs in known.items()
    }


def _unpack_known(data: dict) -> Known:
    return {
        str(wrong): {
            str(test): Run(
                _unpack_result(run["result"]), tuple(_unpack_seen(o) for o in run["observed"])
            )
            for test, run in runs.items()
        }
        for wrong, runs in data.items()
    }


def _pack_result(result: CheckResult) -> dict:
    return {
        "test": result.test,
        "name": result.name,
        "status": result.status.value,
        "score": result.score,
        "max_score": result.max_score,
        "visibility": result.visibility,
        "message": result.message,
        "frames": [[f.file, f.line, f.function, f.code] for f in result.frames],
        "output": result.output,
        "advisory": result.advisory,
        "seconds": result.seconds,
    }


def _unpack_result(data: dict) -> CheckResult:
    frames = tuple(Frame(str(a), int(b), str(c), str(d)) for a, b, c, d in data["frames"])
    return CheckResult(**{**data, "status": Status(data["status"]), "frames": frames})


def _pack_seen(seen: Observation) -> list:
    return [seen.call, seen.kind, _pack(seen.detail)]


def _unpack_seen(data: list) -> Observation:
    call, kind, detail = data
    return Observation(str(call), str(kind), _unpack(detail))


def _pack(value: Any) -> Any:
    """Tag a decoded value so that it comes back with the same type and contents."""
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return {"int": str(value)}
    if type(value) is float:
        return {"float": value.hex()}
    if type(value) in (list, tuple):
        return {type(value).__name__: [_pack(item) for item in value]}
    if type(value) is dict:
        return {"dict": [[_pack(k), _pack(v)] for k, v in value.items()]}
    if type(value) is np.ndarray and not value.dtype.hasobject:
        raw = base64.b64encode(np.ascontiguousarray(value).tobytes()).decode()
        return {"nd": value.dtype.str, "shape": list(value.shape), "b64": raw}
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        return {"np": value.dtype.str, "b64": base64.b64encode(value.tobytes()).decode()}
    if type(value) is Opaque:
        return {"opaque": [value.type_name, value.text]}
    raise TypeError(f"cannot save a {type(value).__name__}")


def _unpack(node: Any) -> Any:
    if node is None or type(node) in (bool, str):
        return node
    if type(node) is not dict:
        raise ValueError("not a saved value")
    if "int" in node:
        return int(node["int"])
    if "float" in node:
        return float.fromhex(node["float"])
    if "list" in node:
        return [_unpack(item) for item in node["list"]]
    if "tuple" in node:
        return tuple(_unpack(item) for item in node["tuple"])
    if "dict" in node:
        return {_unpack(k): _unpack(v) for k, v in node["dict"]}
    if "nd" in node:
        data = base64.b64decode(node["b64"])
        return np.frombuffer(data, dtype=np.dtype(node["nd"])).reshape(node["shape"]).copy()
    if "np" in node:
        return np.frombuffer(base64.b64decode(node["b64"]), dtype=np.dtype(node["np"]))[0]
    if "opaque" in node:
        type_name, text = node["opaque"]
        return Opaque(str(type_name), str(text))
    raise ValueError("not a saved value")


def _maker_alive(claim: Path) -> bool:
    """Tell whether the process that claimed some results may still be making them."""
    try:
        pid = int(claim.read_text(encoding="ascii") or "0")
    except (OSError, ValueError):
        return True  # being written: assume it lives
    if pid <= 0 or os.name != "posix":
        return True  # no cheap check here: the wait's deadline decides
    return pid_alive(pid)

"""The child program is a folder of its own: stdlib and numpy only, started from its file."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from grader.sandbox.child import wire

CHILD = Path(__file__).resolve().parents[2] / "grader" / "sandbox" / "child"


def test_child_imports_only_the_standard_library_and_numpy() -> None:
    for path in sorted(CHILD.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top != "grader", f"{path.name} imports {name}"
                allowed = top in sys.stdlib_module_names or top in ("numpy", "grader_sandbox_child")
                assert allowed, f"{path.name} imports {name}"


def test_every_child_module_stays_small() -> None:
    for path in CHILD.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 500, path.name


def test_worker_can_be_driven_over_plain_pipes(tmp_path: Path) -> None:
    """A portable backend can run the worker without fork, seccomp or memfd."""
    (tmp_path / "m.py").write_text("print('noise')\ndef double(x):\n    return 2 * x\n")
    cfg = {"dir": str(tmp_path), "files": ["m.py"], "reply_bytes": 1 << 20, "cpu_seconds": 30}
    call = {"op": "call", "module": "m", "fn": "double", "seq": 2}
    call |= {"args": {"t": "tuple", "v": [21]}, "kwargs": {"t": "dict", "v": []}}
    requests = [{"op": "load", "module": "m", "seq": 1}, call]
    data = b"".join(wire.header(len(b)) + b for b in (json.dumps(r).encode() for r in requests))
    proc = subprocess.run(
        [sys.executable, "-I", "-B", str(CHILD / "__main__.py"), "--pipes", json.dumps(cfg)],
        input=data,
        capture_output=True,
        timeout=60,
        check=False,
    )
    replies = []
    out = proc.stdout
    while out:
        size = wire.frame_size(out[: wire.HEADER_BYTES])
        replies.append(json.loads(out[wire.HEADER_BYTES : wire.HEADER_BYTES + size]))
        out = out[wire.HEADER_BYTES + size :]
    assert [r.get("seq") for r in replies] == [0, 1, 2]
    assert replies[1]["status"] == "ok"
    assert replies[2] == {"status": "ok", "value": 42, "seq": 2}
    assert b"noise" in proc.stderr  # the student's output never enters the protocol

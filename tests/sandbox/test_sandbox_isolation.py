"""Per-request isolation inside a worker: fresh output file, pristine numpy and warnings."""

from __future__ import annotations

import pytest

from grader.sandbox.outcomes import Returned

OVERFLOW = """
import numpy as np
import os
import warnings

np.seterr(all="ignore")
warnings.simplefilter("ignore")
warnings.showwarning = lambda *a, **k: None

def sigmoid(z):
    return 1 / (1 + np.exp(-z))

def rewind_then_warn():
    os.lseek(1, 0, 0)
    os.lseek(2, 0, 0)
    return float(np.float64(1e308) * 10)
"""


def test_numpy_and_warnings_state_is_reset_before_every_call(submit) -> None:
    sub = submit({"m.py": OVERFLOW})
    for _ in range(2):
        outcome = sub.call("m", "sigmoid", (-1000.0,))
        assert isinstance(outcome, Returned) and outcome.value == 0.0
        assert "RuntimeWarning: overflow encountered in exp" in outcome.output
    assert "overflow encountered" in sub.call("m", "rewind_then_warn").output


def test_a_flood_at_import_neither_fails_the_module_nor_hides_later_output(submit) -> None:
    sub = submit(
        {
            "m.py": """
                import os
                for i in range(20000):
                    print("flood", i)
                os.write(1, b"x" * 100_000)
                os.write(2, b"y" * 100_000)

                def f():
                    print("hello")
                    return 1
            """
        }
    )
    assert sub.call("m", "f") == Returned(1, output="hello\n")
    assert sub.call("m", "f") == Returned(1, output="hello\n")  # per request, not per worker


def test_output_past_the_cap_is_cut_with_a_note(submit, sandbox) -> None:
    cap = sandbox.limits.output_bytes
    sub = submit({"m.py": "def f():\n    print('z' * 10000)\n    return 2\n"})
    outcome = sub.call("m", "f")
    assert outcome.value == 2
    assert outcome.output.startswith("z" * cap)
    assert outcome.output.endswith(f"[output truncated: 10001 bytes printed, {cap} shown]")


# --------------------------------------------------------------------------- robustness


def test_reply_memory_is_bounded_before_parsing() -> None:
    """A reply of 16 MiB of empty lists is refused by counting, never parsed (was ~400 MB)."""
    import resource

    from grader.sandbox import core
    from grader.sandbox.codec import Malformed

    raw = b'{"seq":1,"status":"ok","value":[' + b",".join([b"[]"] * 2_000_000) + b"]}"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(Malformed, match="^too many items$"):
        core.load_json(raw)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 20_000  # KiB


def test_an_array_numpy_cannot_rebuild_is_described_not_a_crash() -> None:
    from grader.sandbox.codec import Decoder
    from grader.sandbox.outcomes import Opaque

    node = {"t": "nd", "dtype": "float64", "shape": [0, 1 << 40, 1 << 40], "b64": ""}
    value = Decoder(1 << 20).value(node)
    assert value == Opaque(
        "ndarray", f"an array of shape 0x{1 << 40}x{1 << 40} that numpy cannot rebuild"
    )


def test_values_too_large_or_deep_come_back_described(submit) -> None:
    sub = submit(
        {
            "m.py": """
                BIG = 10**400
                def nest(n):
                    v = 1.0
                    for _ in range(n):
                        v = [v]
                    return v
                def many():
                    return [[] for _ in range(400_000)]
                def commas():
                    return "," * 1_000_000
            """
        }
    )
    assert sub.get("m", "BIG").value == 10**400
    assert sub.call("m", "nest", (16,)).value == sub.call("m", "nest", (16,)).value
    deep = sub.call("m", "nest", (20,)).value
    for _ in range(16):
        deep = deep[0]
    assert deep.text == "a list nested too deeply"
    for function in ("many", "commas"):  # within the reply size, past the token budget
        outcome = sub.call("m", function)
        assert isinstance(outcome, Returned), outcome
        assert "too large to send" in outcome.value.text

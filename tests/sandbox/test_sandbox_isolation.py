"""Per-request isolation inside a worker: fresh output file, pristine numpy and warnings."""

from __future__ import annotations

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

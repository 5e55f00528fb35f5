"""Measure the sandbox: zygote ready time, worker spawn+import time, call round trip (medians).

Run with ``python benchmarks/bench_sandbox.py``; this is a script, not a timed test.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from grader.sandbox import Sandbox

STUDENT = """
import numpy as np

def sigmoid(z):
    return 1 / (1 + np.exp(-z))

def identity(x):
    return x
"""


def _median_ms(samples: list[float]) -> str:
    """Format the median of samples (seconds) in milliseconds."""
    return f"{statistics.median(samples) * 1000:.3f} ms"


def bench_zygote(rounds: int) -> list[float]:
    """Time from Sandbox() to a ready zygote (its first use waits for it)."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        sandbox = Sandbox()
        zygote = sandbox._state.zygote
        assert zygote is not None
        zygote.wait_ready()
        samples.append(time.perf_counter() - start)
        sandbox.close()
    return samples


def bench_worker(sandbox: Sandbox, folder: Path, rounds: int) -> tuple[list[float], list[float]]:
    """Time open + first call (copy, fork, setup, import, call), then close, on a warm zygote."""
    samples, closing = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        sub = sandbox.open(folder, ["sigmoid.py"])
        outcome = sub.call("sigmoid", "sigmoid", (0.0,))
        middle = time.perf_counter()
        sub.close()
        closing.append(time.perf_counter() - middle)
        samples.append(middle - start)
        assert outcome.value == 0.5, outcome
    return samples, closing


def bench_calls(sandbox: Sandbox, folder: Path, rounds: int, args: tuple) -> list[float]:
    """Time call round trips into a running worker."""
    samples = []
    with sandbox.open(folder, ["sigmoid.py"]) as sub:
        sub.call("sigmoid", "identity", args)
        for _ in range(rounds):
            start = time.perf_counter()
            sub.call("sigmoid", "identity", args)
            samples.append(time.perf_counter() - start)
    return samples


def bench_hanging(sandbox: Sandbox, folder: Path, modules: int, calls: int) -> float:
    """Time a submission whose every call hangs: the time budgets must cap it at a few s."""
    names = [f"hang{i}.py" for i in range(modules)]
    for name in names:
        (folder / name).write_text("def f(x):\n    while True:\n        pass\n")
    start = time.perf_counter()
    with sandbox.open(folder, names) as sub:
        for name in names:
            for _ in range(calls):
                sub.call(name[:-3], "f", (1.0,))
    return time.perf_counter() - start


def main() -> None:
    """Print the medians."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "sigmoid.py").write_text(STUDENT)
        print("zygote ready (python + numpy):", _median_ms(bench_zygote(7)))
        with Sandbox() as sandbox:
            sandbox.open(folder, ["sigmoid.py"]).close()
            spawn, closing = bench_worker(sandbox, folder, 50)
            print("open + worker spawn + import + first call:", _median_ms(spawn))
            print("submission close (kill + reap + rmtree):", _median_ms(closing))
            print(
                "call round trip (float):", _median_ms(bench_calls(sandbox, folder, 2000, (0.5,)))
            )
            arr = np.random.default_rng(0).normal(size=(100, 100))
            print(
                "call round trip (100x100 float64):",
                _median_ms(bench_calls(sandbox, folder, 500, (arr,))),
            )
        with Sandbox() as sandbox:
            seconds = bench_hanging(sandbox, folder, 8, 5)
            print(f"a submission whose every call hangs (8 modules x 5 calls): {seconds:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the trusted process: {peak:.0f} MiB (workers are capped separately)")


if __name__ == "__main__":
    main()

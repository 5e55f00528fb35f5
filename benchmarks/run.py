"""Run every benchmark in turn: latency, grading vs plain pytest, the sandbox, the site, batch.

    python benchmarks/run.py            # all of them
    python benchmarks/run.py --latency  # only what students wait for: grade check and watch

Each prints its medians and peak memory; the exit status is non-zero if any target is missed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "bench_latency.py",
    "bench_grade.py",
    "bench_sandbox.py",
    "bench_site.py",
    "bench_batch.py",
]


def main() -> None:
    """Run each benchmark script as its own process and report which missed a target."""
    failed = []
    for name in ["bench_latency.py"] if "--latency" in sys.argv[1:] else BENCHMARKS:
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], check=False).returncode != 0:
            failed.append(name)
        print(flush=True)
    if failed:
        print(f"targets missed in: {', '.join(failed)}")
        sys.exit(1)
    print("all targets met")


if __name__ == "__main__":
    main()

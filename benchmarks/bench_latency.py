"""Benchmark what a student waits for: one-shot `grade check`, and `grade watch` after a save.

The workspace: `grade init`, then the reference solutions copied in (a complete workspace).
The selection: the five required items (weighted_sum, sigmoid, relu, perceptron and the ReLU
quiz relu_output).

* check: `grade check ITEMS` against the baseline a course would write without us, plain
  pytest files that import the student's modules directly (benchmarks/plain/, run by
  `python -m pytest` in a copy of the workspace, no plugins autoloaded, unsandboxed). Whole
  processes, alternating, the same number of runs each, for every sandbox backend
  (`GRADE_SANDBOX=linux|portable`; one this build does not have is listed as not available).
  Peak memory is the summed RSS (and PSS) of the whole process tree, sampled from /proc in
  separate runs so sampling never slows a timed one.
* watch: a real `grade watch` process; the benchmark saves relu.py (alternately a correct
  and a wrong version, each with new content) and times until the result line for relu
  appears on the watcher's stdout.

    python benchmarks/bench_latency.py [--runs 15] [--saves 20]

Both sides run as a student's second run would: bytecode cached (the grader package is
byte-compiled first, as pip does at install), pytest's rewritten test files cached, the
course cached. Prints medians, ratios, peak memory and met/missed per target; exits 1 if one
is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_batch import _tree_memory_kib

ROOT = Path(__file__).resolve().parent.parent
GRADE = shutil.which("grade") or str(Path(sys.executable).with_name("grade"))
ITEMS = ["weighted_sum", "sigmoid", "relu", "perceptron", "relu_output"]
BACKENDS = ["linux", "portable"]
TARGET_RATIO, TARGET_WATCH_MS = 1.0, 150.0
WRONG_RELU = "import numpy as np\n\n\ndef relu(x):\n    return np.abs(x)  # save {n}\n"


def compile_grader() -> None:
    """Byte-compile the grader package, as `pip install` does (the sandbox's child program
    runs with -B, so a source checkout would otherwise compile it at every start)."""
    code = "import compileall, os, grader\n"
    code += "compileall.compile_dir(os.path.dirname(grader.__file__), quiet=1)"
    subprocess.run([sys.executable, "-c", code], check=True, env=_env())


def workspaces(scratch: Path) -> tuple[Path, Path, Path]:
    """Make the complete workspace, its plain-pytest copy, and a stub workspace."""
    complete, stubs = scratch / "complete", scratch / "stubs"
    for folder in (complete, stubs):
        subprocess.run([GRADE, "init", str(folder)], check=True, stdout=subprocess.DEVNULL)
    for path in (ROOT / "solutions").iterdir():
        shutil.copyfile(path, complete / path.name)
    plain = scratch / "plain"
    shutil.copytree(complete, plain)
    shutil.copytree(Path(__file__).parent / "plain", plain / "tests")
    shutil.copytree(Path(__file__).parent / "plain", stubs / "tests")
    return complete, plain, stubs


def _env(**extra: str) -> dict[str, str]:
    """Return a student's environment: bytecode cached as usual, no PYTEST_/GRADE_ settings."""
    drop = ("PYTEST_", "GRADE_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return env | {"NO_COLOR": "1"} | extra


PLAIN = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
PLAIN_ENV = _env(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")


def _grade(workspace: Path, *extra: str) -> list[str]:
    return [GRADE, "check", *ITEMS, "--workspace", str(workspace), *extra]


def backend_state(backend: str, workspace: Path) -> str | None:
    """Return None if `GRADE_SANDBOX=backend` grades with that backend, else why not."""
    done = subprocess.run(
        _grade(workspace, "--format", "json"),
        env=_env(GRADE_SANDBOX=backend),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"exit {done.returncode}: {(done.stderr.strip().splitlines() or [''])[-1][:120]}"
    sandbox = json.loads(done.stdout).get("sandbox")
    if sandbox is None:  # a build from before the portable backend: Linux is all there is
        return None if backend == "linux" else "not available on this build"
    if sandbox.get("backend") != backend:
        return f"not available here (GRADE_SANDBOX={backend} graded with {sandbox.get('backend')})"
    return None


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run a command to the end; return its wall-clock seconds (it must exit 0)."""
    start = time.perf_counter()
    code = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL).returncode
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"{' '.join(command[:3])} ... failed (exit {code})")
    return seconds


def tree_peak(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run a command, sampling its process tree every 5 ms; return peak (RSS, PSS) in MiB."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    peak = [0, 0]
    while process.poll() is None:
        rss, pss = _tree_memory_kib(process.pid)
        peak = [max(peak[0], rss), max(peak[1], pss)]
        time.sleep(0.005)
    return peak[0] / 1024, peak[1] / 1024


def compare(runs: int, complete: Path, plain: Path, backends: list[str]) -> dict[str, list]:
    """Time plain pytest and `grade check` per backend, alternating; return the seconds."""
    times: dict[str, list] = {"plain": [], **{backend: [] for backend in backends}}
    for _ in range(2):  # warm up: bytecode written, the course cached, files in the page cache
        timed(PLAIN, plain, PLAIN_ENV)
        for backend in backends:
            timed(_grade(complete), complete, _env(GRADE_SANDBOX=backend))
    for _ in range(runs):
        times["plain"].append(timed(PLAIN, plain, PLAIN_ENV))
        for backend in backends:
            times[backend].append(timed(_grade(complete), complete, _env(GRADE_SANDBOX=backend)))
    return times


def watch_latency(complete: Path, saves: int) -> list[float]:
    """Save relu.py `saves` times under a real `grade watch`; return each save's seconds."""
    workspace = complete.parent / "watched"
    shutil.copytree(complete, workspace)
    command = [GRADE, "watch", *ITEMS, "--workspace", str(workspace)]
    process = subprocess.Popen(
        command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put((time.perf_counter(), line))

    threading.Thread(target=read, daemon=True).start()

    def wait_for(predicate, after: float, timeout: float = 30.0) -> float:
        deadline = time.perf_counter() + timeout
        while True:
            try:
                when, line = lines.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                process.kill()
                raise SystemExit("grade watch did not show a result in time") from None
            if when >= after and predicate(line):
                return when

    wait_for(lambda line: line.startswith("Watching"), 0.0, timeout=60.0)
    correct = (ROOT / "solutions" / "relu.py").read_text()
    seconds = []
    try:
        for n in range(saves + 2):  # the first correct and wrong saves warm up (diagnosis)
            failing = n % 2 == 1
            text = WRONG_RELU.format(n=n) if failing else correct + f"\n# save {n}\n"
            time.sleep(0.3)  # a student types between saves; let the poll settle
            saved = time.perf_counter()
            (workspace / "relu.py").write_text(text)
            expected = "failed" if failing else "passed"
            shown = wait_for(
                lambda line, expected=expected: line.split()[:1] == ["relu"] and expected in line,
                saved,
            )
            if n >= 2:
                seconds.append(shown - saved)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return seconds


def main() -> None:
    """Run both benchmarks and print the figures and verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--memory-runs", type=int, default=3)
    parser.add_argument("--saves", type=int, default=20)
    options = parser.parse_args()
    missed = []
    compile_grader()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as scratch:
        complete, plain, stubs = workspaces(Path(scratch))
        if subprocess.run(PLAIN, cwd=stubs, env=PLAIN_ENV, capture_output=True).returncode == 0:
            raise SystemExit("the plain pytest baseline passes on the stubs: it checks nothing")
        states = {backend: backend_state(backend, complete) for backend in BACKENDS}
        available = [backend for backend, why in states.items() if why is None]
        times = compare(options.runs, complete, plain, available)
        plain_median = statistics.median(times["plain"])
        plain_rss = max(tree_peak(PLAIN, plain, PLAIN_ENV)[0] for _ in range(options.memory_runs))
        print(
            f"one-shot check of {', '.join(ITEMS)} (complete workspace; whole processes,"
            f" {options.runs} runs each, alternating)"
        )
        print(
            f"  plain pytest, modules imported, unsandboxed: median {plain_median:.3f} s,"
            f" peak RSS {plain_rss:.0f} MiB"
        )
        for backend in BACKENDS:
            if states[backend] is not None:
                print(f"  grade check, GRADE_SANDBOX={backend}: {states[backend]}")
                continue
            median = statistics.median(times[backend])
            env = _env(GRADE_SANDBOX=backend)
            peaks = [tree_peak(_grade(complete), complete, env) for _ in range(options.memory_runs)]
            ratio = median / plain_median
            verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
            if ratio > TARGET_RATIO:
                missed.append(f"check ({backend})")
            print(
                f"  grade check, GRADE_SANDBOX={backend}: median {median:.3f} s,"
                f" peak tree RSS {max(p[0] for p in peaks):.0f} MiB"
                f" (PSS {max(p[1] for p in peaks):.0f} MiB);"
                f" ratio {ratio:.2f} (target <= {TARGET_RATIO:.1f}) {verdict}"
            )
        seconds = watch_latency(complete, options.saves)
        median_ms = statistics.median(seconds) * 1000
        worst = max(seconds) * 1000
        verdict = "met" if median_ms <= TARGET_WATCH_MS else "MISSED"
        if median_ms > TARGET_WATCH_MS:
            missed.append("watch")
        print(
            f"grade watch, save relu.py -> its result line on stdout: median {median_ms:.0f} ms,"
            f" worst {worst:.0f} ms over {len(seconds)} saves (correct and wrong in turn);"
            f" target <= {TARGET_WATCH_MS:.0f} ms {verdict}"
        )
    print(f"latency targets missed: {', '.join(missed) or 'none'}")
    if missed:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Benchmark `grade batch` against a plain `python -m pytest` loop, side by side, in one run.

The class: submissions of four exercises (weighted_sum, sigmoid, relu, perceptron) and the ReLU
quiz (relu_output), a mix of correct, partial, broken, hanging and archived (.zip, .tar.gz).

* distinct: every submission's files differ (each file carries the student's own comment, so no
  two are byte-identical and the shared-results cache cannot help);
* realistic: what a class hands in: many untouched stubs and copies of the same starter code,
  so about a third of the files are unique.
* scale: 1,000 distinct students (the fixed cost of a run spread over a large class, compared
  with the distinct class's plain rate), then 1,000 and 5,000 realistic students (a bounded set
  of distinct variants): the throughput and peak memory of a large class.

Baseline: per submission, `python -m pytest` on the same hidden checks with the student's
modules imported directly (benchmarks/plain/; unsandboxed, no grader code), two at a time, on the
class's non-hanging submissions (plain pytest has no time limit, a hanging one never ends).

Both sides run in a user's environment: Python caches bytecode as usual (a
PYTHONDONTWRITEBYTECODE here, common in containers, is dropped: otherwise every process of both
sides compiles its modules again) and no PYTEST_ or GRADE_ setting leaks in; plain pytest does
not autoload plugins (which only makes the baseline faster). One unmeasured warm-up run of each
side writes the bytecode first.

Peak memory: the sum of RSS over the whole `grade batch` process tree (the command, its
workers, their sandbox zygotes and sandbox workers), sampled from /proc every 50 ms (and the
summed PSS every 0.5 s), cheaply enough not to slow the run it measures.

    python benchmarks/bench_batch.py [--students 150] [--runs 3] [--jobs 2] [--no-scale]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ["weighted_sum", "sigmoid", "relu", "perceptron"]
GRADE = shutil.which("grade") or str(Path(sys.executable).with_name("grade"))
TARGET_RATE, TARGET_SPEEDUP, TARGET_MIB = 60.0, 15.0, 500.0

WRONG = {
    "weighted_sum": "def weighted_sum(inputs, weights, bias):\n    return sum(inputs) + bias\n",
    "sigmoid": "import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(z))\n",
    "relu": "def relu(x):\n    return x\n",
    "perceptron": "def perceptron(*args):\n    return 1\n",
}
HANG = "def {name}(*args, **kwargs):\n    while True:\n        pass\n"


def _source(kind: str, exercise: str) -> str:
    if kind == "correct":
        return (ROOT / "solutions" / f"{exercise}.py").read_text()
    if kind == "stub":
        return (ROOT / "exercises" / exercise / "stub.py").read_text()
    if kind == "wrong":
        return WRONG[exercise]
    if kind == "broken":
        return f"def {exercise}(x:\n"
    return HANG.format(name=exercise)


def make_class(folder: Path, count: int, distinct: bool, variants: int | None = None) -> int:
    """Write `count` submissions; return how many hang. Deterministic for a given shape."""
    rng = random.Random(2026)
    folder.mkdir(parents=True)
    hanging = 0
    for index in range(count):
        student = f"student{index:05d}"
        variant = index if variants is None else rng.randrange(variants)
        local = random.Random(variant)
        files = {}
        hangs = local.random() < 0.02
        for exercise in EXERCISES:
            if hangs and exercise == "relu":
                kind = "hang"
            else:
                kind = local.choices(
                    ["correct", "stub", "wrong", "broken"], weights=[55, 20, 20, 5]
                )[0]
            text = _source(kind, exercise)
            if distinct or (kind == "correct" and local.random() < 0.35):
                owner = student if variants is None else f"variant {variant}"
                text += f"\n# {owner}: my own version\n"
            files[f"{exercise}.py"] = text
        hanging += hangs
        files["answers.yaml"] = f"relu_output: {local.choice(['1.5', '1.5', '2', '0'])}\n"
        shape = index % 10
        if shape == 8:
            with zipfile.ZipFile(folder / f"{student}.zip", "w") as archive:
                for name, text in files.items():
                    archive.writestr(f"{student}/{name}", text)
        elif shape == 9:
            with tarfile.open(folder / f"{student}.tar.gz", "w:gz") as archive:
                for name, text in files.items():
                    data = text.encode()
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
        else:
            (folder / student).mkdir()
            for name, text in files.items():
                (folder / student / name).write_text(text)
    return hanging


def _env(**extra: str) -> dict[str, str]:
    """Return a user's environment: bytecode cached as usual, no PYTEST_/GRADE_ settings."""
    drop = ("PYTEST_", "GRADE_", "PYTHONDONTWRITEBYTECODE")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)} | extra


def _scan_children() -> dict[int, list[int]]:
    """Return every process's children, from a scan of /proc (when /proc/PID/task/*/children
    is missing: a kernel built without CONFIG_PROC_CHILDREN)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _tree_pids(root: int) -> list[int]:
    """Return `root` and all its descendants, read from each process's children lists."""
    pids, stack, scanned = [], [root], None
    while stack:
        pid = stack.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}"):
                continue  # it has just exited
            scanned = scanned or _scan_children()
            stack.extend(scanned.get(pid, []))
        except (OSError, ValueError):
            continue
    return pids


def _tree_rss_kib(pids: list[int]) -> int:
    """Return the summed RSS (KiB) of `pids`, from /proc/PID/statm (the kernel's counters)."""
    pages = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as handle:
                pages += int(handle.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return pages * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _tree_pss_kib(pids: list[int]) -> int:
    """Return the summed PSS (KiB) of `pids`, from /proc/PID/smaps_rollup.

    RSS counts a page shared by N processes N times (forked sandbox workers share most of
    numpy with their zygote); PSS divides it among them, so its sum is what the tree uses.
    The kernel walks every mapping to work it out (about 1 ms per process here), so it is
    read less often than RSS.
    """
    pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return pss


def _tree_memory_kib(root: int) -> tuple[int, int]:
    """Return the summed RSS and PSS (KiB) of `root` and all its descendants, from /proc."""
    pids = _tree_pids(root)
    return _tree_rss_kib(pids), _tree_pss_kib(pids)


def run_batch(submissions: Path, out: Path, jobs: int) -> tuple[float, float, float, str]:
    """Run `grade batch`; return (seconds, peak tree RSS and PSS in MiB, its summary)."""
    shutil.rmtree(out, ignore_errors=True)
    command = [GRADE, "batch", str(submissions), "--out", str(out), "--jobs", str(jobs)]
    command += ["--call-timeout", "0.5", "--budget", "3"]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env()
    )
    peak = [0, 0]
    stop = threading.Event()

    def sample() -> None:
        # RSS every 50 ms (about 0.3 ms of CPU each), PSS every 0.5 s: the sampler shares the
        # machine with the run it measures (reading PSS every 50 ms took 13% of one CPU).
        tick = 0
        while not stop.is_set():
            pids = _tree_pids(process.pid)
            peak[0] = max(peak[0], _tree_rss_kib(pids))
            if tick % 10 == 0:
                peak[1] = max(peak[1], _tree_pss_kib(pids))
            tick += 1
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"grade batch failed (exit {process.returncode})")
    return seconds, peak[0] / 1024, peak[1] / 1024, output.decode()


PLAIN_TESTS = Path(__file__).resolve().parent / "plain"  # plain pytest files, no grader


def run_plain(submissions: list[Path]) -> float:
    """Run plain pytest per submission, two at a time; return the seconds.

    The files in benchmarks/plain/ are what a course would write without us: they import the
    student's modules (found through PYTHONPATH) and read answers.yaml from the folder.
    """

    def one(folder: Path) -> None:
        env = _env(PYTHONPATH=str(folder), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c"]
        command += [os.devnull, "--rootdir", str(folder), str(PLAIN_TESTS)]
        subprocess.run(
            command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, submissions))
    return time.perf_counter() - start


def _plain_sample(folder: Path, count: int) -> list[Path]:
    """Pick `count` non-hanging folder submissions for the baseline."""
    chosen = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() and "while True" not in (path / "relu.py").read_text():
            chosen.append(path)
        if len(chosen) == count:
            break
    return chosen


def main() -> None:
    """Generate the classes, run both sides, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=150)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--plain", type=int, default=16, help="baseline submissions per run")
    parser.add_argument("--no-scale", action="store_true", help="skip the 1,000/5,000 runs")
    options = parser.parse_args()
    missed = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        base = Path(scratch)
        figures = {}
        warm = base / "warm-up"  # bytecode written before anything is measured, both sides
        make_class(warm, 4, distinct=True)
        run_batch(warm, base / "out", options.jobs)
        run_plain(_plain_sample(warm, 1))
        shutil.rmtree(warm)
        for shape in ("distinct", "realistic"):
            folder = base / shape
            hanging = make_class(folder, options.students, distinct=shape == "distinct")
            rates, peaks, psss, plain_rates = [], [], [], []
            for _ in range(options.runs):
                seconds, peak, pss, summary = run_batch(folder, base / "out", options.jobs)
                rates.append(options.students / seconds)
                peaks.append(peak)
                psss.append(pss)
                sample = _plain_sample(folder, options.plain)
                plain_rates.append(len(sample) / run_plain(sample))
            rate, plain = statistics.median(rates), statistics.median(plain_rates)
            figures[shape] = (rate, plain, max(peaks), hanging)
            print(
                f"{shape:9} {options.students} students ({hanging} hanging), jobs {options.jobs}:"
                f" grade batch median {rate:.1f} submissions/s, plain pytest loop (2 at a time,"
                f" unsandboxed) {plain:.2f}/s, speed-up {rate / plain:.1f}x,"
                f" peak tree RSS {max(peaks):.0f} MiB (PSS {max(psss):.0f} MiB)",
                flush=True,
            )
            print(f"          last run: {summary.splitlines()[0]}", flush=True)
            if rate < TARGET_RATE or rate / plain < TARGET_SPEEDUP or max(peaks) > TARGET_MIB:
                missed.append(shape)
        if not options.no_scale:
            # Every file distinct: what a class of this size costs once the fixed start and
            # end of a run are spread over it (compared with the distinct class's plain rate).
            folder = base / "distinct1000"
            hanging = make_class(folder, 1000, distinct=True)
            seconds, peak, pss, _ = run_batch(folder, base / "out", options.jobs)
            rate, plain = 1000 / seconds, figures["distinct"][1]
            print(
                f"scale     1000 students (distinct, {hanging} hanging): {rate:.1f}"
                f" submissions/s, {seconds:.1f} s, {rate / plain:.1f}x the plain loop above,"
                f" peak tree RSS {peak:.0f} MiB (PSS {pss:.0f} MiB)",
                flush=True,
            )
            if rate < TARGET_RATE or rate / plain < TARGET_SPEEDUP or peak > TARGET_MIB:
                missed.append("distinct1000")
            shutil.rmtree(folder)
            for count in (1000, 5000):
                folder = base / f"scale{count}"
                hanging = make_class(folder, count, distinct=False, variants=60)
                seconds, peak, pss, _ = run_batch(folder, base / "out", options.jobs)
                print(
                    f"scale     {count} students (realistic, 60 distinct variants, {hanging}"
                    f" hanging): {count / seconds:.1f} submissions/s, {seconds:.1f} s,"
                    f" peak tree RSS {peak:.0f} MiB (PSS {pss:.0f} MiB)",
                    flush=True,
                )
                if peak > TARGET_MIB:
                    missed.append(f"scale{count}")
                shutil.rmtree(folder)
    print(
        f"targets: >= {TARGET_RATE:.0f} submissions/s, >= {TARGET_SPEEDUP:.0f}x the plain loop,"
        f" <= {TARGET_MIB:.0f} MiB peak; missed in: {', '.join(missed) or 'none'}"
    )
    if missed:
        sys.exit(1)


if __name__ == "__main__":
    main()

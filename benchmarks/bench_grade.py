"""Benchmark `grade` against a plain `python -m pytest` run of the same checks, side by side.

Both run as whole processes on the same complete workspace (the reference solutions), in
alternation, N times each; prints medians, peak memory of each trusted process, the ratio,
and the batch throughput of one warm Grader grading many submissions in turn.

    python benchmarks/bench_grade.py [--runs 9] [--batch 40]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.8


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int]:
    """Run a command; return (seconds, peak RSS in KiB, exit code)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss, process.returncode


def complete_workspace(folder: Path) -> Path:
    """Copy the reference solutions into a fresh folder, laid out as a student workspace."""
    shutil.copytree(ROOT / "solutions", folder)
    return folder


def compare(runs: int, workspace: Path) -> dict[str, float]:
    """Time `grade` and plain pytest alternately; return the medians and the ratio."""
    grade = [shutil.which("grade") or "grade", "check", "--workspace", str(workspace)]
    plain = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "plain_student",
        "-c",
        os.devnull,
        "--rootdir",
        str(ROOT / "exercises"),
        str(ROOT / "exercises"),
    ]
    env = dict(os.environ, WORKSPACE=str(workspace), PYTHONPATH=str(ROOT / "benchmarks"))
    env.pop("NO_COLOR", None)
    grade_times, plain_times, grade_rss, plain_rss = [], [], [], []
    for _ in range(runs):
        seconds, rss, code = _run(grade, workspace, env)
        if code != 0:
            raise SystemExit(f"grade did not give full marks (exit {code}); is the course valid?")
        grade_times.append(seconds)
        grade_rss.append(rss)
        seconds, rss, code = _run(plain, ROOT, env)
        if code != 0:
            raise SystemExit(f"plain pytest failed (exit {code})")
        plain_times.append(seconds)
        plain_rss.append(rss)
    result = {
        "grade_median_s": statistics.median(grade_times),
        "pytest_median_s": statistics.median(plain_times),
        "grade_peak_rss_mib": max(grade_rss) / 1024,
        "pytest_peak_rss_mib": max(plain_rss) / 1024,
    }
    result["ratio"] = result["grade_median_s"] / result["pytest_median_s"]
    return result


def batch(count: int, workspace: Path) -> dict[str, float]:
    """Grade `count` submissions with one warm Grader; return submissions per second."""
    sys.path.insert(0, str(ROOT))
    from grader.course.load import load_course
    from grader.grading.engine import Grader, Submission

    course = load_course(ROOT / "exercises")
    scores: list[int] = []
    with Grader(course) as grader:
        start = time.perf_counter()
        grader.grade_many(
            [Submission(workspace, str(i)) for i in range(count)],
            lambda _, report: scores.append(report.score),
        )
        seconds = time.perf_counter() - start
    if len(set(scores)) != 1:
        raise SystemExit("batch grading gave different scores for identical submissions")
    return {"batch_submissions": count, "batch_per_second": count / seconds}


def main() -> None:
    """Run the comparison and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--batch", type=int, default=40)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as scratch:
        workspace = complete_workspace(Path(scratch) / "workspace")
        figures = compare(options.runs, workspace)
        figures |= batch(options.batch, workspace)
    print(
        f"grade (whole process, sandboxed):   median {figures['grade_median_s']:.3f} s, "
        f"peak RSS {figures['grade_peak_rss_mib']:.0f} MiB"
    )
    print(
        f"python -m pytest (same checks, unsandboxed): median {figures['pytest_median_s']:.3f} s, "
        f"peak RSS {figures['pytest_peak_rss_mib']:.0f} MiB"
    )
    verdict = "ok" if figures["ratio"] <= TARGET_RATIO else "TOO SLOW"
    print(f"ratio grade / pytest: {figures['ratio']:.2f} (target <= {TARGET_RATIO}) {verdict}")
    print(
        f"batch: {figures['batch_per_second']:.1f} submissions/s with one warm Grader "
        f"({figures['batch_submissions']:.0f} submissions, one core)"
    )
    if figures["ratio"] > TARGET_RATIO:
        sys.exit(1)


if __name__ == "__main__":
    main()

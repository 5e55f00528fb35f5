"""Benchmark `grade` on the whole course and one warm Grader grading submissions in turn.

`grade` runs as a whole process on a complete workspace (the reference solutions), N times;
prints its median and peak memory, and the throughput of one warm Grader. The comparison with
plain pytest files is bench_latency.py's (the five required items) and bench_batch.py's.

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


def whole_course(runs: int, workspace: Path) -> dict[str, float]:
    """Time `grade` on the whole course; return the median and the peak RSS.

    The side-by-side comparison with plain pytest files (no grader code loaded) is
    bench_latency.py's, on the five required items: there are plain files for those only.
    """
    grade = [shutil.which("grade") or "grade", "check", "--workspace", str(workspace)]
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    times, rss = [], []
    for _ in range(runs):
        seconds, peak, code = _run(grade, workspace, env)
        if code != 0:
            raise SystemExit(f"grade did not give full marks (exit {code}); is the course valid?")
        times.append(seconds)
        rss.append(peak)
    return {"grade_median_s": statistics.median(times), "grade_peak_rss_mib": max(rss) / 1024}


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
        figures = whole_course(options.runs, workspace)
        figures |= batch(options.batch, workspace)
    print(
        f"grade, the whole course (whole process, sandboxed): median"
        f" {figures['grade_median_s']:.3f} s, peak RSS of the grade process"
        f" {figures['grade_peak_rss_mib']:.0f} MiB (its sandbox workers are capped apart)"
    )
    print(
        f"batch: {figures['batch_per_second']:.1f} submissions/s with one warm Grader "
        f"({figures['batch_submissions']:.0f} submissions, one core)"
    )


if __name__ == "__main__":
    main()

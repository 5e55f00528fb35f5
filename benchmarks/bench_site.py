"""How fast `grade build-site` is: the real course, and synthetic courses of 50 and 200 exercises.

Run: python benchmarks/bench_site.py   (exit status 1 when a target is missed)

Targets: the real course in <= 1 s, 200 exercises in <= 10 s, roughly linear growth.
"""

from __future__ import annotations

import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from grader.course.load import load_course
from grader.course.model import Course
from grader.course.problems import InputError
from grader.website import build_site
from grader.website.highlight import python_html
from grader.website.mathml import to_mathml
from grader.website.plots import plot, plots_html

REPO = Path(__file__).resolve().parent.parent
EXERCISES = REPO / "exercises"
SOLUTIONS = REPO / "solutions"
FIXTURE = REPO / "tests" / "site" / "fixture_course"
RUNS = 5


def clear_caches() -> None:
    """Forget cached math, highlighting and plots, so each run does the full work."""
    for cached in (to_mathml, python_html, plot, plots_html):
        cached.cache_clear()


def time_build(course: Course, out: Path, solutions: Path | None) -> tuple[float, str]:
    """Build once; return seconds and a note (a refused build still did all the work)."""
    clear_caches()
    started = time.perf_counter()
    note = ""
    try:
        build_site(course, out, solutions=solutions)
    except InputError as error:
        note = f"refused: {len(error.problems)} problem(s), first: {error.problems[0]}"
    return time.perf_counter() - started, note


def median_build(course: Course, out: Path, solutions: Path | None) -> tuple[float, str]:
    """Return the median of RUNS builds and the note of the last one."""
    times, note = [], ""
    for _ in range(RUNS):
        seconds, note = time_build(course, out, solutions)
        times.append(seconds)
    return statistics.median(times), note


def synthetic_course(root: Path, count: int) -> tuple[Course, Path]:
    """Write a course of `count` copies of one code exercise; return it and its solutions."""
    source_root = EXERCISES if (EXERCISES / "sigmoid").is_dir() else FIXTURE
    template = source_root / ("sigmoid" if source_root == EXERCISES else "relu_demo")
    course_dir = root / "exercises"
    course_dir.mkdir(parents=True)
    shutil.copy(source_root / "course.yaml", course_dir / "course.yaml")
    solutions = root / "solutions"
    if source_root == EXERCISES and SOLUTIONS.is_dir():
        shutil.copytree(SOLUTIONS, solutions)
    else:
        shutil.copytree(REPO / "tests" / "site" / "fixture_solutions", solutions)
    for index in range(count):
        name = f"{template.name}_{index:03d}"
        shutil.copytree(template, course_dir / name)
        spec = course_dir / name / "exercise.yaml"
        text = spec.read_text("utf-8")
        text = re.sub(r"(?m)^id: .*$", f"id: {name}", text)
        text = re.sub(r"(?m)^order: .*$", f"order: {index + 1}", text)
        text = re.sub(r"(?m)^file: (\w+)\.py$", rf"file: \g<1>_{index:03d}.py", text)
        spec.write_text(text, "utf-8")
    return load_course(course_dir), solutions


def main() -> int:
    """Print the timings and return 1 when a target is missed."""
    ok = True
    with tempfile.TemporaryDirectory() as temp:
        temp_dir = Path(temp)
        course = load_course(EXERCISES)
        solutions = SOLUTIONS if SOLUTIONS.is_dir() else None
        first, _ = time_build(course, temp_dir / "first", solutions)
        real, note = median_build(course, temp_dir / "real", solutions)
        print(f"real course: {len(course.items)} items, first build {first:.3f} s,")
        print(f"  median of {RUNS} builds {real:.3f} s (target <= 1 s)")
        if note:
            print(f"  note: {note}")
        ok &= real <= 1.0

        results = {}
        for count in (50, 200):
            synthetic, synthetic_solutions = synthetic_course(temp_dir / f"syn{count}", count)
            seconds, note = median_build(synthetic, temp_dir / f"out{count}", synthetic_solutions)
            results[count] = seconds
            print(f"synthetic course of {count} exercises: median {seconds:.3f} s")
            if note:
                print(f"  note: {note}")
        ok &= results[200] <= 10.0
        ratio = results[200] / results[50]
        print(f"linearity: 200/50 exercises took {ratio:.2f}x the time (4.00x is linear)")
        ok &= ratio <= 6.0

        synthetic, synthetic_solutions = synthetic_course(temp_dir / "mem", 200)
        clear_caches()
        tracemalloc.start()
        try:
            build_site(synthetic, temp_dir / "memout", solutions=synthetic_solutions)
        except InputError:
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"peak memory, 200 exercises: {peak / 2**20:.1f} MiB traced; process max RSS"
            f" {rss:.0f} MiB"
        )
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""One warm batch worker: a trusted process holding one Grader, fed submissions on stdin.

    python -m grader.classroom.worker COURSE_DIR CALL_TIMEOUT [SHARED_DIR]

SHARED_DIR, when given, is the batch's work folder, the parent's own: `.course.json` there is
the course the parent already loaded and validated (`grader.course.cache.save`), read instead
of parsing every YAML file again (a worker started early waits for it; an empty file, or
none in time, means loading it as usual), and the workers share their known-wrong results
in `.known-wrong/` (grader/grading/shared_known.py).

Reads one JSON task per line (`{"task": n, "folder": "...", "only": ["sigmoid", ...]}`) and
writes one JSON line per graded task (`{"task": n, "items": [...], "alone": [ids]}`: `alone`,
the exercises graded with no other student file in their sandbox worker) to its own stdout;
the real stdout is pointed at stderr so nothing else can break the protocol. It first writes
`{"ready": true, "sandbox": {...}}` once the hidden suite is collected and the sandbox is up,
with the report's `sandbox` object (null if the sandbox cannot run). Student code runs
in the sandbox, never here. The sandbox's own interpreter (the Linux zygote, or a portable
child) starts first, so that it imports numpy while this process imports the grader and loads
the course.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WORKER_CPU = "GRADER_WORKER_CPU"  # set by the pool (grader/classroom/runner.py)
SAVED_COURSE = ".course.json"  # in SHARED_DIR: the course as the parent loaded it
KNOWN_WRONG_DIR = ".known-wrong"  # in SHARED_DIR: known-wrong results, made once per batch
_COURSE_WAIT = 30.0  # seconds a worker waits for the parent's course before loading it itself


def main() -> None:
    """Serve tasks until stdin closes."""
    course_dir, call_timeout = Path(sys.argv[1]), float(sys.argv[2])
    shared = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    _keep_to_cpu(os.environ.pop(WORKER_CPU, ""))  # before the sandbox starts: it inherits it
    from grader.sandbox.choice import prestart

    prestart()  # the zygote (or a child) boots while the rest is imported and loaded
    from grader.classroom.detail import item_data
    from grader.grading.engine import Grader, Submission
    from grader.grading.shared_known import SharedKnownWrong
    from grader.sandbox import Limits

    course = (_saved_course(shared / SAVED_COURSE) if shared else None) or _load(course_dir)
    known = SharedKnownWrong(shared / KNOWN_WRONG_DIR) if shared else None
    tasks: dict[int, int] = {}

    def submissions() -> Iterator[Submission]:
        protocol.write(json.dumps({"ready": True, "sandbox": _sandbox(grader)}) + "\n")
        for line in sys.stdin:
            task = json.loads(line)
            submission = Submission(Path(task["folder"]), str(task["task"]), tuple(task["only"]))
            tasks[id(submission)] = task["task"]
            yield submission

    def on_report(submission: Submission, report) -> None:
        items = [item_data(item) for item in report.items]
        number = tasks.pop(id(submission))
        message = {"task": number, "items": items, "alone": sorted(report.alone)}
        protocol.write(json.dumps(message) + "\n")

    # As with `grade check`'s defaults, a module that hangs loses one call's time, not more:
    # its later checks are not run (each hang burns a core for as long as it is allowed).
    limits = Limits(
        call_timeout=call_timeout,
        import_timeout=max(call_timeout, 2.0),
        module_hang_seconds=call_timeout,
    )
    with Grader(course, limits, known) as grader:
        grader.grade_many(submissions(), on_report)


def _saved_course(path: Path) -> Any:
    """Return the course the parent saves at `path` (waiting while it reads it), else None.

    A worker started early (grader/classroom/startup.py) can get here before the parent has
    read the course. An empty file, or none in time, means: load it here.
    """
    from grader.course.cache import saved

    deadline = time.monotonic() + _COURSE_WAIT
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return saved(path)


def _load(course_dir: Path) -> Any:
    """Load the course from its YAML (imported only here: a saved course needs no YAML)."""
    from grader.course.load import load_course

    return load_course(course_dir)


def _keep_to_cpu(cpu: str) -> None:
    """Run on that one CPU from now on, with every process started from here (Linux)."""
    if cpu.isdigit() and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {int(cpu)})
        except OSError:  # not a CPU this process may use: run anywhere, as before
            pass


def _sandbox(grader: Any) -> dict[str, object] | None:
    """Return the report's `sandbox` object for this worker's sandbox, None if it cannot run."""
    from grader.grading.results import sandbox_data
    from grader.sandbox import SandboxError

    try:
        grader.sandbox.features()  # one worker, so that its separation is known
    except SandboxError:  # the submissions say why, one by one; nothing to record
        return None
    return sandbox_data(grader.confinement)


if __name__ == "__main__":
    main()

"""Boot `grade check`'s sandbox first, so it starts while the command imports and loads.

Imported by grader/cli/__init__.py before the commands. Right after the sandbox package is
imported, the Linux backend's zygote (a fresh interpreter that imports numpy), or the
portable backend's child (the one worker a submission needs), starts and boots in parallel
with this process's other imports and course loading, instead of after them; the Grader's
Sandbox adopts it. The course comes from the user's cache when unchanged
(course/cache.py). Only for `grade`/`python -m grader` about to grade once.
"""

from __future__ import annotations

import os
import sys


def grades_once(argv: list[str]) -> bool:
    """Tell whether this process is `grade` (or `python -m grader`) about to run `grade check`."""
    if not argv:
        return False
    path = argv[0].replace("\\", "/")  # a Windows launcher's path, read anywhere
    program = os.path.splitext(path.rsplit("/", 1)[-1])[0]
    ours = program in ("grade", "grade-script") or path.endswith("grader/__main__.py")
    args = argv[1:]
    if not ours or any(arg in ("-h", "--help", "--version") for arg in args):
        return False
    return not args or args[0] == "check" or args[0].startswith("-")


if grades_once(sys.argv):
    from grader.sandbox.choice import (
        prestart,  # numpy comes with it: the zygote cannot start sooner
    )

    try:
        prestart(1, more=False)  # the submission's one worker; no spare unless one is killed
    except Exception:  # noqa: BLE001 - the command starts its own sandbox and reports why
        pass
    from grader.course.cache import use_cache

    use_cache()

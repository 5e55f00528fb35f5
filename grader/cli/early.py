"""Boot `grade check`'s sandbox first, so it starts while the command imports and loads.

Imported by grader/cli/__init__.py before the commands. Right after the sandbox package is
imported, the Linux backend's zygote (a fresh interpreter that imports numpy), or the
portable backend's children (one per id given, a few at most), start and boot in parallel
with this process's other imports and course loading, instead of after them; the Grader's
Sandbox adopts them. The course comes from the user's cache when unchanged
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


def items_named(argv: list[str]) -> int:
    """Count the ids given to `grade check` in ``argv`` (0: none, the whole course).

    Every option of `grade check` takes a value (``--format json``, ``--format=json``, ``-wDIR``).
    """
    args = argv[1:]
    if args[:1] == ["check"]:
        args = args[1:]
    count, value_next = 0, False
    for number, arg in enumerate(args):
        if arg == "--":
            return count + len(args) - number - 1
        if value_next:
            value_next = False
        elif arg.startswith("-") and len(arg) > 1:
            value_next = "=" not in arg and (arg.startswith("--") or len(arg) == 2)
        else:
            count += 1
    return count


MOST_CHILDREN = 4  # booting more at once slows this process more than it saves (2 cores)


def children_to_boot(argv: list[str]) -> tuple[int, bool]:
    """Return how many portable children to boot early, and whether more modules may follow.

    One per id given, and no spare booted ahead past them unless one is found missing:
    ids overcount modules (a quiz needs none, but which ids are quizzes is not known yet).
    """
    ids = items_named(argv)
    return min(ids or MOST_CHILDREN, MOST_CHILDREN), not ids


if grades_once(sys.argv):
    from grader.sandbox.choice import (
        prestart,  # numpy comes with it: the zygote cannot start sooner
    )

    try:
        prestart(*children_to_boot(sys.argv))
    except Exception:  # noqa: BLE001 - the command starts its own sandbox and reports why
        pass
    from grader.course.cache import use_cache

    use_cache()

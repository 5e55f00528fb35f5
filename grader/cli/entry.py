"""Run the command line: the `grade` entry point (pyproject's scripts, `python -m grader`).

Signals, interrupts and unexpected errors end a command with one line and an exit code, never
a traceback, and always through its cleanup (the sandbox's copies, a batch's workers).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

import click

from grader.cli import DEBUG_ENV, INTERNAL_ERROR, cli


def _end_cleanly_when_terminated() -> None:
    """Make SIGTERM and SIGHUP end the command through its cleanup, not mid-air.

    Without this they kill the process where it stands, leaving the sandbox's copy of the
    submission and a batch's workers to the sweeps. CI runners, Slurm and Kubernetes stop
    a job with SIGTERM. A signal someone chose to ignore (nohup) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers (a command run inside another program)
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, _terminated)


_TERMINATED_BY: list[int] = []  # the signal that ends this command, once one came


def _terminated(number: int, _frame: object) -> None:
    """Stop as Ctrl-C does (checks, workers and cleanups let it through); exit 128 + number."""
    if _TERMINATED_BY:
        return  # already stopping: a second signal must not cut the cleanup short
    _TERMINATED_BY.append(number)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Run the command line; never end in a traceback (nor a UnicodeEncodeError on cp1252)."""
    from grader.cli.console import prepare_console  # cp1252-safe streams; FORCE_COLOR

    _end_cleanly_when_terminated()
    try:
        _main(argv, prepare_console)
    except SystemExit:
        if _TERMINATED_BY:  # the status a shell or CI runner expects of a terminated command
            raise SystemExit(128 + _TERMINATED_BY[0]) from None
        raise


def _main(argv: list[str] | None, prepare_console: Callable[[], Any]) -> None:
    """Run click; turn an interrupt or an unexpected error into one line and an exit code."""
    try:
        cli.main(args=argv, prog_name="grade", standalone_mode=True, color=prepare_console())
    except KeyboardInterrupt:  # SystemExit passes: it is not an Exception
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the promise is: never a traceback
        if os.environ.get(DEBUG_ENV) == "1":
            traceback.print_exc()
        reason = " ".join(str(error).split())[:200]
        click.echo(
            f"grade: internal error: {type(error).__name__}: {reason}"
            f" (a bug in the grader; GRADE_DEBUG=1 shows the traceback)",
            err=True,
        )
        sys.exit(INTERNAL_ERROR)

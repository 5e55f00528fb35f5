"""The time budgets that can refuse a submission's requests, and the sentence each one gives."""

from __future__ import annotations

from enum import Enum

from grader.sandbox.core import Limits


class Budget(Enum):
    """A time budget that can refuse a request."""

    MODULE = "wall clock of one module"
    SUBMISSION = "wall clock of the submission"
    MODULE_HANG = "time one module lost to code that did not finish"
    HUNG_BEFORE = "the submission's time lost to code that did not finish, for a module that hung"


WALL_CLOCK = (Budget.MODULE, Budget.SUBMISSION)  # a re-import is paid from these


def budget_message(limits: Limits, which: Budget, name: str) -> str:
    """Say that budget ``which`` is spent for the file ``name``, in one sentence."""
    if which is Budget.MODULE:
        return f"the time budget of {limits.module_seconds:g} s for {name} is spent"
    if which is Budget.SUBMISSION:
        return f"the submission's time budget of {limits.submission_seconds:g} s is spent"
    if which is Budget.MODULE_HANG:
        return (
            f"the time budget of {limits.module_hang_seconds:g} s for code of {name} that"
            " does not finish is spent"
        )
    return (
        f"{name} did not finish earlier and the submission's time budget of"
        f" {limits.hang_seconds:g} s for code that does not finish is spent"
    )

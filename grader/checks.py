"""The API for hidden tests (a stable public path): `from grader.checks import Student`."""

from grader.grading.checks import (
    CheckFailed,
    CheckTimedOut,
    CodeCrashed,
    Failure,
    NotStarted,
    Student,
)
from grader.grading.messages import show, show_call, show_number
from grader.sandbox.outcomes import Opaque

__all__ = [
    "CheckFailed",
    "CheckTimedOut",
    "CodeCrashed",
    "Failure",
    "NotStarted",
    "Opaque",
    "Student",
    "show",
    "show_call",
    "show_number",
]

"""What a hidden test raises when a check does not pass; `message` is what the student reads."""

from __future__ import annotations

from grader.sandbox.outcomes import Frame


class Failure(AssertionError):
    """Base of every failure a hidden test reports; `message` is what the student reads."""

    status = "failed"

    def __init__(self, message: str, frames: tuple[Frame, ...] = (), output: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.frames = frames
        self.output = output


class CheckFailed(Failure):
    """The student's code ran but gave a wrong answer (or raised)."""


class NotStarted(Failure):
    """The student has not started: the stub still raises NotImplementedError, or no file."""

    status = "not_started"


class CheckTimedOut(Failure):
    """The student's code did not finish in time and was killed."""

    status = "timeout"


class CodeCrashed(Failure):
    """The student's code could not be loaded, or crashed the sandbox."""

    status = "error"


class CourseError(Exception):
    """A hidden test uses the check API in a way the course must not (a course bug)."""

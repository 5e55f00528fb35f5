"""Turn what one hidden check raised (or not) into its result and what the student's code did."""

from __future__ import annotations

from grader.course.model import Check
from grader.grading.checks import CourseError, Failure, Student
from grader.grading.diagnosis import Run
from grader.grading.messages import sanitize, show
from grader.grading.results import CheckResult, Status
from grader.sandbox import SandboxError
from grader.sandbox.outcomes import Frame


def check_run(
    check: Check, error: BaseException | None, student: Student | None, seconds: float
) -> Run:
    """Turn what a check raised (or not) into its result."""
    observed = tuple(student.observed) if student is not None else ()
    status, message, output = Status.PASSED, "", ""
    frames: tuple[Frame, ...] = ()
    if isinstance(error, Failure):
        status = Status(_STATUS[error.status])
        message, frames, output = error.message, error.frames, error.output
    elif isinstance(error, SandboxError):
        status = Status.ERROR
        message = (
            f"the grader's sandbox failed ({str(error)[:200]}); this is not a problem in"
            " your code: grade again, and tell your instructor if it keeps happening"
        )
    elif isinstance(error, AssertionError):
        status = Status.FAILED
        message = f"{check.name}: not satisfied. {check.hint}".strip()
    elif error is not None and observed and not isinstance(error, CourseError):
        # The test tripped over a value the student's code returned: say what came back.
        status = Status.FAILED
        last = observed[-1]
        came_back = show(last.detail) if last.kind == "returned" else last.kind
        message = (
            f"this check could not make sense of what your code gave back ({came_back}:"
            f" {type(error).__name__}: {str(error)[:120]}); return the kind of value the task"
            f" asks for. {check.hint}".strip()
        )
    elif error is not None:
        status = Status.ERROR
        message = (
            f"this check could not run ({type(error).__name__}: {str(error)[:200]});"
            " it is a problem in the course, not in your code: tell your instructor"
        )
    if status is not Status.PASSED and not output and student is not None:
        output = student.output  # printing to debug works whenever a check fails
    result = CheckResult(
        test=check.test,
        name=check.name,
        status=status,
        score=check.points if status is Status.PASSED and not check.advisory else 0,
        max_score=0 if check.advisory else check.points,
        visibility=check.visibility,
        message=sanitize(message),
        frames=frames,
        output=output,
        advisory=check.advisory,
        seconds=seconds,
    )
    return Run(result, observed)


_STATUS = {
    "failed": "failed",
    "not_started": "not started",
    "timeout": "timed out",
    "error": "error",
}

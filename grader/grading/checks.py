"""What hidden tests use to reach student code: the `student` fixture's value and its failures.

A hidden test is a pytest function taking `student`. It calls student code only through it
(`student.call("sigmoid", 0.5)`), gets plain data back, and fails with a student-facing
message that gives the call, what came back, what was expected (for visible checks) and a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, Protocol

import numpy as np

from grader.course.model import Check, CodeExercise
from grader.grading.comparisons import close, close_array, expected_number, same, space
from grader.grading.failures import (
    CheckFailed,
    CheckTimedOut,
    CodeCrashed,
    CourseError,
    Failure,
    NotStarted,
)
from grader.grading.fingerprints import Observation, observe
from grader.grading.messages import sanitize, show, show_call, show_number, show_typed
from grader.sandbox.outcomes import (
    Crashed,
    Opaque,
    Outcome,
    Raised,
    Returned,
    TimedOut,
    Unavailable,
)


class Backend(Protocol):
    """Reach one submission's student code; the sandbox implements it."""

    def call(
        self,
        module: str,
        function: str,
        args: tuple = (),
        kwargs: dict | None = None,
        *,
        return_args: bool = False,
    ) -> Outcome: ...

    def get(self, module: str, name: str) -> Outcome: ...


_OUTPUT_CAP = 4000  # characters of printed output kept per check


_REAL_KINDS = "iuf"


def unavailable_failure(outcome: Unavailable) -> Failure:
    """Return what a check reports when the student's file cannot be run at all."""
    if outcome.not_started:
        return NotStarted(
            f"{outcome.reason}; restore the starter file with: grade init . --keep-existing"
        )
    return CodeCrashed(outcome.reason, outcome.frames)


class Student:
    """Call into one student module through a sandbox backend and judge what comes back."""

    def __init__(self, backend: Backend, exercise: CodeExercise, check: Check) -> None:
        self._backend = backend
        self.exercise = exercise
        self.check = check
        self.observed: list[Observation] = []  # every call and what came back, in order
        self._output: list[str] = []

    @property
    def output(self) -> str:
        """Return what the student's code printed during this check so far (capped)."""
        return "".join(self._output)[:_OUTPUT_CAP]

    def _call(
        self, function: str, args: tuple, kwargs: dict, *, return_args: bool = False
    ) -> Outcome:
        try:
            outcome = self._backend.call(
                self.exercise.module, function, tuple(args), dict(kwargs), return_args=return_args
            )
        except (TypeError, ValueError) as error:  # an argument the sandbox cannot carry
            if not self.observed:
                raise  # the arguments came from the hidden test alone: a course bug
            raise CheckFailed(
                self._with_hint(
                    f"{show_call(function, args, kwargs)} could not be made with the values"
                    f" your code gave ({sanitize(str(error))[:120]}); use plain numbers, lists"
                    " or numpy arrays of numbers"
                ),
                output=self.output,
            ) from None
        self._record(function, args, kwargs, outcome)
        return outcome

    def _record(self, function: str, args: tuple, kwargs: dict, outcome: Outcome) -> None:
        self.observed.append(observe(function, args, kwargs, outcome))
        printed = getattr(outcome, "output", "")
        if printed and sum(map(len, self._output)) < _OUTPUT_CAP:
            self._output.append(printed)

    @property
    def tolerance(self) -> float:
        return self.exercise.tolerance

    @property
    def visible(self) -> bool:
        return self.check.visibility == "visible"

    # -- reaching student code -------------------------------------------------------------

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """Call `function` in the student's module and return the plain value it returned."""
        return self._returned(function, args, kwargs, return_args=False).value

    def call_keeping_args(self, function: str, *args: Any, **kwargs: Any) -> tuple[Any, tuple]:
        """Call `function`, returning its value and the arguments as they were afterwards."""
        returned = self._returned(function, args, kwargs, return_args=True)
        return returned.value, returned.args_after

    def value(self, name: str, *, required: bool = True) -> Any:
        """Return the module-level value `name`; a required value still None is "not started"."""
        outcome = self._backend.get(self.exercise.module, name)
        self._record(name, (), {}, outcome)
        value = self._unwrap(outcome, f"{self.exercise.module}.{name}").value
        if required and value is None:
            raise NotStarted(f"{name} is still None in {self.exercise.file}: give it a value.")
        return value

    def expect_raises(
        self, function: str, *args: Any, error: str, hint: str | None = None, **kwargs: Any
    ) -> None:
        """Check that the call raises the exception named `error` (e.g. "ValueError")."""
        call = show_call(function, args, kwargs)
        outcome = self._call(function, args, kwargs)
        if isinstance(outcome, Raised) and outcome.type_name == error:
            return
        if isinstance(outcome, Returned):
            self.fail(call, show(outcome.value), f"it to raise {error}", hint)
        returned = self._unwrap(outcome, call, hint)  # raises for every other outcome
        self.fail(call, show(returned.value), f"it to raise {error}", hint)

    def _returned(self, function: str, args: tuple, kwargs: dict, return_args: bool) -> Returned:
        outcome = self._call(function, args, kwargs, return_args=return_args)
        if isinstance(outcome, Returned):
            return outcome  # the call is written out only for a message
        return self._unwrap(outcome, show_call(function, args, kwargs))

    def _unwrap(self, outcome: Outcome, call: str, hint: str | None = None) -> Returned:
        if isinstance(outcome, Returned):
            return outcome
        if isinstance(outcome, Raised):
            if outcome.not_started:
                raise NotStarted(
                    f"{call} raised NotImplementedError: not started yet."
                    f" Replace the `raise NotImplementedError` line in {self.exercise.file}.",
                    outcome.frames,
                    self.output,
                )
            where = ""
            if outcome.frames:
                last = outcome.frames[-1]
                where = f" ({last.file} line {last.line}: {last.code.strip()})"
            message = f"{call} raised {outcome.type_name}: {outcome.message}{where}".rstrip()
            raise CheckFailed(self._with_hint(message, hint), outcome.frames, self.output)
        if isinstance(outcome, TimedOut):
            if outcome.budget:
                message = f"{call} was stopped: {outcome.budget}"
                if outcome.seconds == 0:
                    message = f"{call} was not run: {outcome.budget}"
            elif outcome.during_import:
                message = (
                    f"importing {self.exercise.file} did not finish within"
                    f" {outcome.seconds:g} s: is there a loop or a long computation at the top"
                    " level of the file?"
                )
            else:
                message = f"{call} did not return within {outcome.seconds:g} s: an infinite loop?"
            raise CheckTimedOut(message, output=self.output)
        if isinstance(outcome, Crashed):
            during = f"importing {self.exercise.file}" if outcome.during_import else call
            raise CodeCrashed(f"{during} crashed the sandbox: {outcome.reason}", output=self.output)
        if isinstance(outcome, Unavailable):
            raise unavailable_failure(outcome)
        raise CodeCrashed(f"{call}: the sandbox gave an unknown answer")

    # -- judging values --------------------------------------------------------------------

    def fail(
        self, call: str, got: str, expected: str | None = None, hint: str | None = None
    ) -> NoReturn:
        """Raise CheckFailed saying what `call` gave and (for visible checks) what was expected."""
        message = f"{call} returned {got}"
        if expected is not None and self.visible:
            message += f"; expected {expected}"
        elif expected is not None:
            message += "; that is not the expected value (this check is hidden)"
        raise CheckFailed(self._with_hint(message + ".", hint), output=self.output)

    def _with_hint(self, message: str, hint: str | None = None) -> str:
        hint = hint or self.check.hint
        if not hint:
            return message
        if message and message[-1] not in ".!?":
            message += "."
        return f"{message} {hint}"

    def scalar(self, got: Any, call: str, hint: str | None = None) -> float:
        """Return `got` as a float when it is a real scalar (not bool), else fail with a fix."""
        if isinstance(got, np.ndarray) and got.ndim == 0 and got.dtype.kind in _REAL_KINDS:
            return float(got)
        if type(got) in (int, float) or (
            isinstance(got, np.generic) and got.dtype.kind in _REAL_KINDS
        ):
            try:
                return float(got)
            except OverflowError:
                self.fail(
                    call,
                    show(got),
                    "a number a float can hold",
                    "Fix: your code made an integer too large for any float; check the formula"
                    " (is something raised to a large power?)." + space(hint),
                )
        what = show(got)
        fix = "return a single number (a Python float or int, or a numpy scalar)"
        if isinstance(got, (bool, np.bool_)):
            fix = "return a number, not True/False"
        elif isinstance(got, np.ndarray):
            fix = f"return one number, not an array of shape {got.shape}"
        elif isinstance(got, (list, tuple)):
            fix = "return one number, not a list"
        self.fail(call, what, "a single real number", f"Fix: {fix}." + space(hint))

    def expect_close(
        self,
        function: str,
        *args: Any,
        expected: float,
        tol: float | None = None,
        hint: str | None = None,
        **kwargs: Any,
    ) -> float:
        """Check that the call returns a real number within `tol` of `expected`."""
        call = show_call(function, args, kwargs)
        return self.judge_close(self.call(function, *args, **kwargs), call, expected, tol, hint)

    def judge_close(
        self, got: Any, call: str, expected: float, tol: float | None, hint: str | None = None
    ) -> float:
        """Check that a value already returned by `call` is a real number close to `expected`."""
        got = self.scalar(got, call, hint)
        tol = self.tolerance if tol is None else tol
        if not close(got, expected, tol):
            self.fail(call, show_number(got, expected), expected_number(expected, tol), hint)
        return got

    def as_array(self, got: Any, call: str, shape: tuple[int, ...], hint: str | None = None):
        """Return `got` when it is an ndarray of this shape with a real dtype, else fail."""
        if not isinstance(got, np.ndarray):
            kind = "a list" if isinstance(got, list) else show(got)
            self.fail(
                call,
                kind,
                f"a numpy array of shape {shape}",
                "Fix: keep numpy arrays as arrays (use numpy operations such as np.exp,"
                " np.maximum, np.dot)." + space(hint),
            )
        if got.dtype.kind not in _REAL_KINDS:
            self.fail(call, f"an array of dtype {got.dtype}", "an array of real numbers", hint)
        if got.shape != tuple(shape):
            self.fail(
                call,
                f"an array of shape {got.shape}",
                f"shape {tuple(shape)}",
                "Work element by element so the output has the input's shape." + space(hint),
            )
        return got

    def expect_array(
        self,
        function: str,
        *args: Any,
        expected: np.ndarray,
        tol: float | None = None,
        hint: str | None = None,
        **kwargs: Any,
    ) -> np.ndarray:
        """Check that the call returns an array of the expected shape, close element-wise."""
        call = show_call(function, args, kwargs)
        return self.judge_array(self.call(function, *args, **kwargs), call, expected, tol, hint)

    def judge_array(
        self, got: Any, call: str, expected: Any, tol: float | None, hint: str | None = None
    ) -> np.ndarray:
        """Check that a value already returned by `call` is an array close to `expected`."""
        expected = np.asarray(expected)
        got = self.as_array(got, call, expected.shape, hint)
        tol = self.tolerance if tol is None else tol
        bad = ~close_array(got, expected, tol)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            at = f"[{', '.join(map(str, index))}]" if index else ""
            self.fail(
                call,
                f"an array whose element {at} is {show_number(got[index], expected[index])}",
                f"{expected_number(float(expected[index]), tol)} there",
                hint,
            )
        return got

    def expect_equal(
        self, function: str, *args: Any, expected: Any, hint: str | None = None, **kwargs: Any
    ) -> Any:
        """Check that the call returns exactly `expected` (an int or text), type included."""
        call = show_call(function, args, kwargs)
        got = self.call(function, *args, **kwargs)
        if type(got) is not type(expected):
            self.fail(call, show_typed(got), show_typed(expected), hint)
        if got != expected:
            self.fail(call, show(got), show(expected), hint)
        return got

    def expect_silent(
        self,
        function: str,
        *args: Any,
        expected: Any,
        tol: float | None = None,
        hint: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Check that the call returns `expected` (a number or an array) and prints no warning.

        Only the student's own process says whether it warned (it can silence or rewind its
        output), so this may be used only in a check marked `advisory: true` (worth 0 points).
        """
        if not self.check.advisory:
            raise CourseError(
                f"{self.check.test} uses expect_silent, which only the student's process can"
                " attest; mark the check advisory: true with points: 0"
            )
        call = show_call(function, args, kwargs)
        outcome = self._call(function, args, kwargs)
        returned = self._unwrap(outcome, call, hint)
        warning = next(
            (line.strip() for line in returned.output.splitlines() if "Warning:" in line), None
        )
        if warning is not None:
            message = f"{call} printed a warning: {sanitize(warning)[:160]}"
            raise CheckFailed(self._with_hint(message, hint), output=self.output)
        if isinstance(expected, np.ndarray):
            return self.judge_array(returned.value, call, expected, tol, hint)
        return self.judge_close(returned.value, call, expected, tol, hint)

    def expect_unchanged(
        self,
        function: str,
        *args: Any,
        expected: Any,
        tol: float | None = None,
        hint: str | None = None,
    ) -> Any:
        """Check that the call returns `expected` and leaves its arguments as they were.

        What the arguments were afterwards is reported by the student's process, so it cannot
        earn a point on its own: the returned value, which the trusted side judges, must be
        right in the same check (a function that does nothing changes nothing).
        """
        call = show_call(function, args, {})
        got, after = self.call_keeping_args(function, *args)
        value_hint = (
            "This check pays for the right result computed without changing the inputs:"
            " make the checks of values pass first."
        )
        self._judge_value(got, call, expected, tol, value_hint)
        for position, (before, now) in enumerate(zip(args, after, strict=False)):
            if not same(before, now):
                self.fail(
                    call,
                    f"normally, but argument {position + 1} changed from {show(before)}"
                    f" to {show(now)}",
                    "the inputs left as they were",
                    hint or "Compute into a new array instead of writing into the input.",
                )
        return got

    def _judge_value(
        self, got: Any, call: str, expected: Any, tol: float | None, hint: str
    ) -> None:
        """Judge a returned value against `expected`: an array, a number, a tuple of those."""
        if isinstance(expected, np.ndarray):
            self.judge_array(got, call, expected, tol, hint)
        elif isinstance(expected, (float, int)) and not isinstance(expected, bool):
            self.judge_close(got, call, float(expected), tol, hint)
        elif isinstance(expected, tuple):
            if not isinstance(got, (tuple, list)) or len(got) != len(expected):
                self.fail(call, show(got), f"a tuple of {len(expected)} values", hint)
            for index, (part, wanted) in enumerate(zip(got, expected, strict=True)):
                self._judge_value(part, f"item {index} of {call}", wanted, tol, hint)
        elif type(got) is not type(expected) or got != expected:
            self.fail(call, show_typed(got), show_typed(expected), hint)

    def expect_all(
        self,
        function: str,
        inputs: np.ndarray,
        outputs: np.ndarray,
        holds: Callable[[np.ndarray, np.ndarray], np.ndarray],
        should: str,
        hint: str | None = None,
    ) -> None:
        """Fail on the first element where `holds(inputs, outputs)` is false."""
        ok = np.asarray(holds(inputs, outputs), dtype=bool)
        if not ok.all():
            index = tuple(int(i) for i in np.argwhere(~ok)[0])
            x = inputs[index] if np.ndim(inputs) else inputs
            y = outputs[index] if np.ndim(outputs) else outputs
            call = show_call(function, (float(x),), {})
            message = f"for {call} the result was {show(y)}, but {should}."
            raise CheckFailed(self._with_hint(message, hint), output=self.output)


__all__ = [
    "Backend",
    "CheckFailed",
    "Failure",
    "NotStarted",
    "Opaque",
    "CodeCrashed",
    "CheckTimedOut",
    "CourseError",
    "Student",
]

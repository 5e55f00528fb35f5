"""What a call into student code can come back with: plain data only, decided by the sandbox."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Opaque:
    """Stand for a value the sandbox would not send as plain data (a subclass, a function, ...)."""

    type_name: str
    text: str  # a short, already truncated description made inside the sandbox


@dataclass(frozen=True)
class Frame:
    """Locate one line of the student's own code in a traceback."""

    file: str  # the student's file name, e.g. "sigmoid.py"
    line: int
    function: str
    code: str


@dataclass(frozen=True)
class Returned:
    """The call returned; `value` is decoded plain data."""

    value: object
    args_after: tuple = ()  # the call's arguments as they were after it, when asked for
    output: str = ""  # what the student code printed (capped)


@dataclass(frozen=True)
class Raised:
    """The student code raised an exception."""

    type_name: str
    message: str
    frames: tuple[Frame, ...] = ()
    output: str = ""

    @property
    def not_started(self) -> bool:
        return self.type_name == "NotImplementedError"


@dataclass(frozen=True)
class TimedOut:
    """The call (or the import) did not finish within the limit; the sandbox was killed."""

    seconds: float
    during_import: bool = False
    output: str = ""
    budget: str = ""  # set when a time budget stopped it (or it never ran): says which


@dataclass(frozen=True)
class Crashed:
    """The sandbox process ended without answering (exit, signal, memory)."""

    reason: str  # e.g. "exited with status 3", "killed by signal 9 (SIGKILL)"
    during_import: bool = False
    output: str = ""


@dataclass(frozen=True)
class Unavailable:
    """The module could not be loaded: missing file, not UTF-8, syntax error, import error."""

    reason: str  # one line, e.g. "sigmoid.py line 3: SyntaxError: invalid syntax"
    not_started: bool = False  # true when the file is simply missing
    frames: tuple[Frame, ...] = field(default_factory=tuple)


Outcome = Returned | Raised | TimedOut | Crashed | Unavailable

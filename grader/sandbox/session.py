"""One student's submission in a sandbox: requests, outcomes and time budgets (any backend)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.sandbox import codec as _codec
from grader.sandbox.budgets import WALL_CLOCK, Budget, budget_message
from grader.sandbox.codec import Malformed
from grader.sandbox.copy import check_file_names, copy_files, make_temp_dir
from grader.sandbox.core import Gone, SandboxError, Timeout, WorkerHandle, describe_end, load_json
from grader.sandbox.outcomes import Crashed, Outcome, Raised, Returned, TimedOut, Unavailable

if TYPE_CHECKING:
    from grader.sandbox.core import Sandbox

log = logging.getLogger(__name__)


_CRASH_GRACE = 1.0  # how long a worker that hung up may take to exit on its own
_SPENT_GRACE = 0.25  # seconds per request once a submission's hang budget is spent
_PROBE_SECONDS = 0.25  # for a worker to say whether student code changed its process


def _cleanup_submission(owner: int, workers: list[WorkerHandle], directory: str) -> None:
    """Kill a submission's workers and delete its directory (finalizer of a SandboxSession)."""
    if owner != os.getpid():
        return
    ending = list(workers)
    for worker in ending:  # signal them all first, so they die while the others are reaped
        worker.kill()
    for worker in ending:
        worker.finish(0)
        worker.close_output()
    workers.clear()
    shutil.rmtree(directory, ignore_errors=True)


class SandboxSession:
    """One student's files, copied; their modules share one worker, each imported on first use.

    The modules of a submission run in one process, as they would in the student's own
    program: one worker start per submission, not per module (``isolate`` gives a module a
    worker of its own, for the engine to confirm a failure without the other files).  A
    worker that is killed (a call timed out) or that dies takes every module it held with
    it; each is imported again, in a fresh worker, when it is next used.  A call that
    crashes a worker holding other modules too is run again once in a fresh worker holding
    only its own module, so a crash caused by another file (say, a timer it started) is not
    charged to this one.
    """

    def __init__(self, sandbox: Sandbox, folder: Path, files: list[str]) -> None:
        """Copy the expected files (see ``Sandbox.open``)."""
        check_file_names(files)
        if not folder.is_dir():
            raise NotADirectoryError(f"not a directory: {folder}")
        self._sandbox = sandbox
        self._limits = sandbox.limits
        self._files = list(dict.fromkeys(files))
        self._modules = {name[:-3]: name for name in self._files}
        try:
            self._dir = make_temp_dir(folder)
        except OSError as exc:
            raise SandboxError(f"could not create a temporary directory: {exc}") from exc
        # Workers by slot: "" is the shared one; an isolated module has a slot of its own.
        self._workers: dict[str, WorkerHandle] = {}
        self._loaded: dict[str, set[str]] = {}  # slot -> the modules imported in its worker
        self._isolated: set[str] = set()
        self._shared_requests: dict[str, int] = {}  # module -> requests answered beside others
        self._ran: dict[str, set[str]] = {}  # slot -> modules whose import ran in its worker
        self._beside: set[str] = set()  # modules that ran where another module's code had run
        self._live: list[WorkerHandle] = []  # every worker not yet ended (for the finalizer)
        self._failed: dict[str, Outcome] = {}
        self._spent: dict[str, float] = {}  # wall clock per module (imports and calls)
        self._spent_total = 0.0
        self._hung = 0.0  # time lost to timed-out calls and imports
        self._hung_by: dict[str, float] = {}  # the same, per module
        self._import_seconds: dict[str, float] = {}  # what the last import of a module cost
        self._closed = False
        self._finalizer = weakref.finalize(
            self, _cleanup_submission, os.getpid(), self._live, self._dir
        )
        cleanups = sandbox._state.cleanups
        for key in [k for k, f in cleanups.items() if not f.alive]:
            del cleanups[key]
        cleanups[id(self._finalizer)] = self._finalizer
        try:
            problems, copied = copy_files(folder, self._files, self._dir, self._limits.file_bytes)
        except OSError as exc:
            self._finalizer()
            raise SandboxError(f"could not copy the submission: {exc}") from exc
        self._problems = {name[:-3]: problem for name, problem in problems.items()}
        self._digests = {
            name: (hashlib.sha256(data).hexdigest(), len(data)) for name, data in copied.items()
        }

    def __enter__(self) -> SandboxSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def directory(self) -> str:
        """Return the private copy's directory (for tests and diagnostics)."""
        return self._dir

    def digest(self, name: str) -> tuple[str, int] | None:
        """Return (SHA-256, size) of the file as copied, or None if it was not usable."""
        return self._digests.get(name)

    def unavailable(self, module: str) -> Unavailable | None:
        """Return why ``module``'s file cannot run at all (missing, unreadable), or None."""
        return self._problems.get(module)

    def worker_pids(self) -> list[int]:
        """Return the pids of the live workers (for tests and diagnostics)."""
        return [w.pid for w in self._live if not w.done]

    def shared_requests(self, module: str) -> int:
        """Count the requests about ``module`` answered by a worker holding other modules too."""
        return self._shared_requests.get(module, 0)

    def alone(self, module: str) -> bool:
        """Tell whether no other module's code (even a failed import) ran in its worker first."""
        return module not in self._beside  # known here, where the imports are sent: not asked

    def isolate(self, module: str) -> None:
        """Run ``module`` in a worker of its own from now on (imported again there).

        The grading engine asks for this before it runs a failed check again, so that a
        failure is confirmed without the submission's other files in the same process.
        """
        if module in self._modules and module not in self._isolated:
            self._isolated.add(module)
            self._loaded.get("", set()).discard(module)

    def untouched(self, module: str) -> bool:
        """Tell whether the worker ``module`` shares says student code left its process as it was.

        The engine asks before it runs a failed check again alone (``isolate``), and skips
        that run on a yes.  A worker's word can only keep its own student's failure, never
        earn a point, so it may be believed; any doubt (no shared worker, no answer in time,
        a malformed one) is a no.  See ``child/untouched.py`` for what the worker compares.
        """
        worker = self._workers.get("")
        if worker is None or module in self._isolated or module not in self._loaded[""]:
            return False
        request = {"op": "untouched", "module": module}
        try:  # not charged to the module's budgets: the grader asks, not the check
            reply = self._exchange_timed(worker, request, _PROBE_SECONDS, False, "")
        except Malformed:
            self._end(worker, "sent a malformed reply", False)
            return False
        if not isinstance(reply, dict):  # no answer in time, or the worker died: ended
            return False
        worker.end_request()
        return reply.get("status") == "ok" and reply.get("untouched") is True

    def close(self) -> None:
        """Kill this submission's workers and delete its directory; idempotent."""
        self._closed = True
        self._finalizer()

    # -- public calls --------------------------------------------------------------

    def call(
        self,
        module: str,
        function: str,
        args: tuple = (),
        kwargs: dict | None = None,
        *,
        return_args: bool = False,
        timeout: float | None = None,
    ) -> Outcome:
        """Call ``module.function(*args, **kwargs)`` in the module's worker."""
        self._check(module, function)
        payload = {
            "op": "call",
            "fn": function,
            "args": _codec.encode_arg(tuple(args)),
            "kwargs": _codec.encode_arg(dict(kwargs or {})),
            "return_args": bool(return_args),
        }
        return self._run(module, payload, timeout, return_args)

    def get(self, module: str, name: str) -> Outcome:
        """Read a module-level value (e.g. AND_WEIGHTS)."""
        self._check(module, name)
        return self._run(module, {"op": "get", "name": name}, None, False)

    def has(self, module: str, name: str) -> Outcome:
        """Tell whether ``name`` is defined: Returned({"defined": bool, "callable": bool})."""
        self._check(module, name)
        return self._run(module, {"op": "has", "name": name}, None, False)

    # -- internals -----------------------------------------------------------------

    def _check(self, module: str, name: str) -> None:
        """Reject a module that was not expected or a name that is not an identifier."""
        if self._closed or self._sandbox._state.closed:
            raise SandboxError("the submission is closed")
        if module not in self._modules:
            raise ValueError(f"{module!r} is not one of the expected modules {list(self._modules)}")
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"not a Python name: {name!r}")

    def _run(self, module: str, payload: dict, timeout: float | None, return_args: bool) -> Outcome:
        """Send one request; a bug here becomes a Crashed outcome, never a traceback."""
        try:
            return self._run_unguarded(module, payload, timeout, return_args)
        except SandboxError:
            raise
        except Exception as exc:
            log.debug("sandbox failure", exc_info=True)
            worker = self._workers.get(self._slot(module))
            if worker is not None:
                worker.finish(0)
                worker.close_output()
                self._forget(worker)
            return Crashed(reason=f"the sandbox failed unexpectedly ({type(exc).__name__})")

    def _run_unguarded(
        self, module: str, payload: dict, timeout: float | None, return_args: bool
    ) -> Outcome:
        """Send one request about ``module``, importing it first if its worker lacks it."""
        outcome = self._request(module, payload, timeout, return_args)
        if isinstance(outcome, _SharedCrash):  # run it once more, with only its own module
            outcome = self._request(module, payload, timeout, return_args)
            if isinstance(outcome, _SharedCrash):
                outcome = outcome.crash
        return outcome

    def _request(
        self, module: str, payload: dict, timeout: float | None, return_args: bool
    ) -> Outcome | _SharedCrash:
        """Do the work of ``_run_unguarded`` once."""
        problem = self._problems.get(module) or self._failed.get(module)
        if problem is not None:
            return problem
        wanted = float(self._limits.call_timeout if timeout is None else timeout)
        slot = self._slot(module)
        if module not in self._loaded.get(slot, ()):
            # A re-import costs what the last one did: only if the budget covers it and a call.
            needed = self._import_seconds.get(module, 0.0)
            refusal = self._refusal(module, needed, wanted)
            if refusal is not None:
                return refusal
            failure = self._load(module, slot)
            if failure is not None:
                return failure
        worker = self._workers[slot]
        refusal = self._refusal(module, 0.0, wanted)
        if refusal is not None:
            return refusal
        seconds, budget = self._allowance(module, wanted)
        self._note_beside(module, slot)
        shared = len(self._loaded[slot]) > 1
        if shared:
            self._shared_requests[module] = self._shared_requests.get(module, 0) + 1
        try:
            reply = self._exchange(worker, module, payload | {"module": module}, seconds, budget)
            if not isinstance(reply, dict):
                if shared and isinstance(reply, Crashed):
                    return _SharedCrash(reply)
                return reply
            return self._outcome(worker, reply, return_args)
        except Malformed:
            return self._end(worker, "sent a malformed reply", False)

    # -- time budgets --------------------------------------------------------------

    def _budgets(self, module: str) -> list[tuple[float, Budget]]:
        """Return (seconds left, which budget) for each budget that refuses calls.

        Wall clock (module, submission), then time lost to code that does not finish.
        """
        limits = self._limits
        budgets = [
            (limits.module_seconds - self._spent.get(module, 0.0), Budget.MODULE),
            (limits.submission_seconds - self._spent_total, Budget.SUBMISSION),
            (limits.module_hang_seconds - self._hung_by.get(module, 0.0), Budget.MODULE_HANG),
        ]
        if self._hung >= limits.hang_seconds and self._hung_by.get(module):
            budgets.append((0.0, Budget.HUNG_BEFORE))
        return budgets

    def _budget_message(self, module: str, which: Budget) -> str:
        """Say that budget ``which`` is spent, in one sentence."""
        return budget_message(self._limits, which, self._modules.get(module, module))

    def _allowance(self, module: str, wanted: float) -> tuple[float, str]:
        """Return the deadline for one request and the budget message if a budget sets it.

        Once the submission has lost ``hang_seconds`` to code that does not finish, a module
        that has not hung yet still runs, but each request gets at most ``_SPENT_GRACE``
        seconds: honest code answers in milliseconds, and one more hang costs little.
        """
        seconds, budget = wanted, ""
        for left, which in self._budgets(module):
            if left < seconds:
                seconds, budget = max(left, 0.0), self._budget_message(module, which)
        if self._hung >= self._limits.hang_seconds and seconds > _SPENT_GRACE:
            seconds = _SPENT_GRACE
            budget = (
                f"the submission's time budget of {self._limits.hang_seconds:g} s for code"
                f" that does not finish is spent, so this call had only {_SPENT_GRACE:g} s"
            )
        return seconds, budget

    def _refusal(self, module: str, needed: float, wanted: float) -> TimedOut | None:
        """Refuse at once when a budget is spent (or cannot cover a re-import of ``needed`` s)."""
        for left, which in self._budgets(module):
            wall_clock = which in WALL_CLOCK  # a re-import is paid from these, not hang budgets
            if left <= 0.05 or (wall_clock and needed > 0 and left < needed + min(wanted, 0.5)):
                return TimedOut(seconds=0.0, budget=self._budget_message(module, which))
        return None

    def _charge(self, module: str, seconds: float, timed_out: bool) -> None:
        """Charge wall-clock time to the module's and the submission's budgets."""
        self._spent[module] = self._spent.get(module, 0.0) + seconds
        self._spent_total += seconds
        if timed_out:
            self._hung += seconds
            self._hung_by[module] = self._hung_by.get(module, 0.0) + seconds

    def _slot(self, module: str) -> str:
        """Name the worker that serves ``module``: its own if isolated, else the shared one."""
        return module if module in self._isolated else ""

    def _spawn(self, slot: str) -> WorkerHandle:
        """Start the worker of a slot (no module imported yet)."""
        worker = self._sandbox.spawn(self._dir, self._files)
        self._live.append(worker)
        self._workers[slot] = worker
        self._loaded[slot], self._ran[slot] = set(), set()
        return worker

    def _note_beside(self, module: str, slot: str) -> None:
        if self._ran.get(slot, set()) - {module}:
            self._beside.add(module)

    def _load(self, module: str, slot: str) -> Outcome | None:
        """Import ``module`` in its slot's worker (started if needed); None when done."""
        seconds, budget = self._allowance(module, float(self._limits.import_timeout))
        worker = self._workers.get(slot) or self._spawn(slot)
        self._note_beside(module, slot)
        self._ran[slot].add(module)
        try:
            started = time.monotonic()
            request = {"op": "load", "module": module}
            reply = self._exchange(worker, module, request, seconds, budget, during_import=True)
            self._import_seconds[module] = time.monotonic() - started
            if not isinstance(reply, dict):
                # An import that hangs or crashes does so again: remember it for this submission
                # instead of paying the import timeout on every later call (unless a budget,
                # not the import limit, cut it short: then the budget refuses later calls).
                if not (isinstance(reply, TimedOut) and reply.budget):
                    self._failed[module] = reply
                return reply
            status = reply.get("status")
            worker.end_request()  # import-time prints are dropped (a flood is harmless)
            if status == "ok":
                self._loaded[slot].add(module)
                return None
            if status == "unavailable":
                # The worker stays: other modules may be loaded in it, and a module that
                # cannot be imported is this module's problem, reported as such.
                failure = Unavailable(
                    reason=_codec.decode_message(reply.get("reason")),
                    frames=_codec.decode_frames(reply.get("frames")),
                )
                self._failed[module] = failure
                return failure
            raise Malformed("bad load reply")
        except Malformed:
            return self._end(worker, "sent a malformed reply", True)
        except BaseException:
            worker.finish(0)
            worker.close_output()
            self._forget(worker)
            raise

    def _end(self, worker: WorkerHandle, reason: str, during_import: bool) -> Crashed:
        """Kill a misbehaving worker and report it as crashed."""
        worker.finish(0)
        output = worker.read_output(self._limits.output_bytes)
        worker.close_output()
        self._forget(worker)
        return Crashed(reason=reason, during_import=during_import, output=output)

    def _forget(self, worker: WorkerHandle) -> None:
        """Drop an ended worker so that the next request starts a fresh one."""
        if worker in self._live:
            self._live.remove(worker)
        for slot, known in list(self._workers.items()):
            if known is worker:
                del self._workers[slot]
                del self._loaded[slot], self._ran[slot]

    def _exchange(
        self,
        worker: WorkerHandle,
        module: str,
        payload: dict,
        seconds: float,
        budget: str = "",
        *,
        during_import: bool = False,
    ) -> dict | Outcome:
        """Send a request about ``module`` and wait for its reply; timeouts, crashes: outcomes.

        ``budget`` is the message to give if the deadline is a time budget's, not the limit's.
        """
        started = time.monotonic()
        result: dict | Outcome | None = None
        try:
            result = self._exchange_timed(worker, payload, seconds, during_import, budget)
            return result
        finally:
            self._charge(module, time.monotonic() - started, isinstance(result, TimedOut))

    def _exchange_timed(
        self, worker: WorkerHandle, payload: dict, seconds: float, during_import: bool, budget: str
    ) -> dict | Outcome:
        """Do the work of ``_exchange``."""
        worker.seq += 1
        payload["seq"] = worker.seq
        data = json.dumps(payload, separators=(",", ":")).encode()
        deadline = time.monotonic() + seconds
        try:
            reply = load_json(worker.exchange(data, deadline, self._limits.reply_bytes))
        except Timeout:
            worker.kill()
            worker.finish(0)
            output = worker.read_output(self._limits.output_bytes)
            worker.close_output()
            self._forget(worker)
            return TimedOut(
                seconds=seconds, during_import=during_import, output=output, budget=budget
            )
        except Gone:
            status = worker.finish(_CRASH_GRACE)
            output = worker.read_output(self._limits.output_bytes)
            worker.close_output()
            self._forget(worker)
            return Crashed(describe_end(status), during_import=during_import, output=output)
        except BaseException:  # e.g. KeyboardInterrupt: the reply would arrive out of step
            worker.finish(0)
            worker.close_output()
            self._forget(worker)
            raise
        if reply.get("seq") != worker.seq:
            raise Malformed("reply out of order")
        return reply

    def _outcome(self, worker: WorkerHandle, reply: dict, return_args: bool) -> Outcome:
        """Turn a validated reply into an outcome."""
        status = reply.get("status")
        if status == "ok":
            if "value" not in reply or (return_args and "args_after" not in reply):
                raise Malformed("missing value")
            decoder = _codec.Decoder(self._limits.reply_bytes)
            value = decoder.value(reply["value"])
            args_after: tuple = ()
            if return_args:
                after = decoder.value(reply["args_after"])
                if type(after) is not tuple:
                    after = (after,)  # an Opaque stand-in for arguments too large to send
                args_after = after
            output = worker.read_output(self._limits.output_bytes)
            return Returned(value=value, args_after=args_after, output=output)
        if status == "raised":
            return Raised(
                type_name=_codec.decode_type_name(reply.get("type")),
                message=_codec.decode_message(reply.get("message")),
                frames=_codec.decode_frames(reply.get("frames")),
                output=worker.read_output(self._limits.output_bytes),
            )
        if status == "error":
            reason = _codec.decode_message(reply.get("reason"))
            return self._end(worker, f"could not answer ({reason})", False)
        raise Malformed("unknown status")


@dataclass(frozen=True)
class _SharedCrash:
    """A crash in a worker that held other modules too: worth one more try, alone."""

    crash: Crashed

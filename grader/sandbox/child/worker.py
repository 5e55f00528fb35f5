"""Serve a submission's modules: load, call, get and has requests (untrusted child program).

The worker knows nothing of how it was started or confined: it reads request frames from a
:class:`wire.Channel` and writes reply frames to it, so it can be driven over the zygote's
socket or over plain stdin/stdout pipes (``serve_pipes``) by a backend without fork, seccomp
or memfd.  It imports only the standard library and numpy.
"""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import sys

from .untouched import Baseline, copy_namespaces
from .values import _clip, decode, encode_top, guarded, np, type_name
from .wire import (
    SEND_FRAMES as MAX_FRAMES,
)
from .wire import (
    SEND_MESSAGE as MAX_MESSAGE,
)
from .wire import (
    SEND_TEXT as MAX_TEXT,
)
from .wire import (
    Channel,
)

# --------------------------------------------------------------------------- worker: state


class _Sink(io.RawIOBase):
    """Write to an fd, silently dropping what does not fit (RLIMIT_FSIZE caps the memfd)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._full = False

    def reset(self) -> None:
        """Write again (a new request brings a new output file)."""
        self._full = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if not self._full:
            try:
                os.write(self._fd, data)
            except OSError as exc:
                self._full = exc.errno == errno.EFBIG
        return len(data)


def capture_output() -> tuple[io.TextIOWrapper, io.TextIOWrapper]:
    """Send ``print`` and tracebacks to fds 1 and 2 through sinks that never raise."""
    sys.dont_write_bytecode = True
    sys.argv = [""]
    out = io.TextIOWrapper(
        _Sink(1), encoding="utf-8", errors="backslashreplace", write_through=True
    )
    err = io.TextIOWrapper(
        _Sink(2), encoding="utf-8", errors="backslashreplace", write_through=True
    )
    sys.stdout = sys.__stdout__ = out
    sys.stderr = sys.__stderr__ = err
    return out, err


class Pristine:
    """Hold the per-request state as it was before any student code ran, to restore it.

    Every request starts with numpy's error state, the warnings filters (every warning is
    shown every time, so a call's output says whether *that* call warned), ``sys.stdout`` and
    ``sys.stderr`` as they were at start-up, and its output written from the start of the
    output file, which the trusted side empties before each request.  The references are
    taken before the student's module is imported; a module can still monkeypatch what they
    point to, which is why the trusted side treats output as advice, never as proof.
    """

    def __init__(self) -> None:
        """Take the references (call before importing student code)."""
        import warnings

        warnings.simplefilter("always")
        self.warnings = warnings
        self.filters_list = warnings.filters
        self.filters = list(warnings.filters)
        self.showwarning = warnings.showwarning
        self.mutated = getattr(warnings, "_filters_mutated", None)
        self.np_seterr = np.seterr if np is not None else None
        self.np_state = dict(np.geterr()) if np is not None else {}
        self.stdout, self.stderr = sys.stdout, sys.stderr
        self.sinks = [getattr(s, "buffer", None) for s in (sys.stdout, sys.stderr)]
        try:
            self.rewind = stat.S_ISREG(os.fstat(1).st_mode)
        except OSError:
            self.rewind = False

    def restore(self) -> None:
        """Reset the state; write output from the start of the file the trusted side emptied.

        Fds 1 and 2 share one output file (a memfd) that the trusted side empties before
        each request; over pipes (the portable backend) there is nothing to rewind.
        """
        for stream in (self.stdout, self.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        if self.rewind:
            try:
                os.lseek(1, 0, os.SEEK_SET)
            except OSError:
                self.rewind = False
        for sink in self.sinks:
            if isinstance(sink, _Sink):
                sink.reset()
        sys.stdout = sys.__stdout__ = self.stdout
        sys.stderr = sys.__stderr__ = self.stderr
        if self.np_seterr is not None:
            self.np_seterr(**self.np_state)
        self.warnings.filters = self.filters_list
        self.filters_list[:] = self.filters
        self.warnings.showwarning = self.showwarning
        if self.mutated is not None:
            self.mutated()


class Worker:
    """Serve the modules of one submission over one channel, each imported on request."""

    def __init__(self, channel: Channel, cfg: dict) -> None:
        self.channel = channel
        self.directory: str | None = cfg.get("dir")
        self.files: set[str] = set(cfg.get("files", ()))
        self.reply_bytes = int(cfg["reply_bytes"])
        self.cpu_seconds = int(cfg["cpu_seconds"])
        self.modules: dict[str, object] = {}  # imported student modules, by name
        self.marker = b""  # the end-of-output marker's prefix (pipes only)
        self.sources: dict[str, list[str]] = {}
        if self.directory:
            sys.path.append(self.directory)
        self.pristine = Pristine()
        self.baseline = Baseline({name[:-3] for name in self.files})

    # -- student frames ------------------------------------------------------------

    def _source_line(self, path: str, line: int) -> str:
        """Return one stripped line of a student file."""
        lines = self.sources.get(path)
        if lines is None:
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().splitlines()
            except OSError:
                lines = []
            self.sources[path] = lines
        if 1 <= line <= len(lines):
            return _clip(lines[line - 1].strip(), MAX_TEXT)
        return ""

    def student_file(self, path: object) -> str | None:
        """Return the bare name of a student file, or None for any other path."""
        if type(path) is not str or self.directory is None:
            return None
        name = os.path.basename(path)
        if os.path.dirname(path) == self.directory and name in self.files:
            return name
        return None

    def frames(self, exc: BaseException) -> list[list]:
        """Return the student's own frames of an exception's traceback."""
        out = []
        tb = exc.__traceback__
        steps = 0
        while tb is not None and steps < 100_000:
            steps += 1
            code = tb.tb_frame.f_code
            name = self.student_file(code.co_filename)
            if name is not None:
                line = tb.tb_lineno if type(tb.tb_lineno) is int else 0
                func = code.co_name if type(code.co_name) is str else "?"
                path = os.path.join(self.directory or "", name)
                out.append([name, line, _clip(func, MAX_TEXT), self._source_line(path, line)])
            tb = tb.tb_next
        if len(out) > MAX_FRAMES:
            out = out[: MAX_FRAMES // 2] + out[-MAX_FRAMES // 2 :]
        return out

    def message(self, exc: BaseException) -> str:
        """Return an exception's message, guarded and cut."""
        text = guarded(str, exc)
        if type(text) is not str:
            return ""
        return _clip(text, MAX_MESSAGE)

    def raised(self, exc: BaseException) -> dict:
        """Describe an exception raised by student code."""
        return {
            "status": "raised",
            "type": type_name(type(exc)),
            "message": self.message(exc),
            "frames": self.frames(exc),
        }

    # -- requests ------------------------------------------------------------------

    def load(self, stem: str) -> dict:
        """Import the student module ``stem`` from the submission directory (once)."""
        import importlib.util

        if type(stem) is not str or stem + ".py" not in self.files:
            return {"status": "error", "reason": "not an expected module"}
        if stem in self.modules:
            return {"status": "ok"}
        path = os.path.join(self.directory or "", stem + ".py")
        if stem in sys.modules:  # another student module imported it first, as it liked
            self.baseline.foreign = True
        try:
            spec = importlib.util.spec_from_file_location(stem, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[stem] = module
            spec.loader.exec_module(module)
        except BaseException as exc:
            return self._load_failure(stem + ".py", exc)
        self.modules[stem] = module
        return {"status": "ok"}

    def _load_failure(self, module_file: str, exc: BaseException) -> dict:
        """Describe why a module could not be imported, in one line."""
        tname = type_name(type(exc))
        frames = self.frames(exc)
        if isinstance(exc, SyntaxError):
            name = self.student_file(guarded(getattr, exc, "filename")) or module_file
            line = guarded(getattr, exc, "lineno")
            msg = guarded(getattr, exc, "msg")
            msg = msg if type(msg) is str else self.message(exc)
            where = f"{name} line {line}" if type(line) is int else name
            if type(line) is int:
                path = os.path.join(self.directory or "", name)
                frames.append([name, line, "<module>", self._source_line(path, line)])
        else:
            where, msg = module_file, self.message(exc)
        msg = " ".join(msg.split())
        reason = f"{where}: {tname}: {msg}" if msg else f"{where}: {tname}"
        return {"status": "unavailable", "reason": _clip(reason, MAX_MESSAGE), "frames": frames}

    def lookup(self, req: dict, name: str) -> tuple[bool, object, BaseException | None]:
        """Read an attribute of the request's module: (found, value, exception)."""
        try:
            return True, getattr(self.modules[req["module"]], name), None
        except BaseException as exc:
            return False, None, exc

    def call(self, req: dict) -> dict:
        """Call a student function."""
        name = req["fn"]
        found, fn, exc = self.lookup(req, name)
        module_file = f"{req['module']}.py"
        if not found:
            if isinstance(exc, AttributeError):
                msg = f"{module_file} does not define {name}()"
                return {"status": "raised", "type": "AttributeError", "message": msg, "frames": []}
            return self.raised(exc)
        if not callable(fn):
            kind = type_name(type(fn))
            msg = f"{name} in {module_file} is not a function (it is a {kind})"
            return {"status": "raised", "type": "TypeError", "message": msg, "frames": []}
        args = decode(req["args"])
        kwargs = decode(req["kwargs"])
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            return self.raised(exc)
        reply: dict = {"status": "ok", "value": encode_top(result, self.reply_bytes)}
        if req.get("return_args"):
            reply["args_after"] = encode_top(tuple(args), self.reply_bytes)
        return reply

    def get(self, req: dict) -> dict:
        """Read a module-level value."""
        found, value, exc = self.lookup(req, req["name"])
        if not found:
            return self.raised(exc)
        return {"status": "ok", "value": encode_top(value, self.reply_bytes)}

    def has(self, req: dict) -> dict:
        """Tell whether a name is defined and whether it is callable."""
        found, value, _ = self.lookup(req, req["name"])
        result = {"defined": found, "callable": bool(found and callable(value))}
        return {"status": "ok", "value": encode_top(result, self.reply_bytes)}

    def handle(self, req: dict) -> dict:
        """Answer one request."""
        op = req.get("op")
        if op == "load":
            return self.load(req["module"])
        if op == "untouched":
            return {"status": "ok", "untouched": self.baseline.untouched()}
        if req.get("module") not in self.modules:
            return {"status": "error", "reason": "module not loaded"}
        if op == "call":
            return self.call(req)
        if op == "get":
            return self.get(req)
        if op == "has":
            return self.has(req)
        return {"status": "error", "reason": f"unknown request {op!r}"}

    def _reset_cpu_limit(self) -> None:
        """Give the next request a fresh CPU-time backstop (where ``resource`` exists)."""
        try:
            import resource

            usage = resource.getrusage(resource.RUSAGE_SELF)
            used = int(usage.ru_utime + usage.ru_stime) + 1
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            soft = used + self.cpu_seconds
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        except BaseException:
            pass

    def _flush(self) -> None:
        """Flush the original output streams."""
        for stream in (sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except BaseException:
                pass

    def _dump(self, reply: dict) -> bytes:
        """Serialize a reply, replacing values that do not fit in a reply."""
        try:
            data = json.dumps(reply, separators=(",", ":")).encode()
        except BaseException as exc:
            reply = {"status": "error", "reason": f"could not encode: {type_name(type(exc))}"}
            data = json.dumps(reply).encode()
        if len(data) > self.reply_bytes:
            for key in ("value", "args_after"):
                if key in reply:
                    reply[key] = {"t": "opaque", "type": "object", "text": "too large to send"}
            data = json.dumps(reply, separators=(",", ":")).encode()
        return data

    def mark(self, seq: object) -> None:
        """Tell the output reader that a request's output ended (pipes only, see serve_pipes)."""
        if self.marker and type(seq) is int:
            try:
                os.write(2, self.marker + str(seq).encode() + b"\x00")
            except OSError:
                pass

    def hello(self, features: dict[str, bool]) -> None:
        """Tell the trusted side that the worker is ready and what it enforces."""
        self.channel.send(json.dumps({"seq": 0, "hello": True, "features": features}).encode())

    def serve(self) -> None:
        """Answer requests until the trusted side goes away."""
        while True:
            try:
                raw = self.channel.recv()
            except BaseException:
                raw = None
            if raw is None:
                os._exit(0)
            seq = None
            try:
                self.pristine.restore()
                req = json.loads(raw)
                seq = req.get("seq")
                self._reset_cpu_limit()
                reply = self.handle(req)
            except BaseException as exc:
                reply = {"status": "error", "reason": f"worker error: {type_name(type(exc))}"}
            self._flush()
            self.mark(seq)
            reply["seq"] = seq
            try:
                data = self._dump(reply)
                self.channel.send(data)
            except BaseException:
                os._exit(0)


def _limit_memory(memory_bytes: int) -> bool:
    """Cap the address space at its current size + ``memory_bytes`` where that can be measured.

    Only Linux: macOS accepts RLIMIT_AS/RLIMIT_DATA but does not enforce them for the
    ``mmap`` allocations Python and numpy make, and Windows has no ``resource`` module (the
    trusted side puts the worker in a Job Object with a memory limit instead).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as fh:
            size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (size + memory_bytes, size + memory_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        return True
    except (ImportError, OSError, ValueError, IndexError):
        return False


def _watch_parent() -> None:
    """End the worker when the trusted process ends (POSIX; a Job Object does it on Windows).

    A thread polls the parent pid, so a worker stuck in student code does not outlive grading.
    """
    if sys.platform == "win32":
        return
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(1)

    threading.Thread(target=watch, name="grader-parent-watch", daemon=True).start()


def serve_pipes(cfg: dict | None) -> None:
    """Serve requests on stdin/stdout (the portable backend: no fork, seccomp or memfd).

    The protocol moves to private copies of fds 0 and 1; fd 0 becomes the null device and
    fd 1 joins fd 2, so whatever the student prints goes to stderr, never into the protocol.
    Without ``cfg`` the first frame is the config (a worker boots before it is needed).
    After each request (its output flushed, before its reply) the worker writes an end marker
    on fd 2, so that the trusted side can tell one request's output from the next's.
    """
    read_fd, write_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    os.close(devnull)
    capture_output()
    channel = Channel(read_fd, write_fd)
    _watch_parent()
    copy_namespaces()  # before any student code, and before the session needs this worker
    if cfg is None:
        raw = channel.recv()
        if raw is None:
            os._exit(0)
        cfg = json.loads(raw)
    limited = _limit_memory(int(cfg.get("memory_bytes", 1 << 30)))
    if cfg.get("dir"):
        os.chdir(cfg["dir"])
    worker = Worker(channel, cfg)  # its baseline (untouched.py) sees the final set-up
    worker.marker = b"\x00grader-mark:" + str(cfg.get("mark", "")).encode() + b":"
    worker.hello({"separate_process": True, "memory_limit": limited})
    worker.serve()

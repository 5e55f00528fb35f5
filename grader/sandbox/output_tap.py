"""Cut a portable worker's output pipe into per-request output at the worker's end markers.

After each request (its output flushed, before its reply) the worker writes
``\0grader-mark:<secret>:<seq>\0`` to its stderr.  A thread here drains the pipe so a flood never
blocks the worker, keeps at most ``cap`` bytes of the current request's output, and stops at
that request's marker.  Pipes are ordered, so whatever comes before an earlier request's late
marker was that request's output and is dropped.
"""

from __future__ import annotations

import os
import threading
import time
from typing import IO

_CHUNK = 1 << 16
_SEQ_DIGITS = 24  # a marker's request number and its end byte


class OutputTap:
    """Drain a worker's output pipe; keep at most ``cap`` bytes of the current request's."""

    def __init__(self, stream: IO[bytes], cap: int, secret: str) -> None:
        self.cap = cap
        self.prefix = b"\x00grader-mark:" + secret.encode() + b":"
        self.cond = threading.Condition()
        self.marker = b""
        self.kept = bytearray()
        self.carry = b""
        self.total = 0
        self.seen = False  # the current request's marker arrived
        self.lost = False  # a marker never came (stderr closed?): stop waiting for them
        self.eof = False
        thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        thread.start()

    def begin(self, seq: int) -> None:
        """Start collecting a new request's output (what came before is dropped)."""
        with self.cond:
            self.marker = self.prefix + str(seq).encode() + b"\x00"
            self.kept, self.carry, self.total, self.seen = bytearray(), b"", 0, False

    def _keep(self, data: bytes) -> None:
        """Count ``data`` and keep what fits under the cap."""
        self.total += len(data)
        room = self.cap - len(self.kept)
        if room > 0:
            self.kept += data[:room]

    def _feed(self, chunk: bytes) -> None:
        """Take one chunk: keep output, skip other requests' markers, stop at this one's."""
        with self.cond:
            if self.seen or not self.marker:
                return  # after the marker: a background thread's output, or setup output
            data, longest = self.carry + chunk, len(self.prefix) + _SEQ_DIGITS
            while (start := data.find(self.prefix)) >= 0:
                end = data.find(b"\x00", start + len(self.prefix), start + longest + 1)
                if end < 0 and len(data) - start <= longest:
                    break  # a marker cut in two: wait for the rest
                if end < 0:  # not a marker after all: plain output
                    self._keep(data[: start + 1])
                    data = data[start + 1 :]
                    continue
                if data[start : end + 1] == self.marker:
                    self._keep(data[:start])
                    self.carry, self.seen = b"", True
                    self.cond.notify_all()
                    return
                # an earlier request's marker, late: all before it was that request's output
                self.kept, self.total = bytearray(), 0
                data = data[end + 1 :]
            start = data.find(self.prefix)
            keep = start if start >= 0 else max(len(data) - len(self.prefix) + 1, 0)
            self._keep(data[:keep])
            self.carry = data[keep:]

    def _drain(self, stream: IO[bytes]) -> None:
        """Read until end of file, so a flood never blocks the worker."""
        fd = stream.fileno()
        try:
            while chunk := os.read(fd, _CHUNK):
                self._feed(chunk)
        except (OSError, ValueError):
            pass
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def take(self, wait: float) -> tuple[bytes, int]:
        """Wait up to ``wait`` s for the marker (or end of file); return (kept, total) once."""
        deadline = time.monotonic() + wait
        with self.cond:
            while not (self.seen or self.eof) and (left := deadline - time.monotonic()) > 0:
                self.cond.wait(left)
            if not self.seen:
                self.lost = self.lost or (wait > 0 and not self.eof)
                self._keep(self.carry)
            kept, total = bytes(self.kept), self.total
            self.marker, self.kept, self.carry, self.total = b"", bytearray(), b"", 0
            return kept, total

"""The wire between the trusted side and a worker: framing, dtypes and size limits.

This module is the single source of the protocol's constants: the worker imports it as part
of the untrusted child program, and the trusted decoder (``grader/sandbox/codec.py``) imports
it as ``grader.sandbox.child.wire``.  It imports only the standard library.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON.
"""

from __future__ import annotations

import os

HEADER_BYTES = 4

# Real dtypes a value may carry on the wire (both directions).
DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
)  # fmt: skip

# Shape of values (both directions).
MAX_DEPTH = 16  # containers nested deeper are sent as an opaque description
MAX_ITEMS = 1_000_000  # items in all containers of one value
# JSON brackets and commas in one value; the trusted side counts them in the raw reply before
# parsing it, so a reply can never cost more than ~64 bytes per token (plus its own size).
MAX_TOKENS = 1_000_000
REPLY_SLACK_TOKENS = 65_536  # the rest of a reply: frames, messages, keys
MAX_NDIM = 32
MAX_INT_BITS = 12_000  # ints wider than this are sent as an opaque description
MAX_INT_DIGITS = 4000  # decimal digits of an int on the wire (12,000 bits fit)
MAX_STR = 1 << 20  # characters of one str value

# What a worker sends at most (it cuts its own descriptions to these).
SEND_TEXT = 200  # an opaque value's description, a type name, a source line
SEND_MESSAGE = 500  # an exception message, a reason
SEND_FRAMES = 20  # student frames of one traceback

# What the trusted side accepts at most (it cuts longer fields, and rejects wrong types).
ACCEPT_TYPE_NAME = 200
ACCEPT_TEXT = 1000
ACCEPT_MESSAGE = 2000
ACCEPT_FRAMES = 50


def header(size: int) -> bytes:
    """Return the length prefix of a frame of ``size`` bytes."""
    return size.to_bytes(HEADER_BYTES, "big")


def frame_size(head: bytes) -> int:
    """Return the length a frame header announces."""
    return int.from_bytes(head, "big")


class Channel:
    """Blocking framed messages over a stream: a socket or a pair of pipe fds."""

    def __init__(self, read_fd: int, write_fd: int | None = None) -> None:
        """Use ``read_fd`` for requests and ``write_fd`` (default: the same fd) for replies."""
        self.read_fd = read_fd
        self.write_fd = read_fd if write_fd is None else write_fd
        self.pending = bytearray()  # bytes read past the last frame (the next one's start)

    def _read_some(self, most: int) -> bytes:
        """Read between 1 and ``most`` bytes (b"" at end of file)."""
        return os.read(self.read_fd, most)

    def _fill(self, n: int) -> bool:
        """Read until ``n`` bytes are pending (one read takes a whole small frame)."""
        while len(self.pending) < n:
            chunk = self._read_some(min(max(n - len(self.pending), 1 << 16), 1 << 20))
            if not chunk:
                return False
            self.pending += chunk
        return True

    def recv(self) -> bytes | None:
        """Read one frame; None on end of file."""
        if not self._fill(HEADER_BYTES):
            return None
        end = HEADER_BYTES + frame_size(bytes(self.pending[:HEADER_BYTES]))
        if not self._fill(end):
            return None
        frame = bytes(self.pending[HEADER_BYTES:end])
        del self.pending[:end]
        return frame

    def send(self, data: bytes) -> None:
        """Write one frame."""
        view = memoryview(header(len(data)) + data)
        while view:
            view = view[os.write(self.write_fd, view[: 1 << 20]) :]

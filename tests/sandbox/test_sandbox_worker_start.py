"""What a worker's start plans once in the zygote and does cheaply after each fork."""

from __future__ import annotations

import os
import sys

import pytest

from grader.sandbox.child import confine, filesystem

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the zygote is Linux only")


def test_the_private_root_plan_makes_every_mount_point_before_it_is_used() -> None:
    layout = filesystem.Layout([], [])
    assert layout.sources[: len(layout.binds)] == layout.binds
    assert "/proc" in layout.sources
    assert set(layout.files) <= set(filesystem.DEVICES)
    for path in layout.sources:
        parent = os.path.dirname(path) if path in layout.files else path
        chain = []
        while parent != "/":
            chain.append(parent)
            parent = os.path.dirname(parent)
        positions = [layout.dirs.index(folder) for folder in reversed(chain)]
        assert positions == sorted(positions), path  # parents first
    assert len(set(layout.dirs)) == len(layout.dirs)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_a_worker_closes_every_fd_but_the_ones_it_keeps() -> None:
    read_end, write_end = os.pipe()
    extra = [os.open("/dev/null", os.O_RDONLY) for _ in range(5)]
    high = os.dup2(extra[0], 200)
    keep = {0, 1, 2, write_end, extra[2]}
    candidates = [read_end, write_end, *extra, high]
    pid = os.fork()
    if pid == 0:
        try:
            confine._close_fds_except(keep)
            os.write(write_end, bytes(_is_open(fd) for fd in candidates))
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        still_open = os.read(read_end, 64)
    finally:
        os.waitpid(pid, 0)
        for fd in [read_end, high, *extra]:
            os.close(fd)
    left = [fd for fd, flag in zip(candidates, still_open, strict=True) if flag]
    assert left == [write_end, extra[2]]


def test_the_uid_map_is_read_once_in_the_zygote() -> None:
    assert confine.PER_WORKER_UIDS == confine._uid_range_mapped(confine.UID_BASE, 1 << 23)

"""How many CPUs `grade batch` may use: its CPU affinity, within its cgroup's CPU quota.

`os.cpu_count()` counts the machine's CPUs. A Slurm task or a container pinned to some of them
sees only those in its affinity (Linux), and a Kubernetes pod with a CPU limit, or a Docker
container run with `--cpus`, gets a quota of CPU time instead: 2 CPUs' worth of a 64-CPU node.
Starting a worker per visible CPU there would start 64 workers (and their memory) for 2 CPUs.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

_CGROUP_ROOT = Path("/sys/fs/cgroup")


def usable_cpus() -> list[int]:
    """Return the CPUs this process may run on, where the OS lets it say (else none)."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return []


def default_jobs() -> int:
    """Return the default number of workers: usable CPUs, no more than the CPU quota allows."""
    count = len(usable_cpus()) or os.cpu_count() or 1
    quota = cpu_quota()
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return count


def cpu_quota(root: Path = _CGROUP_ROOT, membership: str | None = None) -> float | None:
    """Return the CPUs' worth of time this process's cgroup allows, or None if unlimited.

    cgroup v2 keeps `cpu.max` ("max 100000", or "200000 100000" for two CPUs); v1 keeps
    `cpu.cfs_quota_us` (-1: none) and `cpu.cfs_period_us`. `membership` is the text of
    /proc/self/cgroup (read when not given); inside a container its paths are usually "/".
    """
    try:
        if membership is None:
            membership = Path("/proc/self/cgroup").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in membership.splitlines():
        try:
            found = _line_quota(root, line)
        except (OSError, ValueError):
            continue  # a controller not mounted here, or a file that says nothing usable
        if found is not None:
            return found
    return None


def _line_quota(root: Path, line: str) -> float | None:
    """Return the quota one /proc/self/cgroup line's cgroup sets, or None.

    The cgroup is looked for at its path below `root`, then at `root` itself: a container
    without its own cgroup namespace sees its host path here but has its cgroup mounted there.
    """
    _, controllers, path = line.split(":", 2)
    relative = path.lstrip("/")
    if controllers == "":  # cgroup v2
        for folder in (root / relative, root):
            if (folder / "cpu.max").is_file():
                fields = (folder / "cpu.max").read_text().split()
                if len(fields) == 2 and fields[0] != "max":
                    return _ratio(int(fields[0]), int(fields[1]))
                return None
        return None
    if "cpu" not in controllers.split(","):
        return None
    for name in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):  # cgroup v1, as mounted here
        for folder in (root / name / relative, root / name):
            if (folder / "cpu.cfs_quota_us").is_file():
                quota = int((folder / "cpu.cfs_quota_us").read_text())
                return _ratio(quota, int((folder / "cpu.cfs_period_us").read_text()))
    return None


def _ratio(quota: int, period: int) -> float | None:
    return quota / period if quota > 0 and period > 0 else None

"""How many workers `grade batch` starts by default: CPU affinity and the cgroup's CPU quota."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.classroom import cpus


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("cpu_max", "quota"),
    [("200000 100000\n", 2.0), ("150000 100000\n", 1.5), ("max 100000\n", None)],
)
def test_cgroup_v2_quota(tmp_path: Path, cpu_max: str, quota: float | None) -> None:
    _write(tmp_path / "kubepods" / "pod1" / "cpu.max", cpu_max)
    assert cpus.cpu_quota(tmp_path, "0::/kubepods/pod1\n") == quota


def test_cgroup_v1_quota_where_the_controllers_share_a_mount(tmp_path: Path) -> None:
    folder = tmp_path / "cpu,cpuacct" / "docker" / "abc"
    _write(folder / "cpu.cfs_quota_us", "300000\n")
    _write(folder / "cpu.cfs_period_us", "100000\n")
    membership = "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n"
    assert cpus.cpu_quota(tmp_path, membership) == 3.0
    _write(folder / "cpu.cfs_quota_us", "-1\n")  # no quota
    assert cpus.cpu_quota(tmp_path, membership) is None


def test_a_container_without_its_own_cgroup_namespace_reads_its_mount(tmp_path: Path) -> None:
    _write(tmp_path / "cpu.max", "100000 100000\n")  # the host's path is not mounted here
    assert cpus.cpu_quota(tmp_path, "0::/system.slice/docker-abc.scope\n") == 1.0


def test_no_quota_where_nothing_can_be_read(tmp_path: Path) -> None:
    assert cpus.cpu_quota(tmp_path, "0::/\n1:cpu:/\n") is None  # nothing mounted there
    assert cpus.cpu_quota(tmp_path, "not a cgroup line\n") is None
    _write(tmp_path / "cpu.max", "garbage\n")
    assert cpus.cpu_quota(tmp_path, "0::/\n") is None


def test_default_jobs_is_the_usable_cpus_within_the_quota(monkeypatch) -> None:
    monkeypatch.setattr(cpus, "usable_cpus", lambda: list(range(64)))
    monkeypatch.setattr(cpus, "cpu_quota", lambda: None)
    assert cpus.default_jobs() == 64
    monkeypatch.setattr(cpus, "cpu_quota", lambda: 1.5)  # a pod limited to 1.5 CPUs
    assert cpus.default_jobs() == 2
    monkeypatch.setattr(cpus, "cpu_quota", lambda: 0.25)
    assert cpus.default_jobs() == 1
    monkeypatch.setattr(cpus, "usable_cpus", lambda: [0, 1])  # a Slurm task's two CPUs
    monkeypatch.setattr(cpus, "cpu_quota", lambda: 8.0)
    assert cpus.default_jobs() == 2

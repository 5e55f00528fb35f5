"""Split a class into N deterministic shards, by a stable hash of each student id.

K counts from 1. `--shard K/N` gives them; otherwise they come from the job engine's
environment: GitLab `parallel:` (CI_NODE_INDEX/CI_NODE_TOTAL, K from 1), Slurm job arrays
(SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1 of SLURM_ARRAY_TASK_COUNT), Kubernetes Indexed
Jobs (JOB_COMPLETION_INDEX + 1 of GRADE_SHARD_TOTAL, which the manifest sets to its
`completions`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass


class ShardError(Exception):
    """Raise for a shard that cannot be right (a usage problem)."""


@dataclass(frozen=True)
class Shard:
    """Shard `index` (from 1) of `total`, and where it came from."""

    index: int = 1
    total: int = 1
    source: str = ""

    def __post_init__(self) -> None:
        """Reject impossible shards."""
        if self.total < 1 or not 1 <= self.index <= self.total:
            where = f" (from {self.source})" if self.source else ""
            raise ShardError(f"shard {self.index}/{self.total}{where} must be K/N with 1 <= K <= N")

    def holds(self, student: str) -> bool:
        """Tell whether this shard grades `student`."""
        return self.total == 1 or shard_of(student, self.total) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def shard_of(student: str, total: int) -> int:
    """Return the shard (from 1) that grades `student` when the class is split in `total`."""
    digest = hashlib.sha256(student.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % total + 1


def parse_shard(text: str) -> Shard:
    """Parse `K/N`; `all` means the whole class."""
    if text.strip().lower() == "all":
        return Shard(1, 1, "--shard all")
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ShardError(f"--shard {text!r}: expected K/N, such as 2/4 (K counts from 1)")
    return Shard(int(match[1]), int(match[2]), "--shard")


def shard_from_env(env: Mapping[str, str]) -> Shard:
    """Return the shard the environment's job engine asks for, or the whole class."""

    def number(name: str) -> int:
        value = env.get(name, "")
        if not value.strip().isdigit():
            raise ShardError(f"${name} is {value!r}, not a whole number")
        return int(value)

    if env.get("CI_NODE_TOTAL"):
        total = number("CI_NODE_TOTAL")
        if total > 1 or env.get("CI_NODE_INDEX"):
            index = number("CI_NODE_INDEX") if env.get("CI_NODE_INDEX") else 1
            return Shard(index, total, "GitLab CI_NODE_INDEX/CI_NODE_TOTAL")
    if env.get("SLURM_ARRAY_TASK_ID") and env.get("SLURM_ARRAY_TASK_COUNT"):
        low = number("SLURM_ARRAY_TASK_MIN") if env.get("SLURM_ARRAY_TASK_MIN") else 0
        index = number("SLURM_ARRAY_TASK_ID") - low + 1
        return Shard(index, number("SLURM_ARRAY_TASK_COUNT"), "Slurm SLURM_ARRAY_TASK_*")
    if env.get("JOB_COMPLETION_INDEX"):
        if not env.get("GRADE_SHARD_TOTAL"):
            raise ShardError(
                "$JOB_COMPLETION_INDEX is set but $GRADE_SHARD_TOTAL is not; set it to the"
                " Job's completions, or pass --shard K/N"
            )
        index = number("JOB_COMPLETION_INDEX") + 1
        return Shard(index, number("GRADE_SHARD_TOTAL"), "Kubernetes JOB_COMPLETION_INDEX")
    return Shard()

"""Fixtures for the sandbox tests: one warm sandbox per module, small student folders."""

from __future__ import annotations

import hashlib
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from grade_cli_support import pid_alive  # loaded by tests/conftest.py

from grader.sandbox import Limits, Sandbox, SandboxSession

# Generous budgets: these tests are about other limits (see test_sandbox_budgets.py).
TEST_LIMITS = Limits(
    call_timeout=1.0, import_timeout=2.0, output_bytes=4096,
    module_seconds=60.0, submission_seconds=120.0, module_hang_seconds=60.0, hang_seconds=60.0,
)  # fmt: skip

Submit = Callable[..., SandboxSession]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """Share one sandbox (and its zygote) across a test module."""
    with Sandbox(TEST_LIMITS) as sb:
        yield sb


@pytest.fixture(scope="module")
def features(sandbox: Sandbox) -> dict[str, bool]:
    """Report what this machine enforces."""
    return sandbox.features()


@pytest.fixture
def submit(sandbox: Sandbox, tmp_path: Path) -> Iterator[Submit]:
    """Write student files into a fresh folder and open them as a submission."""
    opened: list[SandboxSession] = []

    def _submit(files: dict[str, str | bytes], expected: list[str] | None = None) -> SandboxSession:
        folder = tmp_path / f"student{len(opened)}"
        folder.mkdir()
        for name, content in files.items():
            data = content if isinstance(content, bytes) else textwrap.dedent(content).encode()
            (folder / name).write_bytes(data)
        names = expected if expected is not None else [n for n in files if n.endswith(".py")]
        submission = sandbox.open(folder, names)
        opened.append(submission)
        return submission

    yield _submit
    for submission in opened:
        submission.close()


def folder_digest(folder: Path) -> dict[str, str]:
    """Hash every entry of a folder (recursively), without following symlinks."""
    digest = {}
    for root, dirs, files in os.walk(folder):
        for name in sorted(dirs + files):
            path = Path(root) / name
            st = path.lstat()
            if path.is_symlink():
                digest[str(path)] = "link:" + os.readlink(path)
            elif path.is_file():
                digest[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                digest[str(path)] = f"mode:{st.st_mode:o}"
            digest[str(path)] += f":{st.st_mode:o}:{st.st_mtime_ns}"
    return digest


@pytest.fixture
def alive() -> Callable[[int], bool]:
    """Give tests the pid_alive helper."""
    return pid_alive


@pytest.fixture
def digest() -> Callable[[Path], dict[str, str]]:
    """Give tests the folder_digest helper."""
    return folder_digest

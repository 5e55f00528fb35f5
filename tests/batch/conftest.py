"""A generated class of correct, partial, broken and hostile submissions, graded by real
`grade batch` processes."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from grade_cli_support import BIN_DIR, GRADE  # this interpreter's grader, never PATH's

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
FILES = ["weighted_sum.py", "sigmoid.py", "relu.py"]


# Slow, not hanging: each call ends in time (0.9 s < --call-timeout 1 s), so no hang budget
# stops it, but together they overrun a submission's --budget of 4 s: `timed out`.
SLOW_RELU = "import time\n\ndef relu(x):\n    time.sleep(0.9)\n    return max(0.0, x)\n"


def _solution(name: str) -> str:
    return (SOLUTIONS / name).read_text(encoding="utf-8")


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w") -> None:
    with tarfile.open(path, mode) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def make_class(folder: Path, *, hanging: bool = True) -> Path:
    """Write the class: folders, archives (good and hostile), one entry per student."""
    folder.mkdir(parents=True)
    good = {name: _solution(name) for name in FILES}
    good["answers.yaml"] = "relu_output: 1.5\nsigmoid_minus_one: 0.269\n"

    def student(name: str, files: dict[str, str]) -> None:
        (folder / name).mkdir()
        for file, text in files.items():
            (folder / name / file).write_text(text, encoding="utf-8")

    student("ada", good)
    student("bob", {**good, "relu.py": "def relu(x):\n    return x\n", "answers.yaml": ""})
    student("cy", {"sigmoid.py": "def sigmoid(x:\n", "answers.yaml": "relu_output: 2\n"})
    student(
        "dee",
        {**good, "weighted_sum.py": "# same as ada's? no: a comment\n" + good["weighted_sum.py"]},
    )
    student("eve", {"relu.py": good["relu.py"]})
    os.symlink("/etc/passwd", folder / "eve" / "sigmoid.py")
    student("fay", {"sigmoid.py": good["sigmoid.py"]})  # identical to ada's sigmoid.py
    student("gus", {})  # none of the course's files
    if hanging:
        student("hal", {"relu.py": SLOW_RELU})
    # archives
    with zipfile.ZipFile(folder / "ivy.zip", "w") as archive:
        for name, text in good.items():
            archive.writestr(f"ivy-work/{name}", text)
    _tar(folder / "jon.tar.gz", [_file(name, text.encode()) for name, text in good.items()], "w:gz")
    with zipfile.ZipFile(folder / "kim.zip", "w") as archive:
        archive.writestr("relu.py", good["relu.py"])
        archive.writestr("../../escaped.py", "x = 1\n")
    _tar(folder / "lee.tar", [_file("/tmp/absolute-escape.py", b"x = 1\n")])
    link = tarfile.TarInfo("relu.py")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    _tar(folder / "max.tar", [(link, None)])
    hard = tarfile.TarInfo("relu.py")
    hard.type, hard.linkname = tarfile.LNKTYPE, "/etc/passwd"
    _tar(folder / "ned.tar", [(hard, None)])
    device = tarfile.TarInfo("relu.py")
    device.type, device.devmajor, device.devminor = tarfile.CHRTYPE, 1, 3
    _tar(folder / "ola.tar", [(device, None)])
    with zipfile.ZipFile(folder / "pam.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(40):  # 40 x 1 MiB of zeros: a small zip bomb
            archive.writestr(f"pad{index}.txt", b"\0" * (1 << 20))
        archive.writestr("relu.py", good["relu.py"])
    _tar(
        folder / "quin.tar.gz", [_file(f"pad{i}.bin", b"\0" * (1 << 20)) for i in range(40)], "w:gz"
    )
    (folder / "rex.rar").write_bytes(b"Rar!")
    return folder


def grade_batch(
    *args: str, cwd: Path, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `grade batch` (or merge) in a clean environment (plus ``env``), not on a tty."""
    environment = {
        "PATH": os.pathsep.join([BIN_DIR, "/usr/bin:/bin"]),
        "HOME": str(cwd),
        "LANG": "C.UTF-8",
        **(env or {}),
    }
    return subprocess.run(
        [*GRADE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=environment,
    )


def timeless(text: str) -> str:
    """Return a JSON report without its per-check durations (measurements, not results)."""
    return re.sub(r'\n *"seconds": [0-9.e-]+,', "", text)


def outputs(folder: Path) -> dict[str, bytes]:
    """Return every output file (not the SQLite file itself) by relative path; JSON reports
    without their per-check durations, which no two runs share."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("gradebook.sqlite"):
            data = path.read_bytes()
            if path.parent.name == "reports" and path.suffix == ".json":
                data = timeless(data.decode("utf-8")).encode("utf-8")
            found[path.relative_to(folder).as_posix()] = data
    return found


def rows(folder: Path) -> dict[str, tuple]:
    """Return student -> (status, score, files_sha256, graded_at) from the gradebook."""
    db = sqlite3.connect(folder / "gradebook.sqlite")
    try:
        return {
            r[0]: r[1:]
            for r in db.execute(
                "SELECT student, status, score, files_sha256, graded_at FROM students"
            )
        }
    finally:
        db.close()


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """Grade the class once: (submissions, out, stderr)."""
    base = tmp_path_factory.mktemp("class")
    submissions = make_class(base / "submissions")
    done = grade_batch(
        "batch",
        str(submissions),
        "--out",
        str(base / "out"),
        "--jobs",
        "2",
        "--budget",
        "4",
        cwd=base,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return submissions, base / "out", done.stderr + done.stdout

"""`validate_course`: references, stubs and known-wrong files, each problem named with its file."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.course.load import load_course
from grader.validate import validate_course

ROOT = Path(__file__).resolve().parents[2]


def test_missing_reference_files_and_answers_name_the_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    solutions = tmp_path / "solutions"
    shutil.copytree(ROOT / "solutions", solutions)
    (solutions / "relu.py").unlink()
    answers = solutions / "answers.yaml"
    answers.write_text(
        "\n".join(line for line in answers.read_text().splitlines() if "relu_output" not in line)
    )
    findings = validate_course(load_course(ROOT / "exercises"), solutions)
    failing = {finding.item: finding.detail for finding in findings if not finding.ok}
    assert failing == {
        "relu": "reference solution solutions/relu.py is missing; add it",
        "relu_output": (
            "solutions/answers.yaml has no answer for 'relu_output'; add 'relu_output: ...' to it"
        ),
    }
    diagnosed = [f for f in findings if f.check.startswith("known-wrong")]
    assert diagnosed and all(f.ok and "diagnosed as '" in f.detail for f in diagnosed)

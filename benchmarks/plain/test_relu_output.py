"""Plain pytest check for the ReLU quiz: read answers.yaml, compare with the answer."""

from pathlib import Path

import pytest
import yaml


def test_relu_output():
    answers = yaml.safe_load(Path("answers.yaml").read_text(encoding="utf-8")) or {}
    assert float(answers["relu_output"]) == pytest.approx(1.5, abs=0.01)

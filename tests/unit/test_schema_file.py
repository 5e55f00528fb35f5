"""The JSON Schema editors use agrees with the course: every exercise.yaml validates."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "exercises" / "exercise.schema.json").read_text())


@pytest.mark.parametrize(
    "path", sorted((ROOT / "exercises").glob("*/exercise.yaml")), ids=lambda p: p.parent.name
)
def test_exercise_yaml_matches_the_json_schema(path: Path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)


def test_schema_rejects_an_unknown_key() -> None:
    spec = yaml.safe_load((ROOT / "exercises" / "relu_output" / "exercise.yaml").read_text())
    spec["tolerence"] = 0.01
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spec, SCHEMA)

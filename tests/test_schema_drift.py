"""exercises/exercise.schema.json (for editors) says what the loader accepts, no more, no less.

Each kind's keys must equal the loader's key tables; a key the schema requires must be one
the loader cannot do without (removing it from a valid item is an error), an optional key
one it can; a value of the wrong JSON type is rejected by both.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from grader.course import load
from grader.course.load import load_course
from grader.course.problems import InputError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "exercises" / "exercise.schema.json").read_text())
FIXTURE = ROOT / "tests" / "fixture_course"
SAMPLES = {"code": "relu", "numeric": "relu_output"}
WRONG_TYPES = {"string": 12345, "integer": "seven", "array": "not a list", "object": [1, 2]}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA["$defs"][schema["$ref"].removeprefix("#/$defs/")]
    return schema


def _json_type(schema: dict[str, Any]) -> str | None:
    schema = _resolve(schema)
    return schema.get("type") if isinstance(schema.get("type"), str) else None


@pytest.mark.parametrize("kind", ["code", "numeric", "choice"])
def test_each_kind_has_the_loaders_keys(kind: str) -> None:
    assert set(SCHEMA["$defs"][kind]["properties"]) == load._KEYS[kind]
    assert SCHEMA["$defs"][kind]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("definition", "table"),
    [("check", load._CHECK_KEYS), ("misconception", load._MISCONCEPTION_KEYS)],
)
def test_nested_objects_have_the_loaders_keys(definition: str, table: set[str]) -> None:
    assert set(SCHEMA["$defs"][definition]["properties"]) == table


def _loads(tmp_path: Path, item: str, change) -> bool:
    """Return whether the fixture course still loads after `change` edits one exercise.yaml."""
    course = tmp_path / "course"
    if course.exists():
        shutil.rmtree(course)
    shutil.copytree(FIXTURE, course)
    path = course / item / "exercise.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    try:
        load_course(course)
    except InputError:
        return False
    return True


def _cases() -> list[tuple[str, str]]:
    return [(kind, key) for kind in SAMPLES for key in SCHEMA["$defs"][kind]["properties"]]


@pytest.mark.parametrize(("kind", "key"), _cases())
def test_required_means_the_loader_needs_it(kind: str, key: str, tmp_path: Path) -> None:
    item = SAMPLES[kind]
    data = yaml.safe_load((FIXTURE / item / "exercise.yaml").read_text())
    required = key in SCHEMA["$defs"][kind]["required"]
    if key in data:
        loads = _loads(tmp_path, item, lambda spec: spec.pop(key))
        assert loads is not required, f"{kind}.{key}: schema says required={required}"
    else:
        assert not required, f"the valid sample {item} has no {key}, which the schema requires"
    expected = _json_type(SCHEMA["$defs"][kind]["properties"][key])
    if expected in WRONG_TYPES:
        wrong = WRONG_TYPES[expected]
        assert not _loads(tmp_path, item, lambda spec: spec.__setitem__(key, wrong)), (
            f"{kind}.{key}: the loader accepts a non-{expected}"
        )
        spec = {**data, key: wrong}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(spec, SCHEMA)

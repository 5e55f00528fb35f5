"""The fast indented JSON encoder and `clean`'s fast path change no byte."""

from __future__ import annotations

import json
import random
from typing import Any

from grader.grading.messages import sanitize
from grader.reporters.common import _LINE_SEPARATOR, _SURROGATE, clean
from grader.reporters.indented import dumps_indent2
from grader.reporters.json_report import report_data

from .samples import HOSTILE, SAMPLES

_LEAVES: list[Any] = [
    None,
    True,
    False,
    0,
    -5,
    10**20,
    1.5,
    0.1 + 0.2,
    1e-300,
    float("nan"),
    float("inf"),
    -float("inf"),
    "",
    'a"b\\\n\t\u2028é\ud800\x00\x1b[31m',
    "ü → ∑",
    (),
    [],
    {},
]
_KEYS: list[Any] = ["a", "b\n", "é", '"', "", 1, 2.5, True, None]


def _value(chance: random.Random, depth: int = 0) -> Any:
    roll = chance.random()
    if depth > 4 or roll < 0.45:
        return chance.choice(_LEAVES)
    size = chance.randint(0, 5)
    if roll < 0.7:
        return [_value(chance, depth + 1) for _ in range(size)]
    if roll < 0.8:
        return tuple(_value(chance, depth + 1) for _ in range(size))
    return {chance.choice(_KEYS): _value(chance, depth + 1) for _ in range(size)}


def _expected(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def test_random_data_encodes_exactly_as_the_standard_library() -> None:
    chance = random.Random(20261203)
    for _ in range(5000):
        data = _value(chance)
        assert dumps_indent2(data) == _expected(data)


def test_reports_encode_exactly_as_the_standard_library() -> None:
    for report in SAMPLES.values():
        data = report_data(report)
        assert dumps_indent2(data) == _expected(data)


def test_what_it_does_not_know_goes_to_the_standard_library() -> None:
    class Text(str):
        pass

    for data in ({"a": [1], 2: [3]}, [Text("x")], {"k": {Text("y"): 1}}):
        assert dumps_indent2(data) == _expected(data)
    for data in ([{1, 2}], {"a": object()}):
        try:
            _expected(data)
        except TypeError:
            try:
                dumps_indent2(data)
            except TypeError:
                continue
        raise AssertionError(f"{data!r} should not be JSON")


def _slow_clean(text: str) -> str:
    return _SURROGATE.sub("\ufffd", _LINE_SEPARATOR.sub("\n", sanitize(text)))


def test_clean_changes_exactly_what_it_did() -> None:
    chance = random.Random(7)
    alphabet = "ab \n\t\x00\x07\x1b[31m]\x7f\x9b\u200b\u202e\u2028\u2029\ufeff\ud800é"
    for _ in range(5000):
        text = "".join(chance.choice(alphabet) for _ in range(chance.randint(0, 12)))
        assert clean(text) == _slow_clean(text)
    for code in range(0x3000):
        text = f"x{chr(code)}y"
        assert clean(text) == _slow_clean(text)
    assert clean(HOSTILE) == _slow_clean(HOSTILE)

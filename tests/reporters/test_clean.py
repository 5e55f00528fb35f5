"""`clean`'s fast path (one search, then the text as it is) changes no byte."""

from __future__ import annotations

import random

from grader.grading.messages import sanitize
from grader.reporters.common import _LINE_SEPARATOR, _SURROGATE, clean

from .samples import HOSTILE


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

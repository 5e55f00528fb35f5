"""Time budgets per module and per submission: a hanging or slow submission costs seconds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from grader.sandbox import Limits, Sandbox
from grader.sandbox.outcomes import Returned, TimedOut

HANG = "def f(x):\n    while True:\n        pass\n"
SLOW = "import time\n\ndef f(x):\n    time.sleep(0.3)\n    return 2 * x\n"
SLOW_IMPORT = "import time\ntime.sleep(0.6)\n\ndef f(x):\n    return 2 * x\n\ndef g():\n    while True:\n        pass\n"  # noqa: E501
LIMITS = Limits(
    call_timeout=0.5, import_timeout=2.0, module_seconds=2.0, submission_seconds=4.0,
    module_hang_seconds=1.0, hang_seconds=1.2,
)  # fmt: skip


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(LIMITS) as sb:
        sb.features()
        yield sb


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_a_submission_whose_every_call_hangs_costs_the_hang_budget(sandbox, tmp_path) -> None:
    names = [f"m{i}.py" for i in range(6)]
    folder = _folder(tmp_path, dict.fromkeys(names, HANG))
    start = time.monotonic()
    with sandbox.open(folder, names) as sub:
        outcomes = [sub.call(n[:-3], "f", (1,)) for n in names for _ in range(4)]
    spent = time.monotonic() - start
    assert all(isinstance(o, TimedOut) for o in outcomes)
    # not 24 calls x 0.5 s: once the budget is spent, each module hangs once at most
    assert spent < LIMITS.hang_seconds + len(names) * 0.5 + 1.5, spent
    assert outcomes[0].budget == "" and outcomes[0].seconds == 0.5
    refused = [o for o in outcomes if o.seconds == 0]
    assert len(refused) >= 16
    assert outcomes[2].budget == (  # m0 hung twice: its own budget is spent
        "the time budget of 1 s for code of m0.py that does not finish is spent"
    )
    assert outcomes[
        5
    ].budget == (  # m1's second call: m1 hung once, the submission's budget is spent
        "m1.py did not finish earlier and the submission's time budget of 1.2 s for code"
        " that does not finish is spent"
    )


def test_hanging_modules_do_not_cost_an_honest_module_its_points(sandbox, tmp_path) -> None:
    names = [f"h{i}.py" for i in range(3)]
    folder = _folder(tmp_path, dict.fromkeys(names, HANG) | {"ok.py": "def f(x):\n    return x\n"})
    with sandbox.open(folder, [*names, "ok.py"]) as sub:
        for name in names:
            for _ in range(3):
                assert isinstance(sub.call(name[:-3], "f", (1,)), TimedOut)
        assert [sub.call("ok", "f", (i,)) for i in range(5)] == [Returned(i) for i in range(5)]


def test_a_slow_but_correct_module_stops_at_its_budget(sandbox, tmp_path) -> None:
    folder = _folder(tmp_path, {"slow.py": SLOW, "fast.py": "def f(x):\n    return x\n"})
    with sandbox.open(folder, ["slow.py", "fast.py"]) as sub:
        start = time.monotonic()
        outcomes = [sub.call("slow", "f", (i,)) for i in range(20)]
        spent = time.monotonic() - start
        ran = [o for o in outcomes if isinstance(o, Returned)]
        assert 3 <= len(ran) <= 7 and [o.value for o in ran] == [2 * i for i in range(len(ran))]
        assert spent < LIMITS.module_seconds + 1.0, spent
        last = outcomes[-1]
        assert isinstance(last, TimedOut) and last.seconds == 0
        assert last.budget == "the time budget of 2 s for slow.py is spent"
        assert sub.call("fast", "f", (5,)) == Returned(5)  # another module has its own budget


def test_the_submission_budget_covers_every_module(sandbox, tmp_path) -> None:
    names = [f"s{i}.py" for i in range(4)]
    folder = _folder(tmp_path, dict.fromkeys(names, SLOW))
    with sandbox.open(folder, names) as sub:
        start = time.monotonic()
        outcomes = [sub.call(n[:-3], "f", (1,)) for n in names for _ in range(8)]
        spent = time.monotonic() - start
    assert spent < LIMITS.submission_seconds + 1.0, spent
    assert outcomes[-1] == TimedOut(
        seconds=0.0, budget="the submission's time budget of 4 s is spent"
    )


def test_a_slow_import_is_not_paid_again_past_the_budget(sandbox, tmp_path) -> None:
    """After a call is killed, the re-import costs what the import did: refused if too dear."""
    folder = _folder(tmp_path, {"m.py": SLOW_IMPORT})
    with sandbox.open(folder, ["m.py"]) as sub:
        assert sub.call("m", "f", (2,)) == Returned(4)  # import 0.6 s + call
        assert isinstance(sub.call("m", "g"), TimedOut)  # 0.5 s, the worker is killed
        start = time.monotonic()
        again = sub.call("m", "f", (2,))  # a re-import of 0.6 s would pass 2 s: not started
        assert time.monotonic() - start < 0.3
        assert isinstance(again, TimedOut) and again.budget


def test_limits_reject_budgets_that_cannot_work() -> None:
    for name in ("module_seconds", "submission_seconds", "module_hang_seconds", "hang_seconds"):
        with pytest.raises(ValueError, match=name):
            Limits(**{name: 0})

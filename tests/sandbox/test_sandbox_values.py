"""Values cross the sandbox boundary as plain data, keeping their types; the rest is Opaque."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.sandbox import Limits, Sandbox
from grader.sandbox.outcomes import Opaque, Raised, Returned, TimedOut

ECHO = """
    def echo(x):
        return x

    def mutate(xs, arr):
        xs.append(99)
        arr[0] = -1
        return None
"""


@pytest.mark.parametrize(
    "value",
    [
        0,
        -7,
        2**80,
        -(2**200),
        1.5,
        -0.0,
        1e308,
        True,
        False,
        None,
        "",
        "héllo \u2603 \U0001f600",
        [1, [2, [3]]],
        (1, "a", (2.5, None)),
        {"a": 1, "b": [1, 2], "c": {"d": (1,)}},
        [],
        (),
        {},
    ],
)
def test_plain_values_round_trip(submit, value: object) -> None:
    sub = submit({"m.py": ECHO})
    outcome = sub.call("m", "echo", (value,))
    assert isinstance(outcome, Returned)
    assert outcome.value == value
    assert type(outcome.value) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, outcome.value) == math.copysign(1, value)


def test_nan_and_inf_round_trip(submit) -> None:
    sub = submit({"m.py": ECHO})
    got = sub.call("m", "echo", ([math.nan, math.inf, -math.inf],)).value
    assert math.isnan(got[0]) and got[1] == math.inf and got[2] == -math.inf


@pytest.mark.parametrize(
    "value",
    [
        np.float64(0.1),
        np.float32(1.5),
        np.float16(2.0),
        np.int8(-3),
        np.int64(2**62),
        np.uint64(2**64 - 1),
        np.uint8(255),
        np.bool_(True),
    ],
)
def test_numpy_scalars_keep_their_type(submit, value: np.generic) -> None:
    sub = submit({"m.py": ECHO})
    got = sub.call("m", "echo", (value,)).value
    assert type(got) is type(value)
    assert got == value


@pytest.mark.parametrize(
    "array",
    [
        np.array(3.5),
        np.array(7, dtype=np.int32),
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.zeros((2, 0, 3)),
        np.array([True, False]),
        np.arange(24, dtype=np.uint16).reshape(2, 3, 4),
        np.arange(12.0).reshape(3, 4).T,  # not C-contiguous
        np.array([1.0, np.nan, np.inf], dtype=np.float16),
    ],
)
def test_arrays_keep_dtype_and_shape(submit, array: np.ndarray) -> None:
    sub = submit({"m.py": ECHO})
    got = sub.call("m", "echo", (array,)).value
    assert type(got) is np.ndarray
    assert got.dtype == array.dtype
    assert got.shape == array.shape
    np.testing.assert_array_equal(got, array)
    got.flat[:1] = 0  # a decoded array is an ordinary writable array


def test_big_endian_argument_arrives_as_values(submit) -> None:
    sub = submit({"m.py": ECHO})
    array = np.arange(4, dtype=">f8")
    got = sub.call("m", "echo", (array,)).value
    np.testing.assert_array_equal(got, array)
    assert got.dtype == np.float64


def test_kwargs_and_args_after(submit) -> None:
    sub = submit({"m.py": ECHO})
    xs, arr = [1, 2], np.array([5.0, 6.0])
    outcome = sub.call("m", "mutate", (xs,), {"arr": arr}, return_args=True)
    assert isinstance(outcome, Returned)
    assert outcome.value is None
    assert outcome.args_after == ([1, 2, 99],)
    assert xs == [1, 2]  # the caller's objects are never touched
    plain = sub.call("m", "mutate", ([1], np.zeros(1)))
    assert plain.args_after == ()


def test_args_after_shows_mutated_array(submit) -> None:
    sub = submit({"m.py": "def scale(a):\n    a *= 2\n    return a.sum()\n"})
    outcome = sub.call("m", "scale", (np.array([1.0, 2.0]),), return_args=True)
    assert outcome.value == 6.0
    np.testing.assert_array_equal(outcome.args_after[0], [2.0, 4.0])


OPAQUE = """
    import numpy as np

    class MyFloat(float):
        pass

    class MyArray(np.ndarray):
        pass

    class Liar:
        def __eq__(self, other):
            return True
        def __hash__(self):
            return 0

    class BadRepr:
        def __repr__(self):
            raise RuntimeError("no")

    class SlowRepr:
        def __repr__(self):
            while True:
                pass

    def my_float():
        return MyFloat(0.5)

    def my_array():
        return np.arange(3.0).view(MyArray)

    def matrix():
        return np.asmatrix(np.eye(2))

    def liar():
        return Liar()

    def complex_number():
        return 1 + 2j

    def complex_array():
        return np.array([1 + 1j])

    def object_array():
        return np.array([1, "a"], dtype=object)

    def generator():
        return (i for i in range(3))

    def function():
        return my_float

    def int_keys():
        return {1: "a"}

    def nested_subclass():
        return [1.0, MyFloat(2.0)]

    def bad_repr():
        return BadRepr()

    def slow_repr():
        return SlowRepr()

    def deep():
        x = []
        for _ in range(100):
            x = [x]
        return x

    def cycle():
        x = []
        x.append(x)
        return x
"""


@pytest.mark.parametrize(
    ("function", "type_name"),
    [
        ("my_float", "MyFloat"),
        ("my_array", "MyArray"),
        ("matrix", "matrix"),
        ("liar", "Liar"),
        ("complex_number", "complex"),
        ("complex_array", "ndarray"),
        ("object_array", "ndarray"),
        ("generator", "generator"),
        ("function", "function"),
        ("int_keys", "dict"),
        ("bad_repr", "BadRepr"),
    ],
)
def test_non_plain_values_are_opaque(submit, function: str, type_name: str) -> None:
    sub = submit({"m.py": OPAQUE})
    outcome = sub.call("m", function)
    assert isinstance(outcome, Returned), outcome
    assert isinstance(outcome.value, Opaque)
    assert outcome.value.type_name == type_name
    assert isinstance(outcome.value.text, str) and len(outcome.value.text) <= 1000


def test_opaque_inside_a_list(submit) -> None:
    sub = submit({"m.py": OPAQUE})
    got = sub.call("m", "nested_subclass").value
    assert got[0] == 1.0 and isinstance(got[1], Opaque) and got[1].type_name == "MyFloat"


def test_a_liar_never_equals_anything_on_the_trusted_side(submit) -> None:
    sub = submit({"m.py": OPAQUE})
    got = sub.call("m", "liar").value
    assert got != 42 and got != "anything"


def test_slow_repr_falls_back_to_type_name(submit) -> None:
    sub = submit({"m.py": OPAQUE})
    outcome = sub.call("m", "slow_repr")
    assert isinstance(outcome, Returned)
    assert outcome.value == Opaque("SlowRepr", "SlowRepr")


def test_too_deep_and_cyclic_values_are_opaque(submit) -> None:
    sub = submit({"m.py": OPAQUE})
    for function in ("deep", "cycle"):
        value = sub.call("m", function).value
        depth = 0
        while isinstance(value, list):
            value, depth = value[0], depth + 1
        assert isinstance(value, Opaque) and depth <= 17


def test_reply_too_large_is_opaque(tmp_path) -> None:
    (tmp_path / "m.py").write_text("import numpy as np\ndef big():\n    return np.zeros(10**6)\n")
    with Sandbox(Limits(reply_bytes=1 << 20)) as sandbox, sandbox.open(tmp_path, ["m.py"]) as sub:
        outcome = sub.call("m", "big")
        assert isinstance(outcome, Returned)
        assert isinstance(outcome.value, Opaque) and "too large" in outcome.value.text


def test_get_and_has(submit) -> None:
    sub = submit({"m.py": "AND_WEIGHTS = (1.0, 1.0, -1.5)\ndef f():\n    return 1\nX = 3\n"})
    assert sub.get("m", "AND_WEIGHTS").value == (1.0, 1.0, -1.5)
    assert sub.has("m", "f").value == {"defined": True, "callable": True}
    assert sub.has("m", "X").value == {"defined": True, "callable": False}
    assert sub.has("m", "nope").value == {"defined": False, "callable": False}
    missing = sub.get("m", "nope")
    assert isinstance(missing, Raised) and missing.type_name == "AttributeError"


def test_output_is_captured_per_call(submit) -> None:
    sub = submit({"m.py": "print('at import')\ndef f(x):\n    print('x is', x)\n    return x\n"})
    first = sub.call("m", "f", (1,))
    assert first.output == "x is 1\n"
    second = sub.call("m", "f", (2,))
    assert second.output == "x is 2\n"


def test_unsupported_argument_type_is_a_caller_error(submit) -> None:
    sub = submit({"m.py": ECHO})
    with pytest.raises(TypeError):
        sub.call("m", "echo", (object(),))
    with pytest.raises(ValueError):
        sub.call("nope", "echo")
    assert sub.call("m", "echo", (1,)).value == 1


def test_custom_timeout_per_call(submit) -> None:
    sub = submit({"m.py": "import time\ndef nap(s):\n    time.sleep(s)\n    return s\n"})
    assert sub.call("m", "nap", (1.2,), timeout=5).value == 1.2
    outcome = sub.call("m", "nap", (5,), timeout=0.3)
    assert isinstance(outcome, TimedOut) and outcome.seconds == 0.3

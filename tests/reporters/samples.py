"""Hand-built reports for the reporter tests: a stub workspace, a partial one and a complete one.

The partial report carries hostile text of the kind student code can produce: terminal escapes,
a bidi override, NUL, markup that closes XML elements, table pipes, backtick runs and
spreadsheet formulas.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from grader.grading.results import (
    CheckResult,
    Confinement,
    Diagnosis,
    GradedFile,
    ItemResult,
    Report,
    Status,
)
from grader.sandbox.outcomes import Frame

COURSE = "Neurons from Scratch"
VERSION = "2026.11"
GRADER = "0.1.0"
LINUX = Confinement(backend="linux", confined=True)  # goldens never depend on the machine

HOSTILE = (
    "\x1b[31mred\x1b[0m \u202eevil\u202c \x00nul </failure>]]> | pipe | ``` fence ````"
    ' =cmd() <script>alert("x")</script> & \x07bell'
)

# (id, title, kind, lesson, file, [(test, name, points, visibility)])
_ITEMS = [
    (
        "weighted_sum",
        "The weighted sum",
        "code",
        "the_neuron",
        "weighted_sum.py",
        [
            ("test_two_inputs", "adds two weighted inputs and the bias", 1, "visible"),
            ("test_bias_only", "returns the bias when every input is zero", 1, "visible"),
            ("test_many_inputs", "works for a thousand inputs", 1, "hidden"),
        ],
    ),
    (
        "relu_output",
        "ReLU after a weighted sum",
        "numeric",
        "activations",
        "answers.yaml",
        [("answer", "ReLU after a weighted sum", 1, "visible")],
    ),
    (
        "sigmoid",
        "The sigmoid function",
        "code",
        "activations",
        "sigmoid.py",
        [
            ("test_zero_is_one_half", "sigmoid(0) is exactly one half", 1, "visible"),
            (
                "test_lesson_value",
                "sigmoid(-1) matches the lesson's worked example",
                1,
                "visible",
            ),
            (
                "test_array_shape_and_dtype",
                "works element by element on arrays and keeps their shape",
                1,
                "visible",
            ),
            ("test_extremes_without_overflow", "stays finite and silent at +-1000", 1, "hidden"),
            (
                "test_properties",
                "stays in (0, 1), is symmetric and increasing on random inputs",
                1,
                "hidden",
            ),
        ],
    ),
    (
        "and_gate",
        "The perceptron computes AND",
        "code",
        "perceptron",
        "and_gate.py",
        [
            ("test_truth_table", "gives the AND truth table", 2, "visible"),
            ("test_weights_unchanged", "leaves the weights it is given unchanged", 1, "hidden"),
        ],
    ),
    (
        "dense_layer",
        "A dense layer, the forward pass of many neurons at once",
        "code",
        "layers",
        "dense_layer.py",
        [
            ("test_output_shape", "returns one output per neuron", 1, "visible"),
            ("test_matches_loop", "matches a neuron-by-neuron loop", 1, "visible"),
            ("test_batch", "handles a batch of inputs", 1, "hidden"),
        ],
    ),
    (
        "vanishing_gradient",
        "Why deep sigmoid networks learn slowly",
        "choice",
        "learning",
        "answers.yaml",
        [("answer", "Why deep sigmoid networks learn slowly", 1, "visible")],
    ),
]


def _test(
    spec: tuple[str, str, int, str], status: Status, message: str = "", **extra
) -> CheckResult:
    test, name, points, visibility = spec
    score = points if status is Status.PASSED else 0
    extra.setdefault("seconds", 0.0125 * (1 + len(name) % 7))  # a stable, real-looking duration
    return CheckResult(test, name, status, score, points, visibility, message, **extra)


def _item(index: int, tests: list[CheckResult], **extra) -> ItemResult:
    item_id, title, kind, lesson, file, _ = _ITEMS[index]
    statuses = {test.status for test in tests}
    score = sum(test.score for test in tests)
    max_score = sum(test.max_score for test in tests)
    status = extra.pop("status", None) or (
        Status.PASSED if score == max_score else next(iter(statuses - {Status.PASSED}))
    )
    return ItemResult(
        id=item_id,
        title=title,
        kind=kind,
        lesson=lesson,
        status=status,
        score=score,
        max_score=max_score,
        tests=tuple(tests),
        file=file,
        **extra,
    )


def _checks(index: int) -> list[tuple[str, str, int, str]]:
    return _ITEMS[index][5]


def _files(*names: str) -> tuple[GradedFile, ...]:
    files = []
    for name in names:
        data = f"contents of {name}\n".encode()
        files.append(GradedFile(name, hashlib.sha256(data).hexdigest(), len(data)))
    return tuple(files)


def _report(items: list[ItemResult], **extra) -> Report:
    return Report(
        course_title=COURSE,
        course_version=VERSION,
        grader_version=GRADER,
        workspace="/home/student/neurons",
        items=tuple(items),
        **({"sandbox": LINUX} | extra),
    )


_CODE_FILES = ("weighted_sum.py", "sigmoid.py", "and_gate.py", "dense_layer.py")


def _stub() -> Report:
    items = []
    for index, (item_id, _, kind, _, file, checks) in enumerate(_ITEMS):
        if kind == "code":
            message = (
                f"{item_id}(...) raised NotImplementedError:"
                f" not started yet. Replace the `raise NotImplementedError` line in {file}."
            )
        else:
            message = f"no answer yet: write it after '{item_id}:'"
        items.append(_item(index, [_test(spec, Status.NOT_STARTED, message) for spec in checks]))
    return _report(items, files=_files(*_CODE_FILES, "answers.yaml"))


def _partial() -> Report:
    weighted_sum = _item(0, [_test(spec, Status.PASSED) for spec in _checks(0)])
    relu = _item(
        1,
        [
            _test(
                _checks(1)[0],
                Status.FAILED,
                "0 is not the answer (compared after rounding to 2 decimal places). Hint: ReLU"
                " keeps a positive number as it is and turns a negative number into 0.",
            )
        ],
        answer="0.00",
    )
    zero, lesson, array, extremes, properties = _checks(2)
    sigmoid = _item(
        2,
        [
            _test(zero, Status.PASSED),
            _test(
                lesson,
                Status.FAILED,
                "sigmoid(-1.0) returned 0.731; expected 0.269 (within 1e-06). Check the sign"
                " inside exp(); sigmoid(-1) should be below one half.",
                output=f"debug: z = -1.0 {HOSTILE}\n",
            ),
            _test(
                array,
                Status.FAILED,
                "sigmoid(np.array([[-2.0, 0.0], [1.0, 3.0]])) returned array([0.881, 0.5, 0.269,"
                " 0.0474], shape (2, 2), dtype float64); expected array([0.119, 0.5, 0.731,"
                " 0.953], shape (2, 2), dtype float64). Use np.exp rather than math.exp so"
                " arrays work.",
            ),
            _test(
                extremes,
                Status.FAILED,
                "sigmoid(np.array([-1000.0, 1000.0])) returned array([1.0, 0.0], shape (2,),"
                " dtype float64); that is not the expected value (this check is hidden). Avoid"
                " computing exp of a large positive number.",
            ),
            _test(
                properties,
                Status.FAILED,
                "sigmoid(-x) must equal 1 - sigmoid(x) (this check is hidden).",
            ),
        ],
        diagnosis=Diagnosis(
            "exp_sign",
            "sigmoid uses exp(x) instead of exp(-x)",
            "Your sigmoid rises where it should fall: it computes 1 / (1 + exp(x)), which is"
            " sigmoid(-x). Put the minus sign back inside the exponential.",
        ),
    )
    loop_output = "".join(f"checking weights, round {n}\n" for n in range(1, 41))
    truth_table, unchanged = _checks(3)
    and_gate = _item(
        3,
        [
            _test(
                truth_table,
                Status.TIMEOUT,
                "and_gate(1, 1) did not return within 2 s: an infinite loop?",
                output=loop_output,
            ),
            _test(
                unchanged,
                Status.TIMEOUT,
                "and_gate(0, 1) did not return within 2 s: an infinite loop?",
                output=loop_output,
            ),
        ],
    )
    frames = (
        Frame("dense_layer.py", 12, "dense", "    return activate(weights @ inputs + bias)"),
        Frame("dense_layer.py", 5, "activate", f"    raise ValueError('{HOSTILE}')"),
    )
    crash = (
        f"dense(np.array([1.0, 2.0]), np.array([[0.5, 0.3], [0.1, 0.2]]), 0.1) raised"
        f" ValueError: {HOSTILE} (dense_layer.py line 5: raise ValueError(...))"
    )
    shape, loop, batch = _checks(4)
    dense_layer = _item(
        4,
        [
            _test(
                shape,
                Status.ERROR,
                f"importing dense_layer.py crashed the sandbox: {HOSTILE}",
                frames=frames,
                output=f"loading weights...\n{HOSTILE}\n\tdone | ok\n",
            ),
            _test(loop, Status.FAILED, crash, frames=frames),
            _test(batch, Status.ERROR, "importing dense_layer.py crashed the sandbox: killed"),
        ],
        status=Status.ERROR,
    )
    vanishing = _item(
        5,
        [
            _test(
                _checks(5)[0],
                Status.NOT_STARTED,
                "no answer yet: write it after 'vanishing_gradient:'",
            )
        ],
    )
    return _report(
        [weighted_sum, relu, sigmoid, and_gate, dense_layer, vanishing],
        files=(
            *_files(*_CODE_FILES[:3]),
            GradedFile("dense_layer.py", None),
            *_files("answers.yaml"),
        ),
        notes=(
            "answers.yaml:4: 'relu_outptu' is not a quiz id; check the spelling (see `grade list`)",
            f"answers.yaml:7: '{HOSTILE[:40]}' is not a quiz id",
        ),
    )


def _complete() -> Report:
    items = [
        _item(index, [_test(spec, Status.PASSED) for spec in _checks(index)])
        for index in range(len(_ITEMS))
    ]
    return _report(items, files=_files(*_CODE_FILES, "answers.yaml"))


STUB = _stub()
PARTIAL = _partial()
COMPLETE = _complete()
SAMPLES = {"stub": STUB, "partial": PARTIAL, "complete": COMPLETE}

EMPTY = _report([])
NO_HIDDEN = replace(
    COMPLETE,
    items=tuple(
        replace(item, tests=tuple(replace(test, visibility="visible") for test in item.tests))
        for item in COMPLETE.items
    ),
)

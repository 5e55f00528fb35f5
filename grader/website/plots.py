"""Plots of the activation functions, computed with numpy and drawn as inline SVG by a template.

Besides one plot per activation function there are explicit-only plots (`EXTRA_PLOTS`), such
as `sigmoid_weights`: a lesson asks for them by key in a ```plot block; they are never attached
by guessing from an exercise's title or functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np

from grader.website.templating import render

WIDTH, HEIGHT = 360, 232
LEFT, RIGHT, TOP, BOTTOM = 44, 348, 14, 204
X_RANGE = (-4.0, 4.0)
SAMPLES = 161


@dataclass(frozen=True)
class Tick:
    """One grid line with its label, already in SVG coordinates."""

    position: str
    label: str


@dataclass(frozen=True)
class Curve:
    """One labelled curve of a plot with several curves, told apart by its dash pattern."""

    path: str
    label: str
    dash: str  # stroke-dasharray, "" for a solid line
    label_x: str  # where the curve's label is written, next to the curve's right end
    label_y: str


@dataclass(frozen=True)
class Plot:
    """Everything the SVG template needs to draw one activation function."""

    name: str
    title: str
    formula: str
    description: str
    paths: tuple[str, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    jumps: tuple[tuple[str, str, str], ...]  # dashed vertical lines (x, y from, y to)
    dots: tuple[tuple[str, str, bool], ...]  # end points at a jump (x, y, filled)
    x_axis: str  # y coordinate of the horizontal axis (output 0)
    y_axis: str  # x coordinate of the vertical axis (input 0)
    y_label: str
    x_label: str = "z"
    curves: tuple[Curve, ...] = ()  # labelled curves, drawn besides `paths`
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM


@dataclass(frozen=True)
class _Spec:
    title: str
    formula: str
    description: str
    function: Callable[[np.ndarray], np.ndarray]
    y_range: tuple[float, float]
    y_ticks: tuple[float, ...]
    y_label: str
    jump: float | None = None  # where the function jumps, if it does


_SPECS: dict[str, _Spec] = {
    "relu": _Spec(
        "ReLU activation",
        "ReLU(z) = max(0, z)",
        "Line plot of ReLU(z) for z from −4 to 4. The output is 0 for every negative z;"
        " from z = 0 on it rises as a straight line with slope 1, reaching 4 at z = 4.",
        lambda z: np.maximum(0.0, z),
        (-1.0, 4.5),
        (0.0, 1.0, 2.0, 3.0, 4.0),
        "ReLU(z)",
    ),
    "sigmoid": _Spec(
        "Sigmoid activation",
        "σ(z) = 1 / (1 + e^(−z))",
        "S-shaped curve of the sigmoid for z from −4 to 4. It rises smoothly from close to 0"
        " on the left, passes through 0.5 at z = 0 and approaches 1 on the right, never"
        " reaching 0 or 1.",
        lambda z: 1.0 / (1.0 + np.exp(-z)),
        (-0.25, 1.25),
        (0.0, 0.5, 1.0),
        "σ(z)",
    ),
    "tanh": _Spec(
        "Tanh activation",
        "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))",
        "S-shaped curve of tanh for z from −4 to 4. It rises from close to −1 on the left,"
        " passes through 0 at z = 0 and approaches 1 on the right; it is steeper than the"
        " sigmoid and centred on 0.",
        np.tanh,
        (-1.25, 1.25),
        (-1.0, -0.5, 0.0, 0.5, 1.0),
        "tanh(z)",
    ),
    "step": _Spec(
        "Step activation",
        "step(z) = 1 if z > 0, else 0",
        "Plot of the step function for z from −4 to 4. The output is 0 for every z up to and"
        " including 0, then jumps to 1 and stays at 1 for every positive z.",
        lambda z: np.where(z > 0.0, 1.0, 0.0),
        (-0.25, 1.25),
        (0.0, 1.0),
        "step(z)",
        jump=0.0,
    ),
}
ACTIVATION_NAMES: tuple[str, ...] = tuple(_SPECS)
# Plots drawn only where a lesson names them in a ```plot block.
EXTRA_PLOTS: tuple[str, ...] = ("sigmoid_weights",)
PLOT_NAMES: tuple[str, ...] = ACTIVATION_NAMES + EXTRA_PLOTS


def activation_plots(functions: tuple[str, ...]) -> tuple[str, ...]:
    """Return the activation plots named exactly by the functions an exercise asks for.

    A title or text never picks a plot ("Leaky ReLU" is not ReLU); anything else needs a
    ```plot block in the text.
    """
    return tuple(name for name in ACTIVATION_NAMES if name in functions)


def _number(value: float) -> str:
    """Format an SVG coordinate with two decimals and no negative zero."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _label(value: float) -> str:
    text = f"{value:g}"
    return text.replace("-", "\N{MINUS SIGN}")


Points = list[tuple[float, float]]


def _simplify(points: Points, tolerance: float = 0.12) -> Points:
    """Drop points closer than `tolerance` (SVG units) to the line through their neighbours."""
    kept = points[:1]
    for index in range(1, len(points) - 1):
        (x0, y0), (x1, y1), (x2, y2) = kept[-1], points[index], points[index + 1]
        length = ((x2 - x0) ** 2 + (y2 - y0) ** 2) ** 0.5 or 1.0
        if abs((x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)) / length > tolerance:
            kept.append(points[index])
    return kept + points[-1:] if len(points) > 1 else kept


def _x(value: float | np.ndarray) -> Any:
    low, high = X_RANGE
    return LEFT + (value - low) / (high - low) * (RIGHT - LEFT)


def _y(value: float | np.ndarray, spec: _Spec) -> Any:
    low, high = spec.y_range
    return BOTTOM - (value - low) / (high - low) * (BOTTOM - TOP)


@cache
def plot(name: str) -> Plot:
    """Compute the plot `name` (one of PLOT_NAMES)."""
    if name == "sigmoid_weights":
        return _sigmoid_weights()
    spec = _SPECS[name]
    z = np.round(np.linspace(*X_RANGE, SAMPLES), 9)
    y = np.asarray(spec.function(z), dtype=np.float64)
    px = _x(z)
    py = _y(y, spec)
    pieces: list[list[tuple[float, float]]] = []
    jumps: list[tuple[str, str, str]] = []
    dots: list[tuple[str, str, bool]] = []
    if spec.jump is None:
        pieces.append(list(zip(px.tolist(), py.tolist(), strict=True)))
    else:
        left, right = z < spec.jump, z > spec.jump
        x0 = _x(spec.jump)
        below = _y(float(spec.function(np.array([spec.jump - 1e-9]))[0]), spec)
        above = _y(float(spec.function(np.array([spec.jump + 1e-9]))[0]), spec)
        at = _y(float(spec.function(np.array([spec.jump]))[0]), spec)
        pieces.append([*zip(px[left].tolist(), py[left].tolist(), strict=True), (x0, below)])
        pieces.append([(x0, above), *zip(px[right].tolist(), py[right].tolist(), strict=True)])
        jumps.append((_number(x0), _number(below), _number(above)))
        for value in (below, above):
            dots.append((_number(x0), _number(value), value == at))
    paths = tuple(
        "M" + " L".join(f"{_number(a)} {_number(b)}" for a, b in _simplify(piece))
        for piece in pieces
    )

    x_ticks = tuple(Tick(_number(_x(v)), _label(v)) for v in (-4.0, -2.0, 0.0, 2.0, 4.0))
    y_ticks = tuple(Tick(_number(_y(v, spec)), _label(v)) for v in spec.y_ticks)
    return Plot(
        name=name,
        title=spec.title,
        formula=spec.formula,
        description=spec.description,
        paths=paths,
        jumps=tuple(jumps),
        dots=tuple(dots),
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        x_axis=_number(_y(0.0, spec)),
        y_axis=_number(_x(0.0)),
        y_label=spec.y_label,
    )


# How the weight changes a sigmoid neuron's output: sigma(w x), one input, no bias.
WEIGHTS: tuple[float, ...] = (-2.0, -0.5, 0.5, 2.0)
WEIGHTS_X_RANGE = (-3.0, 3.0)
_WEIGHTS_RIGHT = 300  # room on the right for the curves' labels
_DASHES = {-2.0: "", -0.5: "7 4", 0.5: "2 3", 2.0: "9 3 2 3"}


def _sigmoid_weights() -> Plot:
    low, high = WEIGHTS_X_RANGE
    y_low, y_high = -0.25, 1.25

    def sx(value: Any) -> Any:
        return LEFT + (value - low) / (high - low) * (_WEIGHTS_RIGHT - LEFT)

    def sy(value: Any) -> Any:
        return BOTTOM - (value - y_low) / (y_high - y_low) * (BOTTOM - TOP)

    x = np.round(np.linspace(low, high, SAMPLES), 9)
    curves = []
    for w in WEIGHTS:
        y = 1.0 / (1.0 + np.exp(-w * x))
        points = list(zip(sx(x).tolist(), sy(y).tolist(), strict=True))
        path = "M" + " L".join(f"{_number(a)} {_number(b)}" for a, b in _simplify(points))
        curves.append(
            Curve(
                path=path,
                label=f"w = {_label(w)}",
                dash=_DASHES[w],
                label_x=_number(_WEIGHTS_RIGHT + 6),
                label_y=_number(sy(float(y[-1]))),
            )
        )
    return Plot(
        name="sigmoid_weights",
        title="How the weight changes a sigmoid neuron's output",
        formula="output = σ(w·x) for w = −2, −0.5, 0.5 and 2",
        description=(
            "Four S-shaped curves of a sigmoid neuron's output σ(w·x) for one input x from −3"
            " to 3 and no bias, one curve per weight; all four pass through 0.5 at x = 0."
            " With w = 2 the output climbs steeply from almost 0 to almost 1. With w = 0.5 it"
            " climbs gently, from about 0.18 to about 0.82. The negative weights give the"
            " mirror images, falling instead of rising: w = −0.5 falls gently from about 0.82"
            " to about 0.18, and w = −2 falls steeply from almost 1 to almost 0. The larger"
            " the weight, the more sensitive the neuron is to its input; a negative weight"
            " turns the input's effect around."
        ),
        paths=(),
        curves=tuple(curves),
        jumps=(),
        dots=(),
        x_ticks=tuple(
            Tick(_number(sx(v)), _label(v)) for v in (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
        ),
        y_ticks=tuple(Tick(_number(sy(v)), _label(v)) for v in (0.0, 0.5, 1.0)),
        x_axis=_number(sy(0.0)),
        y_axis=_number(sx(0.0)),
        y_label="σ(w·x)",
        x_label="x",
        right=_WEIGHTS_RIGHT,
    )


@lru_cache(maxsize=64)
def plots_html(names: tuple[str, ...]) -> str:
    """Render the figures (SVG through the _plots.html template) for these plots."""
    return render("_plots.html", plots=[plot(name) for name in names])

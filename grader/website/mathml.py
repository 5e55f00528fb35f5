"""Render LaTeX math to sanitized MathML at build time, rejecting commands we do not support."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import lru_cache

from latex2mathml.converter import convert_to_element

# Commands a lesson may use. latex2mathml silently passes unknown commands through as text,
# so everything else is an error that names the command.
ALLOWED_COMMANDS = frozenset(
    """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu
    xi pi rho sigma tau upsilon phi varphi chi psi omega
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
    frac dfrac tfrac sqrt binom left right big Big bigg Bigg middle
    hat bar tilde vec dot ddot widehat widetilde overline underline overbrace underbrace
    overset underset stackrel
    mathbf mathrm mathit mathcal mathbb mathsf mathtt boldsymbol text textbf operatorname
    displaystyle textstyle limits phantom
    sum prod int partial nabla infty times cdot div pm mp ast star circ odot otimes oplus bullet
    le leq ge geq ne neq ll gg approx equiv sim simeq cong propto perp parallel
    in notin subset subseteq cup cap setminus emptyset forall exists neg lnot land lor
    to rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow longrightarrow
    gets mapsto implies iff uparrow downarrow
    ldots cdots dots vdots ddots quad qquad prime top intercal ell hbar Re Im
    langle rangle lfloor rfloor lceil rceil vert Vert lvert rvert lVert rVert mid colon
    exp log ln sin cos tan sinh cosh tanh max min sup inf lim det dim bmod pmod
    begin end
    """.split()
)
ALLOWED_SYMBOL_COMMANDS = frozenset(r", ; : ! \ { } | _ % # & $".split() + [" "])
ALLOWED_ENVIRONMENTS = frozenset(
    {"cases", "matrix", "pmatrix", "bmatrix", "vmatrix", "Vmatrix", "aligned"}
)

_TAGS = frozenset(
    """
    math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot munder mover
    munderover mtable mtr mtd mstyle mpadded mphantom menclose mmultiscripts mprescripts none
    """.split()
)
_ATTRIBUTES = frozenset(
    """
    display mathvariant stretchy fence separator lspace rspace accent accentunder
    movablelimits largeop symmetric minsize maxsize width height depth voffset linethickness
    columnalign rowalign columnspacing rowspacing columnlines rowlines frame displaystyle
    scriptlevel notation form align mathsize
    """.split()
)
_SIGNS = frozenset({"−", "-", "+", "±", "∓"})
_BEFORE_UNARY = frozenset("([{|,;=<>≤≥≈≠→×⋅·∈:") | {"⟨"}
_CLOSERS = frozenset({")", "]", "}", "|", "‖", "⟩"})
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9 .%#+-]*$")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{([^}]*)\}")

_FRIENDLY = {
    "NumeratorNotFoundError": "\\frac needs a numerator in {…}",
    "DenominatorNotFoundError": "\\frac needs a denominator in {…}",
    "ExtraLeftOrMissingRightError": "every \\left needs a matching \\right",
    "MissingSuperScriptOrSubscriptError": "^ or _ has nothing after it",
    "DoubleSubscriptsError": "two subscripts in a row; group them as x_{ab}",
    "DoubleSuperscriptsError": "two superscripts in a row; group them as x^{ab}",
    "NoAvailableTokensError": "a command is missing its argument (e.g. \\frac needs two {…})",
    "MissingEndError": "\\begin{…} has no matching \\end{…}",
    "InvalidAlignmentError": "invalid column alignment",
    "InvalidWidthError": "invalid width",
    "LimitsMustFollowMathOperatorError": "\\limits must follow an operator such as \\sum",
}


class MathError(ValueError):
    """Raise when a math snippet cannot be rendered; `needle` locates it in the source text."""

    def __init__(self, message: str, needle: str) -> None:
        super().__init__(message)
        self.message = message
        self.needle = needle


def check_latex(latex: str) -> None:
    """Raise MathError naming the first unsupported command, environment or unbalanced brace."""
    for match in _COMMAND.finditer(latex):
        name = match.group(1)
        if name.isalpha():
            if name not in ALLOWED_COMMANDS:
                raise MathError(
                    f"unknown LaTeX command \\{name} in ${_short(latex)}$; use a supported"
                    " command (see docs/site.md) or write the symbol itself",
                    f"\\{name}",
                )
        elif name not in ALLOWED_SYMBOL_COMMANDS:
            raise MathError(
                f"unsupported LaTeX escape \\{name} in ${_short(latex)}$; remove the backslash",
                f"\\{name}",
            )
    for match in _ENVIRONMENT.finditer(latex):
        if match.group(1).strip() not in ALLOWED_ENVIRONMENTS:
            raise MathError(
                f"unsupported environment '{match.group(1)}' in ${_short(latex)}$; use one of"
                f" {', '.join(sorted(ALLOWED_ENVIRONMENTS))}",
                match.group(0),
            )
    depth = 0
    for match in re.finditer(r"\\.|[{}]", latex, re.DOTALL):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                raise MathError(
                    f"unbalanced braces in ${_short(latex)}$: a '}}' has no '{{'; remove it"
                    " or write \\} for a literal brace",
                    _first_line(latex),
                )
    if depth:
        raise MathError(
            f"unbalanced braces in ${_short(latex)}$: {depth} '{{' never closed; add '}}'",
            _first_line(latex),
        )


@lru_cache(maxsize=4096)
def to_mathml(latex: str, display: bool) -> str:
    """Return sanitized MathML for `latex`, or raise MathError saying what is wrong."""
    latex = latex.strip()
    if not latex:
        raise MathError("empty math ($$ or $ $); remove it or write \\$ for a dollar sign", "$")
    check_latex(latex)
    try:
        element = convert_to_element(latex, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many bare Exception subclasses
        what = _FRIENDLY.get(type(error).__name__, f"{type(error).__name__} {error}".strip())
        raise MathError(
            f"cannot render the math ${_short(latex)}$: {what}; fix the LaTeX",
            _first_line(latex),
        ) from None
    clean = _sanitize(element, latex)
    return ET.tostring(clean, encoding="unicode", short_empty_elements=True)


def _sanitize(element: ET.Element, latex: str) -> ET.Element:
    """Rebuild `element` keeping only allow-listed MathML tags and attributes."""
    tag = element.tag.rsplit("}", 1)[-1]
    if tag not in _TAGS:
        raise MathError(
            f"the math ${_short(latex)}$ produced <{tag}>, which is not allowed; simplify it",
            _first_line(latex),
        )
    attributes = {
        name: value
        for name, value in element.attrib.items()
        if name in _ATTRIBUTES and _SAFE_VALUE.match(value)
    }
    clean = ET.Element(tag, attributes)
    clean.text = _text(element.text, latex)
    previous: ET.Element | None = None
    for child in element:
        kept = _sanitize(child, latex)
        kept.tail = _text(child.tail, latex)
        if _is_sign(kept) and (previous is None or _opens(previous)):
            kept.set("form", "prefix")  # a sign, not a binary operator: no space around it
        clean.append(kept)
        previous = kept
    children = list(clean)
    for index, child in enumerate(children):
        if _is_name(child):  # max, exp, ReLU: thin space only where TeX puts one
            child.tag = "mo"  # only mo takes lspace/rspace; a multi-letter mo stays upright
            before = children[index - 1] if index else None
            after = children[index + 1] if index + 1 < len(children) else None
            tight = before is None or (before.tag == "mo" and before.text not in _CLOSERS)
            child.set("lspace", "0em" if tight else "0.167em")
            opens = after is not None and after.tag == "mo" and after.text in ("(", "[")
            child.set("rspace", "0em" if after is None or opens else "0.167em")
    return clean


def _is_name(element: ET.Element) -> bool:
    """Tell whether `element` is a function name such as exp (latex2mathml emits mi or mo)."""
    text = element.text or ""
    return element.tag in ("mi", "mo") and len(text) > 1 and text.isalpha() and not element.attrib


def _is_sign(element: ET.Element) -> bool:
    return element.tag == "mo" and (element.text or "") in _SIGNS and "form" not in element.attrib


def _opens(element: ET.Element) -> bool:
    """Tell whether a sign right after `element` is unary (after "(", "=", "," and the like)."""
    return element.tag == "mo" and (
        element.get("form") == "prefix" or (element.text or "") in _BEFORE_UNARY
    )


def _text(value: str | None, latex: str) -> str | None:
    if value is None:
        return None
    text = html.unescape(value)
    if "\\" in text:
        raise MathError(
            f"unknown LaTeX command in ${_short(latex)}$; use a supported command",
            _first_line(latex),
        )
    return text


def _short(latex: str) -> str:
    flat = " ".join(latex.split())
    return flat if len(flat) <= 60 else flat[:57] + "…"


def _first_line(latex: str) -> str:
    return latex.strip().splitlines()[0].strip() if latex.strip() else latex

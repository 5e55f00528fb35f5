"""Files saved by any editor grade alike, and any console can show the report (real processes).

A student's file may be cp1252 or Latin-1 with a PEP 263 coding line, UTF-8 with a byte order
mark, or have CRLF line endings; answers.yaml too (BOM, CRLF). Each grades exactly like the
same code saved as UTF-8 with LF. A console that is cp1252 (Windows) must never turn a report
into a UnicodeEncodeError.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from grade_cli_support import GRADE, clean_env, grade

BOM = b"\xef\xbb\xbf"
# Appended to every Python file: an import-time check that the file was decoded as written
# ('€' is 0x80 in cp1252 and a control character in Latin-1, so a wrong decoding fails).
MARK = '\n_MARK = "{chars}"\nassert _MARK == "{escaped}", _MARK\n'


def _python(text: str, variant: str) -> bytes:
    """Return `text` saved the way `variant` says, with the same line numbers in every variant."""
    if variant == "utf-8":
        return (
            "# -*- coding: utf-8 -*-\n" + text + MARK.format(chars="€é", escaped="\\u20ac\\xe9")
        ).encode()
    if variant == "cp1252":
        source = (
            "# -*- coding: cp1252 -*-\n" + text + MARK.format(chars="€é", escaped="\\u20ac\\xe9")
        )
        return source.encode("cp1252")
    if variant == "latin-1":
        source = (
            "# vim: set fileencoding=latin-1 :\n" + text + MARK.format(chars="é", escaped="\\xe9")
        )
        return source.encode("latin-1")
    if variant == "bom":
        return (
            BOM
            + (
                "# saved by Notepad\n" + text + MARK.format(chars="€é", escaped="\\u20ac\\xe9")
            ).encode()
        )
    if variant == "crlf":
        return _python(text, "utf-8").replace(b"\n", b"\r\n")
    if variant == "cp1252-crlf":
        return _python(text, "cp1252").replace(b"\n", b"\r\n")
    raise ValueError(variant)


def _answers(data: bytes, variant: str) -> bytes:
    """Return answers.yaml as a Windows editor may save it."""
    if variant in ("bom", "crlf", "cp1252-crlf"):
        data = data.replace(b"\n", b"\r\n")
    return BOM + data if variant in ("bom", "cp1252-crlf") else data


def _save_as(folder: Path, variant: str) -> None:
    """Re-save every Python file (and answers.yaml) of `folder` in `variant`."""
    for path in folder.glob("*.py"):
        path.write_bytes(_python(path.read_text(encoding="utf-8"), variant))
    answers = folder / "answers.yaml"
    answers.write_bytes(_answers(answers.read_bytes(), variant))


def _results(folder: Path) -> list[tuple]:
    """Grade `folder` with the real `grade`; return each item's and each check's outcome."""
    done = grade("check", "--format", "json", cwd=folder)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    return [
        (
            item["id"],
            item["status"],
            item["score"],
            item["diagnosis"],
            [(t["id"], t["status"], t["score"], t["message"]) for t in item["tests"]],
        )
        for item in report["exercises"]
    ]


@pytest.mark.parametrize("variant", ["cp1252", "latin-1", "bom", "crlf", "cp1252-crlf"])
def test_every_encoding_grades_like_utf8_lf(workspace: Callable[..., Path], variant: str) -> None:
    baseline = workspace("partial", "utf8")
    _save_as(baseline, "utf-8")
    saved = workspace("partial", variant)
    _save_as(saved, variant)
    expected = _results(baseline)
    assert [item[:3] for item in expected if item[1] == "passed"], "the baseline passes items"
    assert any(item[3] for item in expected), "the baseline names a misconception"
    assert _results(saved) == expected


def test_a_complete_workspace_in_mixed_encodings_gets_full_marks(
    workspace: Callable[..., Path],
) -> None:
    folder = workspace("complete")
    variants = iter(["cp1252", "latin-1", "bom", "crlf", "cp1252-crlf"])
    for path in sorted(folder.glob("*.py")):
        path.write_bytes(_python(path.read_text(encoding="utf-8"), next(variants)))
    answers = folder / "answers.yaml"
    answers.write_bytes(_answers(answers.read_bytes(), "cp1252-crlf"))
    done = grade("check", "--format", "json", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == report["max_score"] > 0


def test_the_mark_fails_when_the_coding_line_is_wrong(workspace: Callable[..., Path]) -> None:
    """The import-time mark can fail: cp1252 bytes declared as Latin-1 lose their points."""
    folder = workspace("complete")
    source = (folder / "sigmoid.py").read_text(encoding="utf-8")
    data = _python(source, "cp1252").replace(b"coding: cp1252", b"coding: latin-1")
    (folder / "sigmoid.py").write_bytes(data)
    results = {item[0]: item for item in _results(folder)}
    assert results["sigmoid"][2] == 0 and "AssertionError" in str(results["sigmoid"])


def test_an_undecodable_byte_is_named_by_line_not_offset(workspace: Callable[..., Path]) -> None:
    folder = workspace("complete")
    lines = (folder / "sigmoid.py").read_text(encoding="utf-8").splitlines()
    lines.insert(6, 'GREETING = "caf\xe9 au lait"')
    (folder / "sigmoid.py").write_bytes("\r\n".join(lines).encode("cp1252"))
    done = grade("check", "sigmoid", "--format", "json", cwd=folder)
    message = json.loads(done.stdout)["exercises"][0]["tests"][0]["message"]
    assert message.startswith(
        "sigmoid.py:7: byte 0xe9 is not valid UTF-8; save the file as UTF-8 or add"
        " '# -*- coding: cp1252 -*-' on line 1"
    ), message
    assert "offset" not in message


def test_cp1252_comments_without_a_coding_line_grade_as_python_imports_them(
    workspace: Callable[..., Path],
) -> None:
    """CPython ignores non-UTF-8 bytes in comments, so the grader does too (main refused)."""
    baseline = workspace("partial", "utf8")
    saved = workspace("partial", "comments")
    for path in saved.glob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        code = ("import ", "def ", "    return ", "    result = ")  # never inside a docstring
        lines = [
            line + "  # calcul\xe9 \u20ac" if line.startswith(code) else line for line in lines
        ]
        assert any(line.endswith("\u20ac") for line in lines), path
        path.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")
    expected = _results(baseline)
    assert _results(saved) == expected


def test_an_unknown_coding_line_is_named(workspace: Callable[..., Path]) -> None:
    folder = workspace("complete")
    source = (folder / "sigmoid.py").read_bytes()
    (folder / "sigmoid.py").write_bytes(b"#!/usr/bin/env python\n# coding: klingon\n" + source)
    done = grade("check", "sigmoid", cwd=folder)
    assert "sigmoid.py:2: the coding line names 'klingon'" in " ".join(done.stdout.split())


def test_a_syntax_error_in_a_crlf_bom_file_names_its_line(workspace: Callable[..., Path]) -> None:
    folder = workspace("complete")
    lines = ["# -*- coding: utf-8 -*-", '"""Café."""', "", "", "def sigmoid(x):"]
    lines += ["    return 1 / (1 + np.exp(-x)"]
    (folder / "sigmoid.py").write_bytes(BOM + "\r\n".join(lines).encode() + b"\r\n")
    done = grade("check", "sigmoid", "--format", "json", cwd=folder)
    message = json.loads(done.stdout)["exercises"][0]["tests"][0]["message"]
    assert "sigmoid.py line 6: SyntaxError" in message, message


# -- consoles that are not UTF-8 -------------------------------------------------------------

# A cp1252 stdout as a redirected stream on Windows has it: strict errors, no click rewrapping.
CP1252_STDOUT = (
    "import io, sys; sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding='cp1252',"
    " line_buffering=True); from grader.cli import main; main()"
)
COMMANDS = [
    ("list",),
    ("show", "sigmoid"),
    ("show", "weighted_sum"),
    ("check",),
    ("hint",),
    ("watch", "--max-rounds", "1", "--interval", "0.01"),
]


def _run_bytes(args: list[str], folder: Path, extra: dict[str, str]) -> subprocess.CompletedProcess:
    home = folder.parent / ".home"
    home.mkdir(exist_ok=True)
    return subprocess.run(
        args,
        cwd=folder,
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env=clean_env(home, extra),
    )


@pytest.mark.parametrize("how", ["PYTHONIOENCODING", "stdout"])
def test_a_cp1252_console_prints_every_command_readably(
    workspace: Callable[..., Path], how: str
) -> None:
    folder = workspace("partial")
    shown = {}
    for command in COMMANDS:
        if how == "PYTHONIOENCODING":
            done = _run_bytes([*GRADE, *command], folder, {"PYTHONIOENCODING": "cp1252"})
        else:
            done = _run_bytes([sys.executable, "-c", CP1252_STDOUT, *command], folder, {})
        stderr = done.stderr.decode("cp1252")
        assert done.returncode in (0, 1), stderr
        assert "Traceback" not in stderr and "UnicodeEncodeError" not in stderr, stderr
        assert "internal error" not in stderr, stderr
        shown[command] = done.stdout.decode("cp1252")  # strictly cp1252: it decodes
    assert "-> relu " in shown[("list",)], "'→' became '->'"
    assert "sigma(z) = 1/(1 + e^(-z))" in shown[("show", "sigmoid")], "'σ' became 'sigma'"
    assert "Sigma_(i=1)" in shown[("show", "weighted_sum")], "'Σ' became 'Sigma'"
    assert "(±1e-06)" in shown[("check",)], "what cp1252 has is printed as it is"
    assert "Stopped watching." in shown[COMMANDS[-1]]


def test_force_color_colours_a_pipe_and_no_color_wins(workspace: Callable[..., Path]) -> None:
    folder = workspace("partial")
    plain = grade("check", cwd=folder)
    forced = grade("check", cwd=folder, env={"FORCE_COLOR": "1"})
    both = grade("check", cwd=folder, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout
    assert "\x1b[" in forced.stdout
    assert "\x1b[" not in both.stdout
    assert forced.returncode == plain.returncode == both.returncode == 1

"""Reading student source the way Python does: the copy's check, line numbers, code forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.classroom.integrity import code_forms
from grader.sandbox.copy import source_problem
from grader.sandbox.files import decode_source, line_of

SOURCE = Path(__file__).resolve().parents[1] / "fixture_solutions" / "sigmoid.py"
CP1252 = "# -*- coding: cp1252 -*-\n"


@pytest.mark.parametrize(
    "data",
    [
        b"x = 1\n",
        b"\xef\xbb\xbfx = 1\r\n",
        (CP1252 + 'x = "\u20ac\u00e9"\r\n').encode("cp1252"),
        b"#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\nx = '\xe9'\n",
        # CPython's import ignores bytes that are not UTF-8 inside comments of a UTF-8 file
        b"x = 1\n\n# caf\xe9\n",
        b"# caf\xe9 au lait\nx = 1\n",
        b"\xef\xbb\xbfx = 1  # caf\xe9\r\n",
        "x = '\U0001f600\ue000'  # caf".encode() + b"\xe9\n",
    ],
)
def test_what_python_imports_is_accepted(data: bytes) -> None:
    compile(data, "m.py", "exec")  # the reference: what the import's source_to_code does
    assert source_problem("m.py", data) is None


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b'x = "caf\xe9"\n', "m.py:1: byte 0xe9 is not valid UTF-8; save the file as UTF-8"),
        (b'x = 1\r\n\r\ny = "caf\xe9"\r\n', "m.py:3: byte 0xe9 is not valid UTF-8"),
        (b'def f():\n    """\n    caf\xe9\n    """\n', "m.py:3: byte 0xe9 is not valid UTF-8"),
        (b"x = 1\n\xff = 2\n", "m.py:2: byte 0xff is not valid UTF-8"),
        (b"# caf\xe9\nx = '\xe9'\n", "m.py:2: byte 0xe9 is not valid UTF-8"),
        (b"\xef\xbb\xbf# ok\r\nx = '\x81'\r\n", "m.py:2: byte 0x81 is not valid UTF-8"),
        (b"# coding: ascii\nx = 1\n# \xe9\n", "m.py:3: byte 0xe9 is not valid ascii"),
        (b"# coding: cp1252\nx = 1\n# \x81\n", "m.py:3: byte 0x81 is not valid cp1252"),
        (b"#!py\n# coding: klingon\n", "m.py:2: the coding line names 'klingon'"),
        (b"\xef\xbb\xbf# coding: latin-1\n", "m.py:1: the file starts with a UTF-8 byte order"),
    ],
)
def test_what_python_refuses_is_named_by_line(data: bytes, start: str) -> None:
    with pytest.raises(SyntaxError):
        compile(data, "m.py", "exec")
    problem = source_problem("m.py", data)
    assert problem is not None and problem.startswith(start), problem
    assert "offset" not in problem and "\n" not in problem


def test_line_of_counts_every_line_ending() -> None:
    data = b"a\nb\r\nc\rd"
    assert [line_of(data, data.index(c)) for c in b"abcd"] == [1, 2, 3, 4]


def test_decode_source_reads_as_python_reads() -> None:
    assert decode_source((CP1252 + "x = '\u20ac'\n").encode("cp1252")).endswith("x = '\u20ac'\n")
    assert decode_source(b"\xef\xbb\xbfx = 1\n") == "x = 1\n"
    assert decode_source(b"# caf\xe9\n") == "# caf\ufffd\n", "undecodable: lenient, not an error"


def test_code_forms_ignore_bom_crlf_and_coding_lines() -> None:
    data = SOURCE.read_bytes()
    variants = {
        "lf": data,
        "crlf": data.replace(b"\n", b"\r\n"),
        "bom": b"\xef\xbb\xbf" + data,
        "cp1252": CP1252.encode() + data,
    }
    forms = {name: code_forms({"sigmoid.py": variant}) for name, variant in variants.items()}
    assert len({str(form) for form in forms.values()}) == 1, forms
    assert forms["lf"], "the reference solution has a code form"

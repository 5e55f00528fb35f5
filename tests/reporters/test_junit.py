"""JUnit XML: parses, counts right, stable names, escaped hostile text, no illegal characters."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from grader.grading.results import Status
from grader.reporters.junit import render_junit

from .samples import EMPTY, PARTIAL, SAMPLES

ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _parse(report) -> ET.Element:
    return ET.fromstring(render_junit(report).encode("utf-8"))


def _outcome(case: ET.Element) -> ET.Element | None:
    found = [child for child in case if child.tag in ("failure", "error", "skipped")]
    assert len(found) <= 1
    return found[0] if found else None


def _properties(element: ET.Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in element.findall("properties/property")}


@pytest.mark.parametrize("report", [*SAMPLES.values(), EMPTY], ids=[*SAMPLES, "empty"])
def test_counts_add_up(report) -> None:
    root = _parse(report)
    assert root.tag == "testsuites" and root.get("name") == report.course_title
    cases = root.findall("testsuite/testcase")
    assert int(root.get("tests")) == len(cases) == report.check_count
    for attribute, tag in [("failures", "failure"), ("errors", "error"), ("skipped", "skipped")]:
        counted = sum(1 for case in cases if (o := _outcome(case)) is not None and o.tag == tag)
        assert int(root.get(attribute)) == counted
    for suite, item in zip(root.findall("testsuite"), report.items, strict=True):
        assert suite.get("name") == item.id
        assert int(suite.get("tests")) == len(suite.findall("testcase")) == len(item.tests)
        assert _properties(suite)["points"] == str(item.score)
        assert _properties(suite)["max_points"] == str(item.max_score)


def test_each_check_is_one_testcase_with_its_outcome_and_points() -> None:
    root = _parse(PARTIAL)
    for suite, item in zip(root.findall("testsuite"), PARTIAL.items, strict=True):
        for case, test in zip(suite.findall("testcase"), item.tests, strict=True):
            assert case.get("classname") == f"neurons_from_scratch.{item.id}"
            assert case.get("name") == test.name
            assert case.get("time") == f"{test.seconds:.3f}" and test.seconds > 0
            properties = _properties(case)
            assert properties["points"] == str(test.score)
            assert properties["max_points"] == str(test.max_score)
            assert properties["check_id"] == test.test
            outcome = _outcome(case)
            if test.status is Status.PASSED:
                assert outcome is None
            elif test.status in (Status.ERROR, Status.TIMEOUT):
                assert outcome.tag == "error" and outcome.get("type") == str(test.status)
            else:
                assert (
                    outcome.tag
                    == {Status.FAILED: "failure", Status.NOT_STARTED: "skipped"}[test.status]
                )
    skipped = root.find("testsuite[@name='vanishing_gradient']/testcase/skipped")
    assert skipped.get("message") == "not started"


def test_names_are_stable_and_carry_no_scores() -> None:
    names = {case.get("name") for case in _parse(PARTIAL).iter("testcase")}
    assert names == {case.get("name") for case in _parse(SAMPLES["complete"]).iter("testcase")}
    assert names == {case.get("name") for case in _parse(SAMPLES["stub"]).iter("testcase")}


def test_duplicate_names_in_an_item_are_told_apart_by_id() -> None:
    item = PARTIAL.items[0]
    tests = tuple(replace(test, name="same") for test in item.tests)
    report = replace(PARTIAL, items=(replace(item, tests=tests),))
    names = [case.get("name") for case in _parse(report).iter("testcase")]
    assert names == [f"same [{test.test}]" for test in tests]


def test_hostile_text_is_escaped_and_stripped() -> None:
    text = render_junit(PARTIAL)
    assert not ILLEGAL.search(text)
    assert "\x1b" not in text and "\u202e" not in text
    assert "&lt;/failure&gt;]]&gt;" in text
    root = ET.fromstring(text.encode("utf-8"))
    failures = list(root.iter("failure"))
    assert text.count("</failure>") == len(failures)
    loop = root.find("testsuite[@name='dense_layer']/testcase[2]/failure")
    assert "</failure>]]> | pipe | ``` fence ```` =cmd() <script>" in loop.get("message")
    assert "In your code:\n  dense_layer.py:12" in loop.text
    out = root.find("testsuite[@name='dense_layer']/testcase[1]/system-out")
    assert "loading weights..." in out.text


def test_characters_illegal_in_xml_are_removed() -> None:
    item = PARTIAL.items[1]
    nasty = "".join(map(chr, range(0x20))) + "\x7f\ufffe\uffff\ud800 end"
    test = replace(item.tests[0], message=nasty, output=nasty, name=f"n{nasty}")
    report = replace(PARTIAL, course_title=f"C{nasty}", items=(replace(item, tests=(test,)),))
    text = render_junit(report)
    assert not ILLEGAL.search(text)
    root = ET.fromstring(text.encode("utf-8"))
    assert root.find(".//failure").get("message").endswith("end")


@pytest.mark.parametrize("sample", SAMPLES)
def test_versions_and_file_hashes_are_recorded(sample: str) -> None:
    report = SAMPLES[sample]
    root = ET.fromstring(render_junit(report))
    versions = {"grader_version": report.grader_version, "course_version": "2026.11"}
    assert _properties(root) == versions
    hashes = {file.name: file.sha256 or "missing" for file in report.files}
    for suite, item in zip(root.findall("testsuite"), report.items, strict=True):
        properties = _properties(suite)
        assert {key: properties[key] for key in versions} == versions
        if item.file in hashes:
            assert properties["file"] == item.file
            assert properties["file_sha256"] == hashes[item.file]

"""JUnit XML for CI test reports (GitLab artifacts:reports:junit, GitHub test-report actions)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from grader.grading.results import CheckResult, ItemResult, Report, Status
from grader.reporters.common import clean, failure_lines, status_counts, unique_names

# Characters XML 1.0 does not allow anywhere, not even as character references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_NAME = re.compile(r"[^0-9A-Za-z]+")

_ADVISORY = ("skipped", "advisory")  # shown, never a CI failure: it is worth 0 points
_OUTCOME = {
    Status.FAILED: ("failure", "failed"),
    Status.ERROR: ("error", "error"),
    Status.TIMEOUT: ("error", "timed out"),
    Status.NOT_STARTED: ("skipped", "not started"),
}


def render_junit(report: Report) -> str:
    """Render JUnit XML: one testsuite per exercise or quiz, one testcase per check."""
    tests = [test for item in report.items for test in item.tests]
    root = ET.Element("testsuites", _counts(report.course_title, tests))
    course = _NOT_NAME.sub("_", clean(report.course_title)).strip("_").lower() or "course"
    versions = {
        "grader_version": report.grader_version,
        "course_version": report.course_version,
    }
    _properties(root, **versions)
    hashes = {file.name: file.sha256 or "missing" for file in report.files}
    for item in report.items:
        root.append(_suite(item, course, versions, hashes))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _suite(
    item: ItemResult, course: str, versions: dict[str, str], hashes: dict[str, str]
) -> ET.Element:
    suite = ET.Element("testsuite", _counts(item.id, item.tests))
    graded = {"file": item.file, "file_sha256": hashes[item.file]} if item.file in hashes else {}
    _properties(
        suite,
        points=item.score,
        max_points=item.max_score,
        title=item.title,
        kind=item.kind,
        status=str(item.status),
        **versions,
        **graded,
    )
    for test, name in zip(item.tests, unique_names(item), strict=True):
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"{course}.{_xml(item.id)}",
                "name": _xml(name),
                "time": f"{test.seconds:.3f}",
            },
        )
        _properties(
            case,
            points=test.score,
            max_points=test.max_score,
            check_id=test.test,
            visibility=test.visibility,
            advisory=str(test.advisory).lower(),
        )
        if test.status in _OUTCOME:
            tag, kind = _ADVISORY if test.advisory else _OUTCOME[test.status]
            message = " ".join(clean(test.message).split())
            if tag == "skipped" and not test.advisory:
                message = ""
            outcome = ET.SubElement(case, tag, {"message": _xml(message or kind), "type": kind})
            outcome.text = _xml("\n".join(failure_lines(item, test, with_output=False)))
        if test.output:
            ET.SubElement(case, "system-out").text = _xml(test.output)
    return suite


def _counts(name: str, tests: Iterable[CheckResult]) -> dict[str, str]:
    tests = list(tests)
    counts = status_counts(test for test in tests if not test.advisory)
    advice = sum(1 for test in tests if test.advisory and test.status is not Status.PASSED)
    return {
        "name": _xml(name),
        "tests": str(len(tests)),
        "failures": str(counts[Status.FAILED]),
        "errors": str(counts[Status.ERROR] + counts[Status.TIMEOUT]),
        "skipped": str(counts[Status.NOT_STARTED] + advice),
        "time": f"{sum(test.seconds for test in tests):.3f}",
    }


def _properties(parent: ET.Element, **values: object) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(properties, "property", {"name": name, "value": _xml(str(value))})


def _xml(text: str) -> str:
    """Clean text for XML: no terminal escapes, nothing XML 1.0 forbids."""
    return _NOT_XML.sub("", clean(text))

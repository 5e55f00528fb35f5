"""What the class report says about a class graded for real."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.classroom.class_report import ClassReport, analyse, render_class_report
from grader.classroom.policy import load_policy
from grader.classroom.roster import match, read_roster, read_times
from grader.classroom.rows import Outcome, build_rows

from .conftest import GradedClass


@pytest.fixture
def class_report(graded_class: GradedClass, data_dir: Path) -> ClassReport:
    reports = graded_class.reports
    outcomes = {s: Outcome("graded", r["score"], r["max_score"]) for s, r in reports.items()}
    rows = build_rows(
        match(read_roster(data_dir / "roster.csv"), outcomes),
        outcomes,
        22,
        load_policy(data_dir / "policy.yaml"),
        read_times(data_dir / "times.csv"),
    )
    return analyse(
        rows,
        reports,
        forms=graded_class.forms,
        starters=graded_class.starters,
        report_hrefs={s: f"reports/{s}.json" for s in reports},
    )


def _students(refs) -> list[str]:
    return [ref.student for ref in refs]


def test_misconceptions_are_named_and_counted_with_their_students(
    class_report: ClassReport,
) -> None:
    by_item = {entry.item: entry.found for entry in class_report.misconceptions}
    sigmoid = {m.id: m for m in by_item["sigmoid"]}
    assert _students(sigmoid["exp_sign"].students) == ["ben", "cai"]
    assert _students(sigmoid["math_exp"].students) == ["dee"]
    assert by_item["sigmoid"][0].id == "exp_sign"  # most common first
    assert sigmoid["exp_sign"].feedback
    assert _students(by_item["relu"][0].students) == ["ben"]
    assert _students(by_item["weighted_sum"][0].students) == ["dee"]


def test_common_wrong_quiz_answers_with_counts(class_report: ClassReport) -> None:
    quizzes = {quiz.item: quiz for quiz in class_report.quizzes}
    relu_output = quizzes["relu_output"]
    assert [(w.answer, w.count) for w in relu_output.top] == [("1.00", 2)]
    assert (relu_output.wrong, relu_output.answered) == (2, 6)
    why = quizzes["why_activation"]
    assert [(w.answer, w.count) for w in why.top] == [("a", 2), ("b", 1)]


def test_pass_rates_hardest_first(class_report: ClassReport) -> None:
    rates = [rate.percent for rate in class_report.items]
    assert rates == sorted(rates)
    assert class_report.items[0].item == "sigmoid"  # 2 of 8 pass it
    assert (class_report.items[0].passed, class_report.items[0].total) == (2, 8)
    checks = [rate.percent for rate in class_report.checks]
    assert checks == sorted(checks) and len(checks) > len(rates)


def test_problems_late_work_and_integrity(class_report: ClassReport) -> None:
    problems = {(p.student.student, p.item, p.status) for p in class_report.problems}
    assert ("eve", "sigmoid", "timed out") in problems
    assert ("fay", "sigmoid", "error") in problems
    assert [row.student for row in class_report.late] == ["ben"]
    assert [row.student for row in class_report.no_time] == ["gus"]
    same = {(group.file, group.students) for group, _ in class_report.same_code}
    assert ("sigmoid.py", ("ben", "cai")) in same
    # Six of eight share the reference relu: a natural answer, counted but not listed.
    assert not any(group.file == "relu.py" for group, _ in class_report.same_code)
    assert [(g.file, len(g.students)) for g in class_report.common_code] == [
        ("relu.py", 6),
        ("weighted_sum.py", 6),
    ]
    assert not any(
        group.file == "sigmoid.py" and "gus" in group.students
        for group, _ in class_report.same_code
    )  # untouched starters are no hint
    pairs = [pair.students for pair, _ in class_report.shared_answers]
    assert ("ben", "cai") in pairs


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.hrefs.append(str(values["href"]))


def test_the_page_links_resolve_and_hostile_text_is_escaped(class_report: ClassReport) -> None:
    html = render_class_report(class_report)
    page = _Collect()
    page.feed(html)
    anchors = [href[1:] for href in page.hrefs if href.startswith("#")]
    assert anchors and all(anchor in page.ids for anchor in anchors)
    assert all(href.startswith(("#", "reports/")) for href in page.hrefs)
    assert "script" not in page.tags and "://" not in html
    assert "Integrity hints" in html and "never verdicts" in html
    assert html.count('role="img"') == 2 and html.count("<desc ") == 2


def test_student_text_cannot_inject_markup(graded_class: GradedClass) -> None:
    reports = {"<b>x</b>": graded_class.reports["ben"]}
    outcomes = {s: Outcome("graded", 1, 22) for s in reports}
    rows = build_rows(match(None, outcomes), outcomes, 22)
    html = render_class_report(analyse(rows, reports))
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html

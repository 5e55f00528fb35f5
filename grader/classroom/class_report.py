"""class-report.html: what the class got right and wrong, for the instructor.

Built from the per-student JSON reports (the versioned `grade check --format json` data) and
the gradebook rows. One static HTML file, no scripts, no network: SVG plots are drawn here
at build time, each with a text alternative, light and dark by the reader's setting.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from grader.classroom.integrity import SameCode, SharedAnswers, same_code, shared_rare_answers
from grader.classroom.rows import MISSING, ClassRow
from grader.reporters.common import clean

TEMPLATES = Path(__file__).resolve().parent / "templates"
PROBLEM_STATUSES = ("timed out", "error")
TOP_ANSWERS = 5
# Identical code shared by more than max(COMMON_MIN, COMMON_SHARE of the class) submissions is
# the exercise's natural answer, not a hint: it is counted, not listed.
COMMON_MIN, COMMON_SHARE = 3, 0.1


@cache
def environment() -> Environment:
    """Return the class report's one Environment: autoescaped, strict about undefined names."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "svg"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


@dataclass(frozen=True)
class StudentRef:
    """A student as the report links to them."""

    student: str
    anchor: str
    href: str = ""  # their own report file, relative to the class report, if any


@dataclass(frozen=True)
class Rate:
    """How many graded submissions passed one exercise or check."""

    item: str
    title: str
    check: str
    passed: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class Misconception:
    """One diagnosed misconception and who holds it."""

    id: str
    title: str
    feedback: str
    students: tuple[StudentRef, ...]


@dataclass(frozen=True)
class ItemMisconceptions:
    item: str
    title: str
    found: tuple[Misconception, ...]


@dataclass(frozen=True)
class WrongAnswer:
    answer: str
    count: int
    students: tuple[StudentRef, ...]


@dataclass(frozen=True)
class QuizAnswers:
    item: str
    title: str
    wrong: int  # how many answered wrongly
    answered: int  # how many gave a readable answer
    top: tuple[WrongAnswer, ...]


@dataclass(frozen=True)
class ProblemLine:
    student: StudentRef
    item: str  # empty: the whole submission
    status: str
    detail: str


@dataclass(frozen=True)
class Bar:
    """One bar of a plot, in SVG coordinates, with the label and value it stands for."""

    x: str
    y: str
    width: str
    height: str
    label: str
    value: str


@dataclass(frozen=True)
class Chart:
    """A bar chart ready for the template, and its text alternative."""

    id: str
    title: str
    description: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    axis: tuple[tuple[str, str], ...] = ()  # (position, label) along the value axis


@dataclass(frozen=True)
class ClassReport:
    """Everything the template shows."""

    title: str
    course_version: str
    rows: tuple[ClassRow, ...]
    refs: dict[str, StudentRef]
    max_score: float
    graded: int
    missing: int
    mean: float | None
    median: float | None
    distribution: Chart
    histogram: tuple[tuple[str, int], ...]
    item_chart: Chart
    items: tuple[Rate, ...]
    checks: tuple[Rate, ...]
    misconceptions: tuple[ItemMisconceptions, ...]
    quizzes: tuple[QuizAnswers, ...]
    problems: tuple[ProblemLine, ...]
    late: tuple[ClassRow, ...]
    no_time: tuple[ClassRow, ...]
    same_code: tuple[tuple[SameCode, tuple[StudentRef, ...]], ...]
    common_code: tuple[SameCode, ...]  # groups too large to be a hint: a natural answer
    shared_answers: tuple[tuple[SharedAnswers, tuple[StudentRef, ...]], ...]
    notes: tuple[str, ...] = field(default=())


def _anchor(index: int, student: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", student).strip("-")[:40] or "student"
    return f"student-{index}-{slug}"


def _number(value: float) -> str:
    return f"{round(value, 1):g}"


def analyse(
    rows: Sequence[ClassRow],
    reports: Mapping[str, Mapping[str, Any]],
    *,
    title: str = "",
    forms: Mapping[str, Mapping[str, Any]] | None = None,
    starters: Mapping[str, str] | None = None,
    report_hrefs: Mapping[str, str] | None = None,
) -> ClassReport:
    """Work out everything the class report shows from the rows and JSON reports.

    `forms` holds each student's normalised code (integrity.code_forms), for the
    identical-code hints; `starters` the starter files, which are no hint.
    """
    hrefs = report_hrefs or {}
    refs = {
        row.student: StudentRef(
            row.student, _anchor(index, row.student), hrefs.get(row.student, "")
        )
        for index, row in enumerate(rows, 1)
    }
    for student in reports:
        refs.setdefault(student, StudentRef(student, _anchor(len(refs) + 1, student)))
    submitted = [row for row in rows if row.submitted]
    max_score = max((row.max_score for row in rows), default=0.0)
    finals = sorted(row.final_score for row in submitted)
    mean = sum(finals) / len(finals) if finals else None
    median = None
    if finals:
        middle = len(finals) // 2
        median = finals[middle] if len(finals) % 2 else (finals[middle - 1] + finals[middle]) / 2

    item_titles: dict[str, str] = {}
    item_rates: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    check_rates: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    check_names: dict[tuple[str, str], str] = {}
    diagnoses: dict[str, dict[str, tuple[str, str, list[str]]]] = defaultdict(dict)
    answers: dict[str, Counter[str]] = defaultdict(Counter)
    answer_givers: dict[tuple[str, str], list[str]] = defaultdict(list)
    answered: Counter[str] = Counter()
    wrong_by_student: dict[str, dict[str, str]] = defaultdict(dict)
    quiz_ids: list[str] = []
    problems: list[ProblemLine] = []
    course_version = ""
    for student, data in reports.items():
        course_version = course_version or clean(str(data.get("course", {}).get("version", "")))
        title = title or clean(str(data.get("course", {}).get("title", "")))
        for item in data.get("exercises", []):
            item_id = str(item["id"])
            item_titles.setdefault(item_id, clean(str(item.get("title", item_id))))
            status = str(item.get("status", ""))
            rate = item_rates[item_id]
            rate[1] += 1
            rate[0] += status == "passed"
            for test in item.get("tests", []):
                key = (item_id, str(test.get("id", "")))
                check_names.setdefault(key, clean(str(test.get("name", key[1]))))
                check_rates[key][1] += 1
                check_rates[key][0] += test.get("status") == "passed"
            diagnosis = item.get("diagnosis")
            if diagnosis:
                entry = diagnoses[item_id].setdefault(
                    str(diagnosis["id"]),
                    (clean(str(diagnosis["title"])), clean(str(diagnosis["feedback"])), []),
                )
                entry[2].append(student)
            if item.get("kind") in ("numeric", "choice"):
                if item_id not in quiz_ids:
                    quiz_ids.append(item_id)
                given = item.get("answer")
                if given is not None:
                    answered[item_id] += 1
                    if status != "passed":
                        given = clean(str(given))
                        answers[item_id][given] += 1
                        answer_givers[(item_id, given)].append(student)
                        wrong_by_student[student][item_id] = given
            if status in PROBLEM_STATUSES and item.get("kind") == "code":
                failing: dict[str, Any] = next(
                    (t for t in item.get("tests", []) if t.get("status") == status), {}
                )
                problems.append(
                    ProblemLine(
                        refs[student], item_id, status, clean(str(failing.get("message", "")))[:300]
                    )
                )
    for row in rows:
        if row.submitted and row.status != "graded":
            problems.insert(0, ProblemLine(refs[row.student], "", row.status, row.problem))

    order = {item_id: index for index, item_id in enumerate(item_titles)}
    items = sorted(
        (Rate(i, item_titles[i], "", p, t) for i, (p, t) in item_rates.items()),
        key=lambda rate: (rate.percent, order[rate.item]),
    )
    checks = sorted(
        (
            Rate(i, item_titles[i], check_names[(i, c)], p, t)
            for (i, c), (p, t) in check_rates.items()
        ),
        key=lambda rate: (rate.percent, order[rate.item], rate.check),
    )
    misconceptions = tuple(
        ItemMisconceptions(
            item_id,
            item_titles[item_id],
            tuple(
                sorted(
                    (
                        Misconception(d, t, f, tuple(refs[s] for s in sorted(students)))
                        for d, (t, f, students) in found.items()
                    ),
                    key=lambda m: (-len(m.students), m.id),
                )
            ),
        )
        for item_id, found in sorted(diagnoses.items(), key=lambda pair: order[pair[0]])
    )
    quizzes = tuple(
        QuizAnswers(
            quiz,
            item_titles[quiz],
            sum(answers[quiz].values()),
            answered[quiz],
            tuple(
                WrongAnswer(a, n, tuple(refs[s] for s in sorted(answer_givers[(quiz, a)])))
                for a, n in sorted(answers[quiz].items(), key=lambda pair: (-pair[1], pair[0]))[
                    :TOP_ANSWERS
                ]
            ),
        )
        for quiz in quiz_ids
    )
    groups = same_code(forms or {}, starters)
    common = max(COMMON_MIN, int(COMMON_SHARE * len(submitted)))
    shared = shared_rare_answers(
        {row.student: wrong_by_student.get(row.student, {}) for row in submitted}
    )
    histogram = _histogram([row.final_score for row in submitted], max_score)
    return ClassReport(
        title=title or "Class report",
        course_version=course_version,
        rows=tuple(rows),
        refs=refs,
        max_score=max_score,
        graded=len(submitted),
        missing=sum(1 for row in rows if row.status == MISSING),
        mean=mean,
        median=median,
        distribution=_distribution_chart(histogram, len(submitted)),
        histogram=tuple(histogram),
        item_chart=_item_chart(items),
        items=tuple(items),
        checks=tuple(checks),
        misconceptions=misconceptions,
        quizzes=quizzes,
        problems=tuple(problems),
        late=tuple(row for row in rows if row.late_units > 0),
        no_time=tuple(
            row for row in rows if row.submitted and row.time_source == "none" and row.late
        ),
        same_code=tuple(
            (g, tuple(refs[s] for s in g.students if s in refs))
            for g in groups
            if len(g.students) <= common
        ),
        common_code=tuple(g for g in groups if len(g.students) > common),
        shared_answers=tuple(
            (pair, tuple(refs[s] for s in pair.students if s in refs)) for pair in shared
        ),
    )


BINS = 10


def _histogram(finals: Sequence[float], max_score: float) -> list[tuple[str, int]]:
    """Count final scores in ten bins of percent of max_score; 100% falls in the last."""
    counts = [0] * BINS
    for score in finals:
        share = score / max_score if max_score else 0.0
        counts[min(int(share * BINS), BINS - 1) if share > 0 else 0] += 1
    labels = [f"{10 * i}–{10 * (i + 1)}%" for i in range(BINS)]
    return list(zip(labels, counts, strict=True))


def _distribution_chart(histogram: list[tuple[str, int]], graded: int) -> Chart:
    width, height, left, bottom, top = 480, 220, 36, 186, 12
    peak = max((count for _, count in histogram), default=0) or 1
    step = (width - left - 8) / len(histogram)
    bars = []
    for index, (label, count) in enumerate(histogram):
        bar_height = (bottom - top) * count / peak
        bars.append(
            Bar(
                f"{left + index * step + 2:.2f}",
                f"{bottom - bar_height:.2f}",
                f"{step - 4:.2f}",
                f"{bar_height:.2f}",
                label,
                str(count),
            )
        )
    busiest = max(histogram, key=lambda pair: pair[1]) if graded else ("", 0)
    description = (
        f"Bar chart of the final scores of {graded} submissions in ten bands of the maximum"
        f" score. "
        + "; ".join(f"{label}: {count}" for label, count in histogram)
        + (f". The most common band is {busiest[0]}." if graded else ".")
    )
    axis = tuple((f"{bottom - (bottom - top) * v / peak:.2f}", str(v)) for v in sorted({0, peak}))
    return Chart("distribution", "Final scores", description, tuple(bars), width, height, axis)


def _item_chart(items: Sequence[Rate]) -> Chart:
    row, left, width = 22, 170, 480
    height = max(row * len(items) + 28, 60)
    span = width - left - 48
    bars = tuple(
        Bar(
            str(left),
            f"{8 + index * row:.2f}",
            f"{span * rate.percent / 100:.2f}",
            str(row - 6),
            rate.item,
            f"{_number(rate.percent)}%",
        )
        for index, rate in enumerate(items)
    )
    description = (
        "Horizontal bar chart of the share of submissions that passed each exercise and quiz,"
        " hardest first: "
        + "; ".join(f"{r.item} {_number(r.percent)}% ({r.passed} of {r.total})" for r in items)
        + "."
    )
    axis = tuple((f"{left + span * v / 100:.2f}", f"{v}%") for v in (0, 50, 100))
    return Chart("pass-rates", "Pass rate by exercise", description, bars, width, height, axis)


def render_class_report(report: ClassReport) -> str:
    """Render the analysed class report as one HTML page."""
    return prepare_class_report().render(
        report=report, number=_number, PROBLEM_STATUSES=PROBLEM_STATUSES
    )


def prepare_class_report() -> Template:
    """Return the class report's template, compiled once (about 40 ms; `grade batch` asks
    while its last submissions are graded, when a CPU is free)."""
    return environment().get_template("class-report.html")

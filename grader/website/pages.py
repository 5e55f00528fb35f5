"""Turn the course model into what the templates show: one index and one page per item."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.course.model import ChoiceQuiz, CodeExercise, Course, Lesson, NumericQuiz, Quiz
from grader.website.highlight import python_html
from grader.website.plots import activation_plots, plots_html
from grader.website.richtext import Rendering, TextRenderer
from grader.website.sources import Origin
from grader.website.starter import slug, stub_bytes
from grader.website.templating import render

KIND_LABELS = {"code": "Code exercise", "numeric": "Numeric quiz", "choice": "Multiple choice"}
RESERVED_PAGES = frozenset({"index"})
STARTER_NAME = "starter-workspace.zip"


@dataclass(frozen=True)
class ItemLink:
    """How pages refer to an item."""

    id: str
    title: str
    kind: str
    kind_label: str
    href: str
    points: int
    lesson_title: str


@dataclass
class Page:
    """One HTML page to write, plus the files its content needs copied next to it."""

    name: str
    html: str
    media: dict[str, Path] = field(default_factory=dict)


def page_name(item: CodeExercise | Quiz) -> str:
    """Return the file name of an item's page (flat, so every page shares one storage origin)."""
    return f"{item.id}-page.html" if item.id in RESERVED_PAGES else f"{item.id}.html"


def download_name(exercise: CodeExercise) -> str:
    """Return where the stub is offered for download."""
    return f"downloads/{exercise.file}"


def _step(decimals: int) -> str:
    return f"{10.0**-decimals:.{decimals}f}"


def format_help(quiz: NumericQuiz) -> str:
    """Say how precise a numeric answer must be and how it is compared."""
    if quiz.decimals == 0:
        return "Answers are rounded to the nearest whole number before they are compared."
    return (
        f"{quiz.precision} Answers are rounded to the nearest {_step(quiz.decimals)} before"
        " they are compared."
    )


def quiz_payload(quiz: Quiz) -> dict[str, Any]:
    """Return the only quiz data a page may carry: id, salt, digest, decimals, choices."""
    if quiz.answer is None:
        raise ValueError(f"quiz {quiz.id!r} has no answer digest; a draft is never published")
    return {"id": quiz.id, "salt": quiz.answer.salt, "digest": quiz.answer.sha256} | (
        quiz.site_payload()
    )


class SiteRenderer:
    """Render every page of one course; holds the shared Markdown renderer and lookups."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.text = TextRenderer()
        self.lessons = {lesson.id: lesson for lesson in course.lessons}
        self.lesson_numbers = {lesson.id: n for n, lesson in enumerate(course.lessons, 1)}
        self.links = {item.id: self._link(item) for item in course.items}
        course_source = course.root / "course.yaml"
        self.lesson_summaries = {
            lesson.id: self.text.inline(
                lesson.summary,
                Origin(course_source, ("lessons", index, "summary")),
                Rendering(course.root, "media/course"),
            )
            for index, lesson in enumerate(course.lessons)
        }
        self.common = {
            "course": {
                "title": course.title,
                "version": course.version,
                "key": slug(course.title),
                "item_count": len(course.items),
                "exercise_count": len(course.exercises),
                "quiz_count": len(course.quizzes),
                "points": course.max_score,
            },
            "starter": {"href": f"downloads/{STARTER_NAME}"},
        }

    def _link(self, item: CodeExercise | Quiz) -> ItemLink:
        lesson = self.lessons.get(item.lesson)
        return ItemLink(
            id=item.id,
            title=item.title,
            kind=item.kind,
            kind_label=KIND_LABELS[item.kind],
            href=page_name(item),
            points=item.max_score,
            lesson_title=lesson.title if lesson else item.lesson,
        )

    def index(self) -> Page:
        """Render the course index."""
        lessons = []
        for lesson in self.course.lessons:
            items = [self.links[i.id] for i in self.course.items if i.lesson == lesson.id]
            lessons.append(self._lesson_view(lesson, items))
        first = self.links[self.course.items[0].id] if self.course.items else None
        html = render(
            "index.html", **self.common, page_kind="index", lessons=lessons, first_item=first
        )
        return Page("index.html", html)

    def _lesson_view(self, lesson: Lesson, items: list[ItemLink]) -> dict[str, Any]:
        return {
            "id": lesson.id,
            "title": lesson.title,
            "number": self.lesson_numbers[lesson.id],
            "summary_html": self.lesson_summaries[lesson.id],
            "entries": items,
        }

    def item(self, index: int) -> Page:
        """Render the page of the course's item at `index` (teaching order)."""
        item = self.course.items[index]
        origin = Origin(item.source, ())
        rendering = Rendering(item.folder, f"media/{item.id}")
        text_html = self.text.block(item.text, origin.child("text"), rendering)
        hints = [
            self.text.block(hint, origin.child("hints", n), rendering)
            for n, hint in enumerate(item.hints)
        ]
        # A code exercise asking for an activation function by its name (`relu`) gets its
        # plot; anything else only where the author asks with a ```plot block (a quiz's plot
        # could give the answer away).
        auto: tuple[str, ...] = ()
        if isinstance(item, CodeExercise) and not rendering.plots:
            auto = activation_plots(item.functions)
        siblings = [i for i in self.course.items if i.lesson == item.lesson]
        lesson = self.lessons.get(item.lesson)
        context: dict[str, Any] = {
            **self.common,
            "page_kind": "item",
            "item": self.links[item.id],
            "lesson": {
                "id": item.lesson,
                "title": lesson.title if lesson else item.lesson,
                "number": self.lesson_numbers.get(item.lesson, 0),
                "position": siblings.index(item) + 1,
                "count": len(siblings),
            },
            "text_html": text_html,
            "plots_html": plots_html(auto) if auto else "",
            "hints": hints,
            "code": None,
            "quiz": None,
            "previous": self.links[self.course.items[index - 1].id] if index > 0 else None,
            "next": (
                self.links[self.course.items[index + 1].id]
                if index + 1 < len(self.course.items)
                else None
            ),
        }
        if isinstance(item, CodeExercise):
            context["code"] = {
                "file": item.file,
                "functions": item.functions,
                "stub_html": python_html(stub_bytes(item).decode("utf-8")),
                "download": download_name(item),
                "command": f"grade check {item.id}",
                "checks": [
                    {"name": c.name, "points": c.points, "visibility": c.visibility}
                    for c in item.checks
                ],
            }
        else:
            context["quiz"] = {
                "kind": item.kind,
                "unit": item.unit if isinstance(item, NumericQuiz) else "",
                "format_help": format_help(item) if isinstance(item, NumericQuiz) else "",
                "payload": quiz_payload(item),
                "command": f"grade check {item.id}",
                "choices": [
                    {
                        "key": choice.key,
                        "html": self.text.inline(
                            choice.text, origin.child("choices", n, "text"), rendering
                        ),
                    }
                    for n, choice in enumerate(item.choices if isinstance(item, ChoiceQuiz) else ())
                ],
            }
        return Page(page_name(item), render("item.html", **context), dict(rendering.media))

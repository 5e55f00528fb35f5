"""The student's starter workspace: one stub per code exercise, answers.yaml and a README."""

from __future__ import annotations

import io
import re
import zipfile

from grader.model import CodeExercise, Course, Quiz
from grader.problems import InputError
from grader.website.sources import Origin, problem

ANSWERS_FILE = "answers.yaml"
README_FILE = "README.md"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def slug(text: str) -> str:
    """Return a lower-case, dash-separated name for `text` (for file and storage names)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "course"


def starter_files(course: Course) -> dict[str, bytes]:
    """Return the workspace files `grade init` writes, by name, in sorted order."""
    files: dict[str, bytes] = {}
    for exercise in course.exercises:
        files[exercise.file] = stub_bytes(exercise)
    files[ANSWERS_FILE] = _answers(course).encode("utf-8")
    files[README_FILE] = _readme(course).encode("utf-8")
    return dict(sorted(files.items()))


def stub_bytes(exercise: CodeExercise) -> bytes:
    """Return the stub file's content, or raise InputError pointing at its `stub:` line."""
    origin = Origin(exercise.source, ("stub",))
    try:
        data = exercise.stub.read_bytes()
    except OSError:
        raise InputError(
            problem(
                origin,
                f"stub file '{exercise.stub.name}' of '{exercise.id}' is missing; create it in"
                f" {exercise.folder.name}/ or fix 'stub:'",
            )
        ) from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            problem(origin, f"stub file '{exercise.stub.name}' is not UTF-8; save it as UTF-8")
        ) from None
    return data


def starter_zip(course: Course, files: dict[str, bytes] | None = None) -> bytes:
    """Return a deterministic zip of the starter files inside one folder named after the course."""
    files = starter_files(course) if files is None else files
    folder = f"{slug(course.title)}/"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo(folder, date_time=_ZIP_TIME)
        entry.create_system = 3
        entry.external_attr = (0o40755 << 16) | 0x10
        archive.writestr(entry, b"")
        for name in sorted(files):
            info = zipfile.ZipInfo(folder + name, date_time=_ZIP_TIME)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _describe(quiz: Quiz) -> str:
    if quiz.kind == "numeric":
        step = f"{quiz.tolerance:.{quiz.decimals}f}"
        unit = f" in {quiz.unit}" if quiz.unit else ""
        return f"a number{unit}, checked to the nearest {step}"
    keys = ", ".join(choice.key for choice in quiz.choices)
    return f"one letter: {keys}"


def _answers(course: Course) -> str:
    lines = [
        f"# Your quiz answers for {_one_line(course.title)}.",
        "# Write each answer after its colon and save; then run `grade check`",
        "# (or `grade check <id>` for one quiz).",
    ]
    lessons = {lesson.id: lesson for lesson in course.lessons}
    current = None
    for quiz in course.quizzes:
        if quiz.lesson != current:
            current = quiz.lesson
            lesson = lessons.get(quiz.lesson)
            lines += ["", f"# --- {_one_line(lesson.title if lesson else quiz.lesson)} ---"]
        lines += ["", f"# {_one_line(quiz.title)} ({_describe(quiz)})", f"{quiz.id}:"]
    return "\n".join(lines) + "\n"


def _readme(course: Course) -> str:
    title = _one_line(course.title)
    lines = [
        f"# {title}: your workspace",
        "",
        "This folder is where you solve the course's exercises. Open the course site for the",
        "lessons, then edit the files here and check your work with the `grade` command.",
        "",
        "## Files",
        "",
    ]
    for exercise in course.exercises:
        title = _one_line(exercise.title)
        lines.append(f"- `{exercise.file}`: {title} (`grade check {exercise.id}`)")
    if course.quizzes:
        lines.append(f"- `{ANSWERS_FILE}`: your answers to the {len(course.quizzes)} quizzes")
    lines += [
        "",
        "## Checking your work",
        "",
        "Run these commands in this folder:",
        "",
        "```",
        "grade check              # everything",
        "grade check <id>         # one exercise or quiz, e.g. the id shown on its page",
        "```",
        "",
        "Each exercise stub raises `NotImplementedError` until you replace that line with your",
        "code. Hidden checks test more cases than the examples, so test edge cases yourself.",
        "",
    ]
    return "\n".join(lines)

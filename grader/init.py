"""`grade init`: write a fresh workspace of starter files, never overwriting anything."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from grader.course.model import ChoiceQuiz, Course
from grader.course.problems import InputError, Problem
from grader.grading.quizzes import ANSWERS_FILE
from grader.grading.workspace import STATE_DIR

GITIGNORE = f"# grade keeps which hints you have seen here; it is yours alone.\n{STATE_DIR}/\n"


def starter_files(course: Course, workflow: str | None = None) -> dict[str, bytes]:
    """Return every file a fresh workspace gets, by relative path, in a stable order.

    `workflow` is the GitHub Actions file (default: `render_ci("github")`, see grader/ci.py).
    """
    from grader.ci import WORKFLOW_PATH, render_ci

    files: dict[str, bytes] = {}
    for exercise in course.exercises:
        files[exercise.file] = exercise.stub.read_bytes()
    files[ANSWERS_FILE] = _answers_template(course).encode()
    files["README.md"] = _readme(course).encode()
    files[".gitignore"] = GITIGNORE.encode()
    files[WORKFLOW_PATH] = (render_ci("github") if workflow is None else workflow).encode()
    return files


def _answers_template(course: Course) -> str:
    from grader.show import how_to_answer, plain_text

    lines = [
        f"# Quiz answers for {course.title}.",
        "# Write a number, or the letter of your choice, after each colon; then run: grade",
        "# Each question is repeated here as a comment; `grade show ID` prints it too.",
        "",
    ]
    for quiz in course.quizzes:
        lines.append(f"# {quiz.title} ({how_to_answer(quiz)})")
        lines.append("#")
        question = plain_text(quiz.text, width=86).splitlines()
        lines += [f"# {line}".rstrip() for line in question]
        for choice in quiz.choices if isinstance(quiz, ChoiceQuiz) else ():
            text = " ".join(plain_text(choice.text, 10_000).split())
            lines += textwrap.wrap(
                f"{choice.key}) {text}", 86, initial_indent="#   ", subsequent_indent="#      "
            )
        lines += [f"{quiz.id}:", ""]
    return "\n".join(lines)


def _readme(course: Course) -> str:
    items = "\n".join(f"- `{exercise.file}`: {exercise.title}" for exercise in course.exercises)
    return f"""# {course.title}: your workspace

Each `.py` file here is an exercise. Open one, read its docstring, replace the
`raise NotImplementedError` line under `# TODO` with your code, then run:

    grade              # grade everything
    grade check ID     # grade one exercise or quiz, e.g. grade check sigmoid
    grade list         # the course in order, with what to do next
    grade hint ID      # the next hint for an exercise
    grade watch        # re-grade each file as you save it

Quiz answers go in `{ANSWERS_FILE}`; each question is written above its line, and
`grade show ID` prints any exercise's or quiz's text. The lessons, with the same
questions, are on the course site (ask your instructor for its address; it also says how
to install `grade`). Hidden checks run against your code: the report
tells you which failed and why, without revealing the expected values.

Pushed to GitHub, `.github/workflows/grade.yml` grades every push with the course's
grader and fails the check below the pass mark; the score is in the run's summary.

Exercises:

{items}
"""


def init_workspace(
    course: Course, folder: Path, workflow: str | None = None, *, keep_existing: bool = False
) -> list[Path]:
    """Write the starter files into `folder`; never overwrite anything.

    An existing file is an error, unless `keep_existing`: then it is left as it is and only
    the missing files are written (a cloned repository's README, a new exercise mid-course).
    """
    files = starter_files(course, workflow)
    existing = [name for name in files if os.path.lexists(folder / name)]
    if keep_existing:
        files = {name: data for name, data in files.items() if name not in existing}
    elif existing:
        raise InputError(
            [
                Problem(
                    str(folder / name),
                    None,
                    None,
                    "already exists; grade init never overwrites (--keep-existing writes only"
                    " the missing files)",
                )
                for name in existing
            ]
        )
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:
            handle.write(data)
        written.append(path)
    return written


@dataclass(frozen=True)
class Created:
    """What `grade init` wrote, and where CI installs the grader from."""

    folder: Path
    written: list[Path]
    kept: bool
    placeholder: bool

    def summary(self) -> str:
        """Return what was written and what to do next."""
        from grader.ci import WORKFLOW_PATH

        kept = ", keeping the files that were already there" if self.kept else ""
        files = f"{len(self.written)} file{'' if len(self.written) == 1 else 's'}"
        here = self.folder.resolve() == Path.cwd().resolve()
        go = "" if here else f"cd {self.folder} && "
        lines = [
            f"Created {files} in {self.folder}{kept}.",
            f"Next: {go}grade list   (the course, and what to do first)",
        ]
        if self.placeholder:
            lines.append(
                f"Note: {WORKFLOW_PATH} does not know where the course lives yet; before"
                " pushing, ask your instructor for the published course package"
                " (--grader-wheel URL --grader-sha256 HASH, built with `grade package`)"
                " or --course-url and --course-ref, or edit its GRADER_PACKAGE line."
            )
        return "\n".join(lines) + "\n"


def create_workspace(
    course: Course,
    folder: Path,
    pass_mark: str,
    keep_existing: bool = False,
    **source: str | None,
) -> Created:
    """Write a workspace whose workflow installs the grader from `source` (see grader.ci).

    Raise CiError for a bad source or pass mark, InputError for files in the way.
    """
    from grader.ci import ci_file

    where, workflow = ci_file("github", pass_mark=pass_mark, **source)
    try:
        written = init_workspace(course, folder, workflow, keep_existing=keep_existing)
    except OSError as error:
        raise InputError(
            Problem(str(folder), None, None, f"cannot create the workspace: {error.strerror}")
        ) from None
    return Created(folder, written, keep_existing, where.is_placeholder)

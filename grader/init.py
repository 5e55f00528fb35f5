"""`grade init`: write a fresh workspace of starter files, never overwriting anything."""

from __future__ import annotations

import os
from pathlib import Path

from grader.course.model import Course
from grader.course.problems import InputError, Problem
from grader.grading.quizzes import ANSWERS_FILE


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
    files[WORKFLOW_PATH] = (render_ci("github") if workflow is None else workflow).encode()
    return files


def _answers_template(course: Course) -> str:
    lines = [
        f"# Quiz answers for {course.title}.",
        "# Write a number, or the letter of your choice, after each colon; then run: grade",
        "",
    ]
    for quiz in course.quizzes:
        lines += [f"# {quiz.title} ({quiz.answer_help.rstrip('.')})", f"{quiz.id}:", ""]
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

Quiz answers go in `{ANSWERS_FILE}`. Hidden checks run against your code: the report
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

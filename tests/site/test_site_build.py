"""Building the site: determinism, atomic replacement, bad input, the starter workspace."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURE_COURSE, FIXTURE_SOLUTIONS, REPO, Workspace, tree_bytes

from grader import init as workspace
from grader.course.load import load_course
from grader.course.problems import InputError
from grader.website import SiteBuild, build_site, starter_files
from grader.website.build import MARKER


def test_build_reports_what_it_wrote(workspace: Workspace) -> None:
    result = workspace.build()
    assert isinstance(result, SiteBuild)
    assert result.out == workspace.out
    assert result.pages == 4  # index + 3 items
    files = tree_bytes(workspace.out)
    assert result.files == len(files)
    assert result.bytes == sum(len(data) for data in files.values())
    assert result.seconds > 0
    assert {"index.html", "relu_demo.html", "double_it.html", "pick_range.html"} <= set(files)
    assert "downloads/relu_demo.py" in files
    assert "downloads/starter-workspace.zip" in files
    assert {"assets/site.css", "assets/site.js"} <= set(files)
    assert "assets/sha256.js" not in files, "the browser's crypto.subtle computes SHA-256"


def test_build_is_deterministic(workspace: Workspace, tmp_path: Path) -> None:
    course = workspace.course()
    build_site(course, tmp_path / "one", solutions=workspace.solutions)
    build_site(course, tmp_path / "two", solutions=workspace.solutions)
    one, two = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "two")
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


def test_output_has_no_local_paths_or_timestamps(fixture_site: Path) -> None:
    for name, data in tree_bytes(fixture_site).items():
        if name.endswith((".html", ".js", ".css")):
            text = data.decode("utf-8")
            assert str(REPO) not in text and "/tmp/" not in text, name
            assert not re.search(r"20\d\d-\d\d-\d\d[T ]\d\d:\d\d", text), name


def test_rebuild_replaces_the_site_and_leaves_no_staging(workspace: Workspace) -> None:
    workspace.build()
    (workspace.out / "stale.html").write_text("old", "utf-8")
    workspace.build()
    assert not (workspace.out / "stale.html").exists()
    assert sorted(p.name for p in workspace.root.iterdir()) == ["exercises", "site", "solutions"]


def test_refuses_to_replace_a_folder_it_did_not_build(workspace: Workspace) -> None:
    workspace.out.mkdir()
    (workspace.out / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(InputError) as error:
        workspace.build()
    assert "was not made by `grade build-site`" in str(error.value)
    assert (workspace.out / "notes.txt").read_text("utf-8") == "mine"


def test_refuses_an_output_folder_inside_the_course(workspace: Workspace) -> None:
    with pytest.raises(InputError, match="overlaps"):
        build_site(workspace.course(), workspace.course_dir / "site", solutions=workspace.solutions)


def test_marker_identifies_the_site(fixture_site: Path) -> None:
    assert (fixture_site / MARKER).is_file()


# -- bad input keeps the old site --------------------------------------------------------------


def _break_text(workspace: Workspace, old: str, new: str, item: str = "relu_demo") -> Path:
    source = workspace.course_dir / item / "exercise.yaml"
    text = source.read_text("utf-8")
    assert old in text
    source.write_text(text.replace(old, new, 1), "utf-8")
    return source


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


@pytest.mark.parametrize(
    ("snippet", "says"),
    [
        (r"$\frac{1}{z$", "never closed"),
        (r"$\foo{z}$", "unknown LaTeX command \\foo"),
        (r"$x^$", "^ or _ has nothing after it"),
        ("$z + 1", "never closed"),
        (r"$\begin{align} z \end{align}$", "unsupported environment 'align'"),
    ],
)
def test_bad_math_fails_with_path_and_line_and_keeps_the_old_site(
    workspace: Workspace, snippet: str, says: str
) -> None:
    workspace.build()
    before = tree_bytes(workspace.out)
    source = _break_text(workspace, "For example", f"For example {snippet} and")
    with pytest.raises(InputError) as error:
        workspace.build()
    message = str(error.value)
    line = _line_of(source, "For example")
    assert re.match(rf"^.*relu_demo/exercise\.yaml:{line}:\d+: ", message), message
    assert says in message
    assert "; " in message  # what is wrong; how to fix it
    assert tree_bytes(workspace.out) == before
    assert sorted(p.name for p in workspace.root.iterdir()) == ["exercises", "site", "solutions"]


def test_bad_math_in_a_hint_points_at_the_hint(workspace: Workspace) -> None:
    source = _break_text(workspace, "Compare each value with $0$", "Compare with $x^$")
    with pytest.raises(InputError) as error:
        workspace.build()
    line = _line_of(source, "Compare with $x^$")
    assert f"exercise.yaml:{line}:" in str(error.value)


def test_bad_math_in_a_choice_points_at_the_choice(workspace: Workspace) -> None:
    source = _break_text(workspace, "The open interval $(0, 1)$.", "Bad ${z$.", "pick_range")
    with pytest.raises(InputError) as error:
        workspace.build()
    assert f"exercise.yaml:{_line_of(source, 'Bad $')}:" in str(error.value)


def test_missing_stub_fails_at_the_stub_line(workspace: Workspace) -> None:
    workspace.build()
    before = tree_bytes(workspace.out)
    course = workspace.course()
    (workspace.course_dir / "relu_demo" / "stub.py").unlink()
    with pytest.raises(InputError) as error:
        build_site(course, workspace.out, solutions=workspace.solutions)
    source = workspace.course_dir / "relu_demo" / "exercise.yaml"
    assert f"exercise.yaml:{_line_of(source, 'stub: stub.py')}:" in str(error.value)
    assert "stub file 'stub.py'" in str(error.value)
    assert tree_bytes(workspace.out) == before


def test_remote_image_is_refused(workspace: Workspace) -> None:
    _break_text(workspace, "For example", "![a plot](https://example.org/p.png) For example")
    with pytest.raises(InputError, match="not a local file"):
        workspace.build()


def test_local_image_is_copied_and_needs_alt_text(workspace: Workspace) -> None:
    (workspace.course_dir / "relu_demo" / "shape.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"/>', "utf-8"
    )
    _break_text(workspace, "For example", "![the ReLU shape](shape.svg) For example")
    workspace.build()
    assert (workspace.out / "media" / "relu_demo" / "shape.svg").is_file()
    page = (workspace.out / "relu_demo.html").read_text("utf-8")
    assert 'src="media/relu_demo/shape.svg" alt="the ReLU shape"' in page
    _break_text(workspace, "![the ReLU shape]", "![]")
    with pytest.raises(InputError, match="no text alternative"):
        workspace.build()


def test_unknown_plot_is_refused(workspace: Workspace) -> None:
    _break_text(workspace, "For example", "```plot\n  softplus\n  ```\n\n  For example")
    with pytest.raises(InputError, match="unknown plot 'softplus'"):
        workspace.build()


# -- what the pages carry ----------------------------------------------------------------------


def test_quiz_pages_carry_only_the_digest_payload(fixture_site: Path) -> None:
    for name, quiz_id in [("double_it.html", "double_it"), ("pick_range.html", "pick_range")]:
        page = (fixture_site / name).read_text("utf-8")
        assert f'<form class="quiz-form" data-quiz-id="{quiz_id}"' in page
        blocks = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
        assert len(blocks) == 1
        payload = json.loads(blocks[0])
        assert set(payload) == {"id", "salt", "digest", "decimals", "choices"}
        assert payload["id"] == quiz_id
    numeric = json.loads(
        re.search(
            r"data-quiz-payload=\"double_it\">(.*?)</script>", _read(fixture_site, "double_it.html")
        ).group(1)  # noqa: E501
    )
    assert numeric["decimals"] == 2 and numeric["choices"] == []


def _read(site: Path, name: str) -> str:
    return (site / name).read_text("utf-8")


def test_pages_load_nothing_from_outside(fixture_site: Path) -> None:
    for name, data in tree_bytes(fixture_site).items():
        if not name.endswith(".html"):
            continue
        text = data.decode("utf-8")
        for attribute in re.findall(r'\b(?:src|href)="([^"]*)"', text):
            if attribute.startswith(("http://", "https://", "//")):
                # Only a plain link a learner may follow is allowed to point outside.
                assert f'<a href="{attribute}"' in text, (name, attribute)
        assert "@import" not in text and "url(http" not in text


def test_exercise_page_shows_checks_command_and_download(fixture_site: Path) -> None:
    page = _read(fixture_site, "relu_demo.html")
    assert "grade check relu_demo" in page
    assert 'href="downloads/relu_demo.py" download="relu_demo.py"' in page
    assert "relu of a few numbers" in page and "works on arrays and keeps their shape" in page
    assert 'tag--visible">visible' in page and 'tag--hidden">hidden' in page
    assert '<span class="k">raise</span>' in page  # highlighted with classes, not styles
    assert "style=" not in page
    assert '<svg class="plot"' in page and 'role="img" aria-label="ReLU activation' in page
    assert "<details" in page and "<summary>Hint 1 of 2</summary>" in page
    assert "<math" in page and "\\" not in re.sub(r"<pre.*?</pre>", "", page, flags=re.S)


def test_starter_files_are_what_grade_init_writes(tmp_path: Path) -> None:
    course = load_course(FIXTURE_COURSE)
    files = starter_files(course)
    assert list(files) == sorted(files)
    assert files == dict(sorted(workspace.starter_files(course).items()))
    assert {"README.md", "answers.yaml", "relu_demo.py"} <= set(files)
    assert files["relu_demo.py"] == (FIXTURE_COURSE / "relu_demo" / "stub.py").read_bytes()
    answers = files["answers.yaml"].decode("utf-8")
    assert yaml.safe_load(answers) == {"double_it": None, "pick_range": None}
    assert "# Double a weighted sum (" in answers and "# Where ReLU lives (" in answers
    written = workspace.init_workspace(course, tmp_path / "ws")
    on_disk = {path.relative_to(tmp_path / "ws").as_posix(): path.read_bytes() for path in written}
    assert on_disk == files


def test_starter_zip_is_deterministic_and_complete(fixture_site: Path, tmp_path: Path) -> None:
    data = (fixture_site / "downloads" / "starter-workspace.zip").read_bytes()
    build_site(load_course(FIXTURE_COURSE), tmp_path / "again", solutions=FIXTURE_SOLUTIONS)
    assert (tmp_path / "again" / "downloads" / "starter-workspace.zip").read_bytes() == data
    files = starter_files(load_course(FIXTURE_COURSE))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert names[0] == "fixture-course/"
        assert [n for n in names if not n.endswith("/")] == sorted(
            f"fixture-course/{name}" for name in files
        )
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        for name, content in files.items():
            assert archive.read(f"fixture-course/{name}") == content


def test_live_course_builds_cleanly(tmp_path: Path) -> None:
    live = REPO / "exercises"
    if not (live / "course.yaml").is_file():
        pytest.skip("no live course in this checkout")
    solutions = REPO / "solutions"
    result = build_site(
        load_course(live), tmp_path / "site", solutions=solutions if solutions.is_dir() else None
    )
    assert result.pages == len(load_course(live).items) + 1


def test_ids_are_unique_and_references_resolve(fixture_site: Path) -> None:
    for path in sorted(fixture_site.glob("*.html")):
        text = path.read_text("utf-8")
        ids = re.findall(r'\sid="([^"]+)"', text)
        assert len(ids) == len(set(ids)), path.name
        for reference in re.findall(r'\s(?:aria-labelledby|aria-describedby|for)="([^"]+)"', text):
            assert all(part in ids for part in reference.split()), (path.name, reference)
        for target in re.findall(r'data-copy-target="([^"]+)"', text):
            assert target in ids, (path.name, target)
        for anchor in re.findall(r'href="#([^"]+)"', text):
            assert anchor in ids, (path.name, anchor)


def test_unwritable_output_is_an_input_error(workspace: Workspace) -> None:
    blocker = workspace.root / "not-a-folder"
    blocker.write_text("a file where a folder should be", "utf-8")
    with pytest.raises(InputError, match="cannot write the site"):
        build_site(workspace.course(), blocker / "site", solutions=workspace.solutions)

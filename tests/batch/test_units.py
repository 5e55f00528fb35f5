"""Shards from the environment, archive caps, and the shipped templates' syntax."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from grader.classroom.archives import Caps, find_entries, read_entry
from grader.classroom.shards import Shard, ShardError, parse_shard, shard_from_env, shard_of
from grader.course import safe_yaml

TEMPLATES = Path(__file__).resolve().parents[2] / "grader" / "classroom" / "templates"


def test_shards_split_the_class_evenly_and_stably() -> None:
    students = [f"student{i}" for i in range(4000)]
    counts = Counter(shard_of(s, 4) for s in students)
    assert set(counts) == {1, 2, 3, 4}
    assert all(900 < count < 1100 for count in counts.values())
    assert shard_of("ada", 4) == shard_of("ada", 4)
    held = [s for s in students if any(Shard(k, 4).holds(s) for k in range(1, 5))]
    assert held == students
    assert sum(Shard(1, 4).holds(s) for s in students) == counts[1]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3"}, (2, 3)),
        ({"CI_NODE_TOTAL": "1"}, (1, 1)),
        ({"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"}, (5, 4)),
        (
            {
                "SLURM_ARRAY_TASK_ID": "4",
                "SLURM_ARRAY_TASK_COUNT": "4",
                "SLURM_ARRAY_TASK_MIN": "1",
            },
            (4, 4),
        ),
        (
            {
                "SLURM_ARRAY_TASK_ID": "0",
                "SLURM_ARRAY_TASK_COUNT": "2",
                "SLURM_ARRAY_TASK_MIN": "0",
            },
            (1, 2),
        ),
        ({"JOB_COMPLETION_INDEX": "0", "GRADE_SHARD_TOTAL": "3"}, (1, 3)),
        ({}, (1, 1)),
    ],
)
def test_shard_from_environment(env: dict[str, str], expected: tuple[int, int]) -> None:
    if expected[0] > expected[1]:
        with pytest.raises(ShardError):
            shard_from_env(env)
        return
    shard = shard_from_env(env)
    assert (shard.index, shard.total) == expected


def test_shard_option_and_errors() -> None:
    assert parse_shard("2/4") == Shard(2, 4, "--shard")
    assert parse_shard("all").total == 1
    for bad in ("0/4", "5/4", "2", "a/b", "1/0"):
        with pytest.raises(ShardError):
            parse_shard(bad)
    with pytest.raises(ShardError, match="GRADE_SHARD_TOTAL"):
        shard_from_env({"JOB_COMPLETION_INDEX": "1"})


def test_zip_bomb_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    (tmp_path / "bomb.zip").write_bytes(_zip({"relu.py": b"\0" * (40 << 20)}))
    (tmp_path / "ok.zip").write_bytes(_zip({"top/relu.py": b"def relu(x):\n    return x\n"}))
    entries = {e.student: e for e in find_entries(tmp_path)}
    caps = Caps(file_bytes=64 << 20)
    bomb = read_entry(entries["bomb"], ["relu.py"], "answers.yaml", caps)
    assert "bomb" in bomb.unreadable
    ok = read_entry(entries["ok"], ["relu.py"], "answers.yaml", Caps())
    assert not ok.unreadable and ok.files["relu.py"].startswith(b"def relu")


def test_duplicate_and_odd_entries(tmp_path: Path) -> None:
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada.zip").write_bytes(_zip({"relu.py": b""}))
    (tmp_path / "-weird name").mkdir()
    (tmp_path / ".hidden").mkdir()
    entries = {e.student: e for e in find_entries(tmp_path)}
    assert set(entries) == {"ada", "weird_name"}
    assert "several submissions" in entries["ada"].problem
    assert "student id" in entries["weird_name"].problem


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _yaml(name: str) -> dict:
    return safe_yaml.load((TEMPLATES / name).read_bytes(), name).data


def test_github_actions_template() -> None:
    workflow = _yaml("github-actions.yml")
    jobs = workflow["jobs"]
    shards = jobs["grade"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1))
    assert int(workflow["env"]["SHARDS"]) == len(shards)
    runs = " ".join(step.get("run", "") for step in jobs["grade"]["steps"])
    assert "grade batch" in runs and '--shard "${{ matrix.shard }}/$SHARDS"' in runs
    assert jobs["merge"]["needs"] == "grade"
    assert any("grade merge" in step.get("run", "") for step in jobs["merge"]["steps"])


def test_gitlab_template() -> None:
    pipeline = _yaml("gitlab-ci.yml")
    assert pipeline["stages"] == ["grade", "merge"]
    assert isinstance(pipeline["grade"]["parallel"], int) and pipeline["grade"]["parallel"] > 1
    assert any("grade batch" in line for line in pipeline["grade"]["script"])
    assert pipeline["merge"]["needs"] == ["grade"]
    assert any("grade merge" in line for line in pipeline["merge"]["script"])


def test_kubernetes_template() -> None:
    job = _yaml("kubernetes-job.yaml")
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    container = spec["template"]["spec"]["containers"][0]
    env = {item["name"]: item["value"] for item in container["env"]}
    assert int(env["GRADE_SHARD_TOTAL"]) == spec["completions"]
    assert "JOB_COMPLETION_INDEX" in " ".join(container["args"])
    jobs = " ".join(container["args"]).split("--jobs ")[1].split()[0]
    assert jobs == container["resources"]["requests"]["cpu"]  # not one worker per node CPU
    assert spec["template"]["spec"]["restartPolicy"] == "Never"


def test_slurm_template() -> None:
    script = TEMPLATES / "slurm-array.sh"
    bash = shutil.which("bash")
    assert bash
    done = subprocess.run([bash, "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = script.read_text()
    assert "#SBATCH --array=1-" in text and "grade batch" in text and "grade merge" in text


def test_progress_gives_no_eta_before_it_means_something() -> None:
    from grader.batch import Summary
    from grader.classroom.progress import progress_line

    assert "left" not in progress_line(1, 100, Summary(), 0.2)  # one done: no guess yet
    assert progress_line(50, 100, Summary(), 10.0).endswith("5.0 submissions/s, about 10 s left")
    assert progress_line(99, 100, Summary(), 10.0).endswith("under 1 s left")
    assert "left" not in progress_line(100, 100, Summary(), 10.0)


def test_the_summary_counts_in_words_and_a_no_op_run_has_no_rate(tmp_path: Path) -> None:
    from grader.batch import Summary
    from grader.classroom.progress import render_summary

    one = Summary(students=3, graded=3, attention=[("ann", "error", "broken")], seconds=1.0)
    text = render_summary(one, tmp_path)
    assert "1 problem." in text and "3.0 submissions/s" in text
    nothing = render_summary(Summary(students=3, unchanged=3, seconds=0.2), tmp_path)
    assert "0 problems." in nothing and "nothing needed grading" in nothing
    assert "submissions/s" not in nothing


def test_the_batch_parent_does_not_import_numpy() -> None:
    """Only the workers and the sandbox need numpy; the parent plans, renders and writes."""
    code = (
        "import sys, grader.cli, grader.cli.classroom, grader.batch, grader.classroom.outputs;"
        " print('numpy' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


def test_the_course_fingerprint_ignores_tools_caches(tmp_path: Path) -> None:
    from grader.batch import course_sha256
    from grader.course.load import load_course

    root = Path(
        shutil.copytree(Path(__file__).resolve().parents[1] / "fixture_course", tmp_path / "c")
    )
    before = course_sha256(load_course(root))
    for cache in (".pytest_cache/v/cache/lastfailed", "relu/__pycache__/test_relu.pyc"):
        (root / cache).parent.mkdir(parents=True)
        (root / cache).write_text("{}")
    assert course_sha256(load_course(root)) == before  # a pytest run changes nothing
    hidden = root / "relu" / "test_relu.py"
    hidden.write_text(hidden.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    assert course_sha256(load_course(root)) != before

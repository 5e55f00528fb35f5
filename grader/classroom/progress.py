"""What `grade batch` prints while it runs and when it ends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.batch import Summary


def progress_line(done: int, total: int, summary: Summary, seconds: float) -> str:
    """Return one plain progress line (for logs and CI, where no bar can be drawn)."""
    worked = done - summary.unchanged  # unchanged ones cost nothing: they say nothing of speed
    rate = worked / seconds if seconds > 0 else 0.0
    left = total - done
    eta = ""
    if left and worked >= 3 and seconds >= 1:  # too early, and the guess is noise
        remaining = left / rate
        eta = ", under 1 s left" if remaining < 1 else f", about {remaining:.0f} s left"
    share = 100 * done // total if total else 100
    return f"batch: {done}/{total} ({share}%), {rate:.1f} submissions/s{eta}"


def render_summary(summary: Summary, out: Path) -> str:
    """Return the end-of-run summary and the students that need attention."""
    lines = [
        f"{summary.students} submissions: {summary.graded} graded"
        f" ({summary.cached} entirely from identical files already graded),"
        f" {summary.unchanged} unchanged since the last run,"
        f" {len(summary.attention)} problem{'' if len(summary.attention) == 1 else 's'}.",
        f"Wall time {summary.seconds:.1f} s, {summary.per_second:.1f} submissions/s."
        if summary.graded
        else f"Wall time {summary.seconds:.1f} s; nothing needed grading.",
    ]
    if summary.removed:
        lines.append(
            f"Removed {len(summary.removed)} no longer submitted: "
            + ", ".join(summary.removed[:20])
            + (" ..." if len(summary.removed) > 20 else "")
        )
    lines += summary.classroom
    lines.append(f"Gradebook: {out / 'gradebook.csv'}; reports in {out / 'reports'}.")
    lines.append(f"Class report: {out / 'class-report.html'}.")
    if summary.attention:
        lines.append(f"Need attention ({len(summary.attention)}; also in {out / 'attention.csv'}):")
        for student, status, message in summary.attention[:50]:
            lines.append(f"  {student}: {status}: {message}")
        if len(summary.attention) > 50:
            lines.append(f"  ... and {len(summary.attention) - 50} more")
    return "\n".join(lines) + "\n"
